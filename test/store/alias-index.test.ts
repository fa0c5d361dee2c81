// Migration 017: the alias uniqueness index holds only accounts with an alias
// (issue #18: one index page fewer per link write); the rule is the same
// before and after it, and it migrates down and up again on both stores.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { accountRow, authConfigRow } from '../helpers/account-row.ts';
import { isUniqueViolation } from '../../src/store/accounts.ts';
import { migrate } from '../../src/store/db.ts';

forEachBackend('alias uniqueness index (migration 017)', (backend) => {
  let t: TestApp;
  const acId = 'ac_alias017000';
  before(async () => {
    t = await startTestApp(backend);
    await t.runtime.store.authConfigs.insert(authConfigRow(t.projectId, { id: acId }));
  });
  after(() => t.close());

  /** Inserts two live accounts of one user and toolkit; true when the second was refused as a duplicate. */
  async function secondRefused(user: string, alias: string | null): Promise<boolean> {
    const insert = () => t.runtime.store.accounts.insert(accountRow(t.projectId, acId, { user_id: user, alias }));
    await insert();
    try {
      await insert();
      return false;
    } catch (e) {
      assert.ok(isUniqueViolation(e), String(e));
      return true;
    }
  }

  test('the same rule before and after: a live alias once per user and toolkit, any number without one', async () => {
    assert.equal(await secondRefused('u-after', 'work'), true);
    assert.equal(await secondRefused('u-after', null), false);
    assert.deepEqual(await migrate(t.runtime.database, { to: '016_credentials_view' }), ['017_alias_index_partial'], 'migrated down');
    assert.equal(await secondRefused('u-before', 'work'), true);
    assert.equal(await secondRefused('u-before', null), false);
    assert.deepEqual(await migrate(t.runtime.database), ['017_alias_index_partial'], 'and up again');
    assert.equal(await secondRefused('u-again', 'work'), true);
    assert.equal(await secondRefused('u-again', null), false);
  });
});
