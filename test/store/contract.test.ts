// The store contract: the same behaviour on SQLite and PostgreSQL.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.ts';
import { QueryRecorder } from '../helpers/query-recorder.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { isUniqueViolation } from '../../src/store/accounts.ts';
import { accountRow as account, authConfigRow } from '../helpers/account-row.ts';
import { createStore } from '../../src/store/store.ts';
import { accountEventRows } from '../../src/webhooks/events.ts';
import { migrate } from '../../src/store/db.ts';

forEachBackend('store contract', (backend) => {
  let t: TestApp;
  let acId: string;
  before(async () => {
    t = await startTestApp(backend);
    const ts = new Date().toISOString();
    acId = 'ac_contract0001';
    await t.runtime.store.authConfigs.insert(
      authConfigRow(t.projectId, { id: acId, toolkit_slug: 'github', name: 'gh', auth_scheme: 'OAUTH2', created_at: ts }),
    );
  });
  after(() => t.close());
  const store = () => t.runtime.store;

  test('migrations are idempotent', async () => {
    assert.deepEqual(await migrate(t.runtime.database), []);
  });

  test('projects: insert, get, list, settings', async () => {
    const p = await store().projects.get(t.projectId);
    assert.equal(p?.name, 'Test Project');
    assert.deepEqual(p?.settings, {});
    await store().projects.updateSettings(t.projectId, { link_ttl_seconds: 60 }, new Date().toISOString());
    assert.deepEqual((await store().projects.get(t.projectId))?.settings, { link_ttl_seconds: 60 });
    await store().projects.updateSettings(t.projectId, {}, new Date().toISOString());
    assert.ok((await store().projects.list()).some((x) => x.id === t.projectId));
  });

  test('api keys: live lookup by hash, revoke once', async () => {
    const [k] = await store().apiKeys.listByProject(t.projectId);
    assert.equal((await store().apiKeys.findLiveByHash(k.key_hash))?.id, k.id);
    const other = await t.otherProject();
    const [k2] = await store().apiKeys.listByProject(other.projectId);
    assert.ok(await store().apiKeys.revoke(k2.id, new Date().toISOString()));
    assert.equal(await store().apiKeys.revoke(k2.id, new Date().toISOString()), undefined);
    assert.equal(await store().apiKeys.findLiveByHash(k2.key_hash), undefined);
  });

  test('accounts: alias unique among live accounts, freed by delete or failure', async () => {
    const a = account(t.projectId, acId, { alias: 'work', user_id: 'alias-user' });
    await store().accounts.insert(a);
    await assert.rejects(store().accounts.insert(account(t.projectId, acId, { alias: 'work', user_id: 'alias-user' })), (e) => isUniqueViolation(e));
    // Same alias for another user or toolkit is fine.
    await store().accounts.insert(account(t.projectId, acId, { alias: 'work', user_id: 'someone-else' }));
    await store().accounts.update(t.projectId, a.id, { status: 'FAILED' });
    await store().accounts.insert(account(t.projectId, acId, { alias: 'work', user_id: 'alias-user' }));
  });

  test('accounts: conditional update only from the given statuses', async () => {
    const a = account(t.projectId, acId, { status: 'INITIATED' });
    await store().accounts.insert(a);
    assert.equal((await store().accounts.update(t.projectId, a.id, { status: 'ACTIVE' }, ['INITIATED']))?.status, 'ACTIVE');
    assert.equal(await store().accounts.update(t.projectId, a.id, { status: 'FAILED' }, ['INITIATED']), undefined);
    assert.equal(await store().accounts.get('prj_other', a.id), undefined, 'other project sees nothing');
  });

  test('accounts: keyset pages are complete, ordered and stable under inserts', async () => {
    const user = 'pager';
    const base = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < 25; i++)
      await store().accounts.insert(account(t.projectId, acId, { user_id: user, created_at: new Date(base + i * 1000).toISOString() }));
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store().accounts.list({ projectId: t.projectId, userIds: [user], orderBy: 'created_at', direction: 'desc', cursor, limit: 10 });
      // Counted for the first page and carried by the cursor: rows inserted mid-walk do not change it.
      assert.equal(page.total, 25);
      seen.push(...page.items.map((r) => r.id));
      // A newer row inserted mid-walk must not shift later pages.
      await store().accounts.insert(account(t.projectId, acId, { user_id: user, created_at: new Date(base + 100_000 + pages * 1000).toISOString() }));
      pages++;
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    assert.equal(seen.length, 25);
    assert.equal(new Set(seen).size, 25);
    assert.equal(pages, 3);
  });

  test('link sessions: consume is single use, even concurrently', async () => {
    const a = account(t.projectId, acId, { status: 'INITIATED' });
    const now = new Date().toISOString();
    await store().links.insertWithAccount(a, {
      id: 'ls_contract01',
      project_id: t.projectId,
      connected_account_id: a.id,
      token_hash: 'h1',
      callback_url: null,
      expires_at: new Date(Date.now() + 60_000).toISOString(),
      browser_hash: null,
      csrf_token: null,
      oauth_state_hash: null,
      pkce_verifier_enc: null,
      oauth1_temporary_enc: null,
      opened_at: null,
      consumed_at: null,
      created_at: now,
    });
    assert.ok(await store().links.bindBrowser('ls_contract01', 'b1', now));
    assert.equal(await store().links.bindBrowser('ls_contract01', 'b2', now), undefined, 'second browser cannot bind');
    const results = await Promise.all(Array.from({ length: 8 }, () => store().links.consume('ls_contract01', new Date().toISOString())));
    assert.equal(results.filter(Boolean).length, 1);
  });

  test('link sessions: insertWithAccount writes the account and its link together, or neither (also inside a transaction)', async () => {
    const link = (id: string, accountId: string) => ({
      id,
      project_id: t.projectId,
      connected_account_id: accountId,
      token_hash: `h-${id}`,
      callback_url: null,
      expires_at: new Date(Date.now() + 60_000).toISOString(),
      browser_hash: null,
      csrf_token: null,
      oauth_state_hash: null,
      pkce_verifier_enc: null,
      oauth1_temporary_enc: null,
      opened_at: null,
      consumed_at: null,
      created_at: new Date().toISOString(),
    });
    const a = account(t.projectId, acId, { status: 'INITIATED', user_id: 'iwa-user', alias: 'iwa' });
    await store().links.insertWithAccount(a, link('ls_iwa_ok', a.id));
    assert.equal((await store().accounts.get(t.projectId, a.id))?.alias, 'iwa');
    assert.equal((await store().links.byId('ls_iwa_ok'))?.connected_account_id, a.id);
    // The alias is taken: the account insert fails, and no link is left behind.
    const b = account(t.projectId, acId, { status: 'INITIATED', user_id: 'iwa-user', alias: 'iwa' });
    await assert.rejects(store().links.insertWithAccount(b, link('ls_iwa_dup', b.id)), (e) => isUniqueViolation(e));
    assert.equal(await store().links.byId('ls_iwa_dup'), undefined);
    // The link insert fails (its id exists): no account is left behind.
    const c = account(t.projectId, acId, { status: 'INITIATED', user_id: 'iwa-user' });
    await assert.rejects(store().links.insertWithAccount(c, link('ls_iwa_ok', c.id)));
    assert.equal(await store().accounts.get(t.projectId, c.id), undefined);
    const d = account(t.projectId, acId, { status: 'INITIATED', user_id: 'iwa-user' });
    await store().transaction((tx) => tx.links.insertWithAccount(d, link('ls_iwa_tx', d.id)));
    assert.equal((await store().links.byId('ls_iwa_tx'))?.connected_account_id, d.id);
  });

  test('link sessions: concurrent insertWithAccount calls each get their own outcome, and share statements', async () => {
    const recorder = new QueryRecorder();
    const recorded = createStore(t.runtime.database.db.withPlugin(recorder), t.runtime.database.dialect);
    await store().accounts.insert(account(t.projectId, acId, { user_id: 'batch-user', alias: 'taken' }));
    const make = (n: number, tag: string, takenAt?: number) =>
      Array.from({ length: n }, (_, i) => {
        const a = account(t.projectId, acId, { status: 'INITIATED', user_id: 'batch-user', alias: i === takenAt ? 'taken' : `${tag}${i}` });
        const l = {
          id: `ls_${tag}${String(i).padStart(4, '0')}`,
          project_id: t.projectId,
          connected_account_id: a.id,
          token_hash: `h-${tag}-${i}`,
          callback_url: null,
          expires_at: new Date(Date.now() + 60_000).toISOString(),
          browser_hash: null,
          csrf_token: null,
          oauth_state_hash: null,
          pkce_verifier_enc: null,
          oauth1_temporary_enc: null,
          opened_at: null,
          consumed_at: null,
          created_at: a.created_at,
        };
        return { a, l };
      });
    const check = async (items: ReturnType<typeof make>, results: PromiseSettledResult<void>[], failed?: number) => {
      for (const [i, r] of results.entries()) assert.equal(r.status, i === failed ? 'rejected' : 'fulfilled', `item ${i}`);
      if (failed !== undefined) assert.ok(isUniqueViolation((results[failed] as PromiseRejectedResult).reason), 'the taken alias is reported as such');
      for (const [i, { a, l }] of items.entries()) {
        assert.equal(!!(await store().accounts.get(t.projectId, a.id)), i !== failed, `account ${i}`);
        assert.equal((await store().links.byId(l.id))?.connected_account_id, i === failed ? undefined : a.id, `link ${i}`);
      }
    };
    const clean = make(10, 'bok');
    await check(clean, await Promise.allSettled(clean.map(({ a, l }) => recorded.links.insertWithAccount(a, l))));
    assert.equal(recorder.ofKind('InsertQueryNode'), backend === 'postgres' ? 1 : 2, 'PostgreSQL: one statement for the ten; SQLite: one insert per table');
    recorder.reset();
    const mixed = make(30, 'bmx', 17);
    await check(mixed, await Promise.allSettled(mixed.map(({ a, l }) => recorded.links.insertWithAccount(a, l))), 17);
    assert.equal(
      recorder.ofKind('InsertQueryNode'),
      backend === 'postgres' ? 1 + 30 : 1 + 59,
      'the group fails on the taken alias, then each link alone (SQLite: two inserts a link, the taken one stops at its account)',
    );
  });

  test('link sessions: insertWithAccount writes the webhook outbox rows with their account, grouped, and none for a refused one', async () => {
    const recorder = new QueryRecorder();
    const recorded = createStore(t.runtime.database.db.withPlugin(recorder), t.runtime.database.dialect);
    const ts = new Date().toISOString();
    const endpoint = {
      id: 'we_contract_ob',
      project_id: t.projectId,
      url: 'https://hooks.example.com/ob',
      description: null,
      events: '["*"]',
      enabled: 1,
      secret_enc: 'x',
      previous_secret_enc: null,
      previous_secret_until: null,
      created_at: ts,
      updated_at: ts,
      deleted_at: null,
    };
    await store().webhooks.insertEndpoint(endpoint);
    try {
      await store().accounts.insert(account(t.projectId, acId, { user_id: 'outbox-user', alias: 'ob-taken' }));
      const items = Array.from({ length: 12 }, (_, i) => {
        const a = account(t.projectId, acId, { status: 'INITIATED', user_id: 'outbox-user', alias: i === 4 ? 'ob-taken' : `ob${i}` });
        const l = {
          id: `ls_ob${String(i).padStart(4, '0')}`,
          project_id: t.projectId,
          connected_account_id: a.id,
          token_hash: `h-ob-${i}`,
          callback_url: null,
          expires_at: new Date(Date.now() + 60_000).toISOString(),
          browser_hash: null,
          csrf_token: null,
          oauth_state_hash: null,
          pkce_verifier_enc: null,
          oauth1_temporary_enc: null,
          opened_at: null,
          consumed_at: null,
          created_at: a.created_at,
        };
        // Every other link is announced (as if an endpoint subscribed), the rest are not.
        return { a, l, outbox: i % 2 === 0 ? accountEventRows([endpoint], a, 'connected_account.initiated', new Date()) : undefined };
      });
      const clean = items.filter((_, i) => i !== 4);
      const results = await Promise.allSettled(clean.map(({ a, l, outbox }) => recorded.links.insertWithAccount(a, l, outbox)));
      assert.deepEqual([...new Set(results.map((r) => r.status))], ['fulfilled']);
      assert.equal(
        recorder.ofKind('InsertQueryNode'),
        backend === 'postgres' ? 1 : 4,
        'PostgreSQL: one statement for accounts, links, events and deliveries; SQLite: one insert per table',
      );
      for (const { a, outbox } of clean) {
        assert.ok(await store().accounts.get(t.projectId, a.id));
        if (!outbox) continue;
        assert.equal((await store().webhooks.getEvent(outbox.event.id))?.type, 'composio.connected_account.initiated');
        assert.equal((await store().webhooks.getDelivery(t.projectId, endpoint.id, outbox.deliveries[0].id))?.status, 'pending');
      }
      // The refused one (taken alias), grouped with a good one: neither its account nor its event is written.
      const [bad, good] = [items[4], make('ob-late')];
      const outcome = await Promise.allSettled([bad, good].map(({ a, l, outbox }) => recorded.links.insertWithAccount(a, l, outbox)));
      assert.deepEqual(
        outcome.map((r) => r.status),
        ['rejected', 'fulfilled'],
      );
      assert.equal(await store().accounts.get(t.projectId, bad.a.id), undefined);
      assert.equal(await store().webhooks.getEvent(bad.outbox!.event.id), undefined);
      assert.ok(await store().webhooks.getEvent(good.outbox!.event.id));

      function make(tag: string) {
        const a = account(t.projectId, acId, { status: 'INITIATED', user_id: 'outbox-user', alias: tag });
        const l = { ...items[0].l, id: `ls_${tag.replace(/-/g, '')}`, connected_account_id: a.id, token_hash: `h-${tag}` };
        return { a, l, outbox: accountEventRows([endpoint], a, 'connected_account.initiated', new Date()) };
      }
    } finally {
      await store().webhooks.updateEndpoint(t.projectId, endpoint.id, { enabled: 0, deleted_at: new Date().toISOString() });
    }
  });

  test('transactions roll back as a whole', async () => {
    const a = account(t.projectId, acId, {});
    await assert.rejects(
      store().transaction(async (tx) => {
        await tx.accounts.insert(a);
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await store().accounts.get(t.projectId, a.id), undefined);
  });
});
