// Issue #4: POST /api/v3.1/connected_accounts/link, its response and every error.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.ts';
import { api, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { hashSecret } from '../../src/crypto/tokens.ts';

forEachBackend('link endpoint', (backend) => {
  let t: TestApp;
  let github: string;
  let zendesk: string;
  let stripe: string;
  before(async () => {
    t = await startTestApp(backend, { env: { AUTHLINK_PUBLIC_URL: 'https://auth.example.com' } });
    const mk = async (slug: string, scheme: string, credentials: Record<string, string> = {}) =>
      (await api(t).post('/api/v3.1/auth_configs', { toolkit: { slug }, auth_config: { type: 'use_custom_auth', authScheme: scheme, credentials } })).body
        .auth_config.id as string;
    github = await mk('github', 'OAUTH2', { client_id: 'id', client_secret: 'secret' });
    zendesk = await mk('zendesk', 'OAUTH2', { client_id: 'id', client_secret: 'secret' });
    stripe = await mk('stripe', 'API_KEY');
  });
  after(() => t.close());
  const link = (body: Record<string, unknown>, key?: string) => api(t, key).post('/api/v3.1/connected_accounts/link', body);

  test('201: the wire shape, an INITIATED account and a hashed link token', async () => {
    const before = Date.now();
    const res = await link({ auth_config_id: github, user_id: 'user-1', callback_url: 'https://app.example.com/cb' });
    assert.equal(res.status, 201);
    const b = res.body;
    assert.deepEqual(Object.keys(b).sort(), ['account_type', 'connected_account_id', 'experimental', 'expires_at', 'link_token', 'redirect_url']);
    assert.match(b.link_token, /^lt_[A-Za-z0-9_-]{32}$/);
    assert.equal(b.redirect_url, `https://auth.example.com/link/${b.link_token}`);
    assert.match(b.connected_account_id, /^ca_[a-z0-9]{12}$/);
    assert.equal(b.account_type, 'PRIVATE');
    assert.deepEqual(b.experimental, { account_type: 'PRIVATE' });
    const ttl = Date.parse(b.expires_at) - before;
    assert.ok(ttl > 590_000 && ttl <= 601_000, `default lifetime is 10 minutes (${ttl})`);
    const row = await t.runtime.store.accounts.get(t.projectId, b.connected_account_id);
    assert.equal(row?.status, 'INITIATED');
    assert.equal(row?.user_id, 'user-1');
    const ls = await t.runtime.store.links.byTokenHash(hashSecret(b.link_token));
    assert.equal(ls?.connected_account_id, b.connected_account_id);
    const raw = JSON.stringify(await t.runtime.database.db.selectFrom('link_sessions').selectAll().execute());
    assert.ok(!raw.includes(b.link_token), 'token stored only as a hash');
  });

  test('SHARED via either spelling, with an ACL only on SHARED', async () => {
    const top = await link({ auth_config_id: github, user_id: 'u', account_type: 'SHARED' });
    assert.equal(top.body.account_type, 'SHARED');
    const exp = await link({
      auth_config_id: github,
      user_id: 'u',
      experimental: { account_type: 'SHARED', acl_config_for_shared: { allowed_user_ids: ['bob'] } },
    });
    assert.equal(exp.status, 201);
    assert.deepEqual(exp.body.experimental, { account_type: 'SHARED' });
    const row = await t.runtime.store.accounts.get(t.projectId, exp.body.connected_account_id);
    assert.deepEqual(JSON.parse(row!.acl!), { allow_all_users: false, allowed_user_ids: ['bob'], not_allowed_user_ids: [] });
    const aclOnPrivate = await link({ auth_config_id: github, user_id: 'u', experimental: { acl_config_for_shared: { allow_all_users: true } } });
    assert.equal(aclOnPrivate.status, 400);
    assert.deepEqual(aclOnPrivate.body.error.errors, ['experimental.acl_config_for_shared: requires account_type SHARED']);
    const disagree = await link({ auth_config_id: github, user_id: 'u', account_type: 'PRIVATE', experimental: { account_type: 'SHARED' } });
    assert.equal(disagree.status, 400);
  });

  test('unknown or foreign auth config -> 404 code 607', async () => {
    const res = await link({ auth_config_id: 'ac_doesnotexist', user_id: 'u' });
    assert.equal(res.status, 404);
    assert.deepEqual(
      { ...res.body.error, request_id: 'x' },
      {
        message: 'Auth config ac_doesnotexist not found',
        code: 607,
        slug: 'AuthConfig_NotFound',
        status: 404,
        request_id: 'x',
        suggested_fix: 'List auth configs with GET /api/v3.1/auth_configs',
      },
    );
    const other = await t.otherProject();
    const foreign = await link({ auth_config_id: github, user_id: 'u' }, other.apiKey);
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body.error.code, 607);
  });

  test('disabled auth config -> 422', async () => {
    const id = (await api(t).post('/api/v3.1/auth_configs', { toolkit: { slug: 'stripe' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' } }))
      .body.auth_config.id;
    await api(t).patch(`/api/v3.1/auth_configs/${id}/DISABLED`);
    const res = await link({ auth_config_id: id, user_id: 'u' });
    assert.equal(res.status, 422);
    assert.equal(res.body.error.slug, 'AuthConfig_Disabled');
    assert.equal(res.body.error.suggested_fix, `Enable it with PATCH /api/v3.1/auth_configs/${id}/ENABLED`);
  });

  test('empty or blank user_id -> 400', async () => {
    for (const user_id of ['', '   ']) {
      const res = await link({ auth_config_id: github, user_id });
      assert.equal(res.status, 400);
      assert.equal(res.body.error.slug, 'Request_ValidationFailed');
    }
  });

  test('alias taken by a live account of the same user and toolkit -> 409; others are free', async () => {
    assert.equal((await link({ auth_config_id: github, user_id: 'alias-u', alias: 'work' })).status, 201);
    const dup = await link({ auth_config_id: github, user_id: 'alias-u', alias: 'work' });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.slug, 'ConnectedAccount_AliasTaken');
    assert.equal(dup.body.error.message, 'Alias "work" is already used by another connected account of this user for this toolkit');
    assert.equal((await link({ auth_config_id: github, user_id: 'other-u', alias: 'work' })).status, 201);
    assert.equal((await link({ auth_config_id: stripe, user_id: 'alias-u', alias: 'work' })).status, 201);
  });

  test('concurrent links with the same alias: exactly one 201, the rest 409', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => link({ auth_config_id: github, user_id: 'race-u', alias: 'same' })));
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 409, 409, 409, 409, 409, 409, 409]);
  });

  test('callback_url: absolute http(s) only, no credentials, allowlist when the project has one', async () => {
    for (const bad of ['/relative', 'javascript:alert(1)', 'data:text/html,x', '//evil.example/x', 'ftp://x.example/', 'https://user:pw@app.example.com/']) {
      const res = await link({ auth_config_id: github, user_id: 'u', callback_url: bad });
      assert.equal(res.status, 400, bad);
      assert.equal(res.body.error.slug, 'ConnectedAccount_CallbackUrlInvalid', bad);
    }
    const set = await api(t).patch('/api/v3.1/project/settings', { callback_url_allowlist: ['https://app.example.com/cb'] });
    assert.deepEqual(set.body.callback_url_allowlist, ['https://app.example.com/cb']);
    try {
      assert.equal((await link({ auth_config_id: github, user_id: 'u', callback_url: 'https://app.example.com/cb' })).status, 201);
      const off = await link({ auth_config_id: github, user_id: 'u', callback_url: 'https://app.example.com/cb?x=1' });
      assert.equal(off.status, 400);
      assert.equal(off.body.error.message, "callback_url is not on this project's callback URL allowlist");
    } finally {
      await api(t).patch('/api/v3.1/project/settings', { callback_url_allowlist: [] });
    }
    const badList = await api(t).patch('/api/v3.1/project/settings', { callback_url_allowlist: ['javascript:x'] });
    assert.equal(badList.status, 400);
  });

  test('connection_data: unknown keys -> 400 listing the allowed ones; missing required for OAuth -> 422', async () => {
    const unknown = await link({ auth_config_id: github, user_id: 'u', connection_data: { shop: 'x' } });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.slug, 'ConnectedAccount_ConnectionDataInvalid');
    assert.match(unknown.body.error.errors[0], /^connection_data\.shop: not a field of github OAUTH2 \(allowed: none\)/);
    const missing = await link({ auth_config_id: zendesk, user_id: 'u' });
    assert.equal(missing.status, 422);
    assert.deepEqual(missing.body.error.errors, ['connection_data.subdomain: is required']);
    const ok = await link({ auth_config_id: zendesk, user_id: 'u', connection_data: { subdomain: 'acme' } });
    assert.equal(ok.status, 201);
    const secret = await link({ auth_config_id: stripe, user_id: 'u', connection_data: { api_key: 'sk_x' } });
    assert.equal(secret.status, 400);
    assert.match(secret.body.error.errors[0], /secret fields are entered by the end user/);
  });

  test('per-project link lifetime, capped at 24 h', async () => {
    await api(t).patch('/api/v3.1/project/settings', { link_ttl_seconds: 120 });
    try {
      const res = await link({ auth_config_id: github, user_id: 'ttl' });
      const ttl = Date.parse(res.body.expires_at) - Date.now();
      assert.ok(ttl > 100_000 && ttl <= 121_000, String(ttl));
      const tooLong = await api(t).patch('/api/v3.1/project/settings', { link_ttl_seconds: 90_000 });
      assert.equal(tooLong.status, 400);
      assert.deepEqual(tooLong.body.error.errors, ['link_ttl_seconds: must be an integer between 30 and 86400']);
    } finally {
      await t.runtime.store.projects.updateSettings(t.projectId, {}, new Date().toISOString());
    }
  });

  test('a rejected request writes nothing', async () => {
    const count = async () =>
      (
        await t.runtime.database.db
          .selectFrom('connected_accounts')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n;
    const before = await count();
    await link({ auth_config_id: github, user_id: 'u', callback_url: 'javascript:x' });
    await link({ auth_config_id: zendesk, user_id: 'u' });
    await link({ auth_config_id: github, user_id: 'u', connection_data: { nope: '1' } });
    assert.equal(await count(), before);
  });
});
