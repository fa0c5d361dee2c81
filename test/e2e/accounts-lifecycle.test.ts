// Issue #5: reading and managing connected accounts, refresh (single flight,
// failure policy), revocation, deletion, and secrets at rest.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.ts';
import { api } from '../helpers/test-app.ts';
import { connectOAuth, expireToken, startOAuthWorld, type OAuthWorld } from '../helpers/link-flow.ts';
import { openCredentials } from '../../src/services/account-view.ts';
import { sweepOnce } from '../../src/services/sweeper.ts';
import { INVALID_GRANT_REASON } from '../../src/services/refresh.ts';

forEachBackend('connected accounts lifecycle', (backend) => {
  let w: OAuthWorld;
  before(async () => {
    w = await startOAuthWorld(backend, { op: { rotateRefreshTokens: true } });
  });
  after(() => w.close());
  const store = () => w.t.runtime.store;
  const creds = async (id: string) => openCredentials(w.t.runtime.keyRing, (await store().accounts.get(w.t.projectId, id))!);

  async function apiKeyAccount(userId: string, alias?: string) {
    const res = await api(w.t).post('/api/v3.1/connected_accounts', {
      auth_config: { id: w.apiKeyAuthConfigId },
      connection: { user_id: userId, alias, state: { authScheme: 'API_KEY', val: { api_key: 'sk_live_abcdefghijklmnop', workspace: 'acme' } } },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id as string;
  }

  test('legacy create with credentials -> ACTIVE at once; GET shows the full shape with secrets masked', async () => {
    const id = await apiKeyAccount('lc-user', 'main');
    const res = await api(w.t).get(`/api/v3.1/connected_accounts/${id}`);
    assert.equal(res.status, 200);
    const b = res.body;
    assert.equal(b.id, id);
    assert.equal(b.status, 'ACTIVE');
    assert.equal(b.alias, 'main');
    assert.equal(b.user_id, 'lc-user');
    assert.match(b.word_id, /^echoapi_[a-z]+-[a-z]+$/);
    assert.deepEqual(b.toolkit, { slug: 'echoapi' });
    assert.deepEqual(b.auth_config, { id: w.apiKeyAuthConfigId, auth_scheme: 'API_KEY', is_composio_managed: false, is_disabled: false });
    assert.deepEqual(b.state, { authScheme: 'API_KEY', val: { workspace: 'acme', status: 'ACTIVE', api_key: '********mnop' } });
    assert.deepEqual(b.experimental, { account_type: 'PRIVATE' });
    assert.equal(b.is_disabled, false);
    assert.ok(!res.text.includes('sk_live_abcdefghijklmnop'));
  });

  test('reveal needs the project setting, and every reveal is audited', async () => {
    const id = await apiKeyAccount('reveal-user');
    await store().projects.updateSettings(w.t.projectId, { allow_credential_reveal: true }, new Date().toISOString());
    try {
      const res = await api(w.t).get(`/api/v3.1/connected_accounts/${id}`, { 'x-request-id': 'reveal-req-1' });
      assert.equal(res.body.state.val.api_key, 'sk_live_abcdefghijklmnop');
      const audit = await store().audit.list(w.t.projectId);
      const [key] = await store().apiKeys.listByProject(w.t.projectId);
      assert.deepEqual(
        audit.filter((a) => a.target_id === id).map((a) => ({ action: a.action, api_key_id: a.api_key_id, request_id: a.request_id })),
        [{ action: 'connected_account.reveal', api_key_id: key.id, request_id: 'reveal-req-1' }],
      );
    } finally {
      await store().projects.updateSettings(w.t.projectId, {}, new Date().toISOString());
    }
  });

  test('list: filters, PRIVATE by default, cursor pages', async () => {
    const user = 'list-user';
    const ids = [await apiKeyAccount(user), await apiKeyAccount(user), await apiKeyAccount(user)];
    const shared = await api(w.t).post('/api/v3.1/connected_accounts/link', { auth_config_id: w.apiKeyAuthConfigId, user_id: user, account_type: 'SHARED' });
    assert.equal(shared.status, 201);
    const p1 = await api(w.t).get(`/api/v3.1/connected_accounts?user_ids=${user}&limit=2`);
    assert.equal(p1.status, 200);
    assert.equal(p1.body.total_items, 3, 'SHARED hidden by default');
    const p2 = await api(w.t).get(`/api/v3.1/connected_accounts?user_ids=${user}&limit=2&cursor=${p1.body.next_cursor}`);
    assert.deepEqual([...p1.body.items, ...p2.body.items].map((a: { id: string }) => a.id).sort(), [...ids].sort());
    assert.equal(p2.body.next_cursor, null);
    const all = await api(w.t).get(`/api/v3.1/connected_accounts?user_ids=${user}&account_type=ALL`);
    assert.equal(all.body.total_items, 4);
    const onlyShared = await api(w.t).get(`/api/v3.1/connected_accounts?user_ids=${user}&account_type=SHARED&statuses=INITIATED`);
    assert.deepEqual(
      onlyShared.body.items.map((a: { id: string }) => a.id),
      [shared.body.connected_account_id],
    );
    const byId = await api(w.t).get(`/api/v3.1/connected_accounts?connected_account_ids=${ids[0]}&connected_account_ids=${ids[1]}&order_direction=asc`);
    assert.deepEqual(
      byId.body.items.map((a: { id: string }) => a.id),
      [ids[0], ids[1]],
    );
    const bad = await api(w.t).get('/api/v3.1/connected_accounts?statuses=HAPPY');
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error.errors, ['statuses.0: must be one of INITIALIZING, INITIATED, ACTIVE, FAILED, EXPIRED, INACTIVE, REVOKED']);
  });

  test('PATCH alias (409 when taken), credentials, status', async () => {
    const a = await apiKeyAccount('patch-user', 'one');
    const b = await apiKeyAccount('patch-user', 'two');
    const taken = await api(w.t).patch(`/api/v3.1/connected_accounts/${b}`, { alias: 'one' });
    assert.equal(taken.status, 409);
    assert.equal(taken.body.error.slug, 'ConnectedAccount_AliasTaken');
    assert.equal((await store().accounts.get(w.t.projectId, b))?.alias, 'two', 'unchanged');
    const renamed = await api(w.t).patch(`/api/v3.1/connected_accounts/${a}`, {
      alias: 'primary',
      connection: { state: { authScheme: 'API_KEY', val: { api_key: 'sk_new_key_000000001' } } },
    });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.alias, 'primary');
    assert.equal((await creds(a)).api_key, 'sk_new_key_000000001');
    const wrong = await api(w.t).patch(`/api/v3.1/connected_accounts/${a}`, { connection: { state: { authScheme: 'API_KEY', val: { password: 'x' } } } });
    assert.equal(wrong.status, 400);
    assert.match(wrong.body.error.errors[0], /^connection\.state\.val\.password: not a field of this scheme \(allowed: api_key, workspace\)/);
    assert.deepEqual((await api(w.t).patch(`/api/v3.1/connected_accounts/${a}/status`, { enabled: false })).body, { success: true });
    assert.equal((await api(w.t).get(`/api/v3.1/connected_accounts/${a}`)).body.is_disabled, true);
    await assert.rejects(w.t.app.services.credentials.get(w.t.projectId, a), /is disabled/);
    await api(w.t).patch(`/api/v3.1/connected_accounts/${a}/status`, { enabled: true });
    assert.equal((await w.t.app.services.credentials.get(w.t.projectId, a)).credentials.api_key, 'sk_new_key_000000001');
  });

  test('OAuth accounts: explicit refresh rotates the refresh token in the same write', async () => {
    const id = await connectOAuth(w, 'refresh-user');
    const before = await creds(id);
    const hits = w.op.counts.tokenByGrant.refresh_token ?? 0;
    // No body at all: the body is optional, as in Composio's API.
    const res = await api(w.t).post(`/api/v3.1/connected_accounts/${id}/refresh`);
    assert.deepEqual(res.body, { id, status: 'ACTIVE', redirect_url: null });
    assert.equal((w.op.counts.tokenByGrant.refresh_token ?? 0) - hits, 1);
    const bad = await api(w.t).post(`/api/v3.1/connected_accounts/${id}/refresh`, { validate_credentials: 'yes' });
    assert.equal(bad.status, 400, 'a body that is sent is still validated');
    assert.match(bad.text, /validate_credentials/);
    assert.equal((w.op.counts.tokenByGrant.refresh_token ?? 0) - hits, 1);
    const after = await creds(id);
    assert.notEqual(after.access_token, before.access_token);
    assert.notEqual(after.refresh_token, before.refresh_token, 'rotated');
  });

  test('single flight in one process: 20 concurrent uses of an expired token -> one refresh', async () => {
    const id = await connectOAuth(w, 'flight-user');
    await expireToken(w, id);
    const hits = w.op.counts.tokenByGrant.refresh_token ?? 0;
    const results = await Promise.all(Array.from({ length: 20 }, () => w.t.app.services.credentials.get(w.t.projectId, id)));
    assert.equal((w.op.counts.tokenByGrant.refresh_token ?? 0) - hits, 1);
    assert.equal(new Set(results.map((r) => r.credentials.access_token)).size, 1);
  });

  test('failure policy: transient -> stays ACTIVE with backoff; invalid_grant -> EXPIRED with a reason', async () => {
    const id = await connectOAuth(w, 'policy-user');
    await expireToken(w, id);
    w.op.failNextToken(503, { error: 'temporarily_unavailable' });
    const r1 = await api(w.t).post(`/api/v3.1/connected_accounts/${id}/refresh`, {});
    assert.equal(r1.status, 502);
    assert.equal(r1.body.error.slug, 'ConnectedAccount_ProviderError');
    let row = await store().accounts.get(w.t.projectId, id);
    assert.equal(row?.status, 'ACTIVE');
    assert.equal(row?.refresh_failures, 1);
    assert.ok(row?.next_refresh_at && Date.parse(row.next_refresh_at) > Date.now());
    w.op.failNextToken(400, { error: 'invalid_grant', error_description: 'grant revoked' });
    const r2 = await api(w.t).post(`/api/v3.1/connected_accounts/${id}/refresh`, {});
    assert.equal(r2.status, 409);
    row = await store().accounts.get(w.t.projectId, id);
    assert.equal(row?.status, 'EXPIRED');
    assert.equal(row?.status_reason, INVALID_GRANT_REASON);
  });

  test('sweeper refreshes tokens close to expiry and expires abandoned links', async () => {
    const id = await connectOAuth(w, 'sweep-user');
    await expireToken(w, id);
    const abandoned = await api(w.t).post('/api/v3.1/connected_accounts/link', { auth_config_id: w.authConfigId, user_id: 'nobody' });
    await w.t.runtime.database.db
      .updateTable('link_sessions')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('connected_account_id', '=', abandoned.body.connected_account_id)
      .execute();
    const result = await sweepOnce(w.t.app.services);
    assert.ok(result.refreshed.includes(id));
    assert.ok(result.expired.includes(abandoned.body.connected_account_id));
    const row = await store().accounts.get(w.t.projectId, abandoned.body.connected_account_id);
    assert.equal(row?.status, 'EXPIRED');
    assert.equal(row?.status_reason, 'The link expired before the user connected');
    assert.ok(Date.parse((await store().accounts.get(w.t.projectId, id))!.token_expires_at!) > Date.now());
  });

  test('revoke: RFC 7009 at the provider -> REVOKED; again -> the same, nothing sent; not yet ACTIVE -> 409; no revocation endpoint -> 400', async () => {
    const id = await connectOAuth(w, 'revoke-user');
    const hits = w.op.counts.revocation;
    const res = await api(w.t).post(`/api/v3.1/connected_accounts/${id}/revoke`, {});
    assert.deepEqual(res.body, { id, status: 'REVOKED', revoked_tokens: ['refresh_token'], connected_account: { id, status: 'REVOKED' } });
    assert.equal(w.op.counts.revocation - hits, 1);
    assert.equal((await store().accounts.get(w.t.projectId, id))?.credentials_enc, null, 'credentials dropped');
    const hitsAfter = w.op.counts.revocation;
    const again = await api(w.t).post(`/api/v3.1/connected_accounts/${id}/revoke`, {});
    assert.deepEqual(again.body, { id, status: 'REVOKED', revoked_tokens: [], connected_account: { id, status: 'REVOKED' } }, 'idempotent, as Composio');
    assert.equal(w.op.counts.revocation, hitsAfter, 'no second call to the provider');
    const initiated = await api(w.t).post('/api/v3.1/connected_accounts/link', { auth_config_id: w.authConfigId, user_id: 'revoke-user' });
    const notYet = await api(w.t).post(`/api/v3.1/connected_accounts/${initiated.body.connected_account_id}/revoke`, {});
    assert.equal(notYet.status, 409);
    assert.equal(notYet.body.error.message, `Connected account ${initiated.body.connected_account_id} is INITIATED, not ACTIVE`);
    const keyAccount = await apiKeyAccount('revoke-user');
    const none = await api(w.t).post(`/api/v3.1/connected_accounts/${keyAccount}/revoke`, {});
    assert.equal(none.status, 400);
    assert.equal(none.body.error.slug, 'ConnectedAccount_RevocationNotSupported');
  });

  test('delete: soft, credentials dropped, 404 afterwards; revoke_on_delete tells the provider', async () => {
    const id = await connectOAuth(w, 'delete-user');
    const hits = w.op.counts.revocation;
    assert.deepEqual((await api(w.t).delete(`/api/v3.1/connected_accounts/${id}?revoke_on_delete=true`)).body, { success: true });
    assert.equal(w.op.counts.revocation - hits, 1);
    assert.equal((await api(w.t).get(`/api/v3.1/connected_accounts/${id}`)).status, 404);
    const raw = await w.t.runtime.database.db.selectFrom('connected_accounts').selectAll().where('id', '=', id).executeTakeFirst();
    assert.ok(raw?.deleted_at);
    assert.equal(raw?.credentials_enc, null);
    assert.equal((await api(w.t).delete(`/api/v3.1/connected_accounts/${id}`)).status, 404);
  });

  test('isolation: project B gets 404 on every account route and changes nothing', async () => {
    const id = await apiKeyAccount('iso-user', 'iso');
    const b = await w.t.otherProject();
    const calls = [
      api(w.t, b.apiKey).get(`/api/v3.1/connected_accounts/${id}`),
      api(w.t, b.apiKey).patch(`/api/v3.1/connected_accounts/${id}`, { alias: 'pwned' }),
      api(w.t, b.apiKey).patch(`/api/v3.1/connected_accounts/${id}/status`, { enabled: false }),
      api(w.t, b.apiKey).post(`/api/v3.1/connected_accounts/${id}/refresh`, {}),
      api(w.t, b.apiKey).post(`/api/v3.1/connected_accounts/${id}/revoke`, {}),
      api(w.t, b.apiKey).delete(`/api/v3.1/connected_accounts/${id}`),
    ];
    for (const res of await Promise.all(calls)) {
      assert.equal(res.status, 404);
      assert.equal(res.body.error.slug, 'ConnectedAccount_NotFound');
    }
    assert.equal((await api(w.t, b.apiKey).get('/api/v3.1/connected_accounts?account_type=ALL')).body.total_items, 0);
    const row = await store().accounts.get(w.t.projectId, id);
    assert.equal(row?.alias, 'iso');
    assert.equal(row?.is_disabled, 0);
  });

  test('deleting an auth config with live accounts (issue #3): the accounts stay readable but become unusable', async () => {
    const ac = await api(w.t).post('/api/v3.1/auth_configs', { toolkit: { slug: 'echoapi' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' } });
    const acId = ac.body.auth_config.id;
    const res = await api(w.t).post('/api/v3.1/connected_accounts', {
      auth_config: { id: acId },
      connection: { user_id: 'orphan', state: { authScheme: 'API_KEY', val: { api_key: 'k_orphan_0001' } } },
    });
    const id = res.body.id;
    assert.equal((await w.t.app.services.credentials.get(w.t.projectId, id)).credentials.api_key, 'k_orphan_0001');
    assert.equal((await api(w.t).delete(`/api/v3.1/auth_configs/${acId}`)).status, 200);
    const got = await api(w.t).get(`/api/v3.1/connected_accounts/${id}`);
    assert.equal(got.status, 200);
    assert.equal(got.body.auth_config.is_disabled, true);
    await assert.rejects(w.t.app.services.credentials.get(w.t.projectId, id), /auth config of connected account .* is disabled or deleted/);
    const link = await api(w.t).post('/api/v3.1/connected_accounts/link', { auth_config_id: acId, user_id: 'orphan' });
    assert.equal(link.status, 404);
  });

  test('no credential is stored in clear anywhere in the database', async () => {
    const id = await connectOAuth(w, 'scan-user');
    const c = await creds(id);
    const secrets = [c.access_token, c.refresh_token, 'sk_live_abcdefghijklmnop', w.op.clientSecret].map(String);
    const tables = ['connected_accounts', 'auth_configs', 'link_sessions', 'api_keys', 'projects', 'audit_log'] as const;
    let dump = '';
    for (const table of tables) dump += JSON.stringify(await w.t.runtime.database.db.selectFrom(table).selectAll().execute());
    assert.ok(dump.length > 1000);
    for (const s of secrets) assert.ok(!dump.includes(s), `a secret is in clear in the database`);
    assert.ok(!dump.includes(w.t.apiKey));
  });
});
