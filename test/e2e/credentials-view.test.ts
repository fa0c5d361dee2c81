// Issue #18: an account's masked view is stored beside its credential, so reads
// that only show the mask need not decrypt. It holds what the API shows and
// nothing more, is used only while it names the current ciphertext's IV,
// follows a key rotation, and goes with the credential.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { forEachBackend } from '../helpers/backends.ts';
import { api, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { apiKeyToolkit, writeToolkitsDir } from '../helpers/toolkits.ts';
import { createKeyRing, parseKeys } from '../../src/crypto/keyring.ts';
import { ivOf } from '../../src/crypto/fields.ts';
import { rotateAll } from '../../src/store/rotation.ts';

const SECRET = 'sk_live_view_test_000000000000001234';

forEachBackend('stored masked credential views', (backend) => {
  let t: TestApp;
  let authConfigId: string;
  before(async () => {
    t = await startTestApp(backend, { env: { AUTHLINK_TOOLKITS_DIR: writeToolkitsDir([apiKeyToolkit('https://echo.example.com')]) } });
    const ac = await api(t).post('/api/v3.1/auth_configs', { toolkit: { slug: 'echoapi' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' } });
    authConfigId = ac.body.auth_config.id;
  });
  after(() => t?.close());

  const create = async (user: string) => {
    const res = await api(t).post('/api/v3.1/connected_accounts', {
      auth_config: { id: authConfigId },
      connection: { user_id: user, state: { authScheme: 'API_KEY', val: { api_key: SECRET, workspace: 'acme' } } },
    });
    assert.equal(res.status, 201, res.text);
    return res.body.id as string;
  };
  const row = async (id: string) => (await t.runtime.store.accounts.get(t.projectId, id))!;
  const setView = (id: string, view: string | null) =>
    t.runtime.database.db.updateTable('connected_accounts').set({ credentials_view: view }).where('id', '=', id).execute();

  test("written with the credential: the API's mask and the IV it was made from, never the secret", async () => {
    const id = await create('viewer');
    const r = await row(id);
    assert.ok(r.credentials_view && r.credentials_enc);
    assert.deepEqual(JSON.parse(r.credentials_view), { iv: ivOf(r.credentials_enc), val: { api_key: '********1234' } });
    assert.ok(!r.credentials_view.includes(SECRET));
    const got = await api(t).get(`/api/v3.1/connected_accounts/${id}`);
    assert.equal(got.body.state.val.api_key, '********1234');
    assert.equal(got.body.state.val.workspace, 'acme');
  });

  test('reads show the stored view while it names the current ciphertext, and decrypt when it does not (or is missing)', async () => {
    const id = await create('reader');
    const r = await row(id);
    const marked = JSON.stringify({ iv: ivOf(r.credentials_enc!), val: { api_key: '********VIEW' } });
    await setView(id, marked);
    const viaView = await api(t).get(`/api/v3.1/connected_accounts/${id}`);
    assert.equal(viaView.body.state.val.api_key, '********VIEW', 'the view was read, not the ciphertext');
    const listed = await api(t).get('/api/v3.1/connected_accounts?user_ids=reader');
    assert.equal(listed.body.items[0].state.val.api_key, '********VIEW');

    await setView(id, JSON.stringify({ iv: 'some-other-iv', val: { api_key: '********STALE' } }));
    assert.equal((await api(t).get(`/api/v3.1/connected_accounts/${id}`)).body.state.val.api_key, '********1234', 'a stale view is ignored');
    await setView(id, null);
    assert.equal((await api(t).get(`/api/v3.1/connected_accounts/${id}`)).body.state.val.api_key, '********1234', 'no view: decrypted and masked');
  });

  test('a key rotation carries a current view over to the new ciphertext and drops a stale one', async () => {
    const kept = await create('rotated');
    const stale = await create('rotated-stale');
    await setView(stale, JSON.stringify({ iv: 'not-this-one', val: { api_key: '********OLD' } }));
    const before = await row(kept);
    const ring = createKeyRing(parseKeys(`next:${randomBytes(32).toString('base64')},${t.config.encryptionKeys}`));
    await rotateAll(t.runtime.database.db, ring);
    const after = await row(kept);
    assert.notEqual(after.credentials_enc, before.credentials_enc);
    assert.deepEqual(JSON.parse(after.credentials_view!), { iv: ivOf(after.credentials_enc!), val: { api_key: '********1234' } });
    assert.equal((await row(stale)).credentials_view, null);
  });

  test('goes with the credential: deleted accounts keep no view', async () => {
    const id = await create('deleted');
    assert.equal((await api(t).delete(`/api/v3.1/connected_accounts/${id}`)).status, 200);
    const raw = await t.runtime.database.db
      .selectFrom('connected_accounts')
      .select(['credentials_enc', 'credentials_view'])
      .where('id', '=', id)
      .executeTakeFirst();
    assert.deepEqual(raw, { credentials_enc: null, credentials_view: null });
  });
});
