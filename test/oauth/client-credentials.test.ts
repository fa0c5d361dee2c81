// Issue #17: OAuth2 client credentials (RFC 6749 4.4; Composio's S2S_OAUTH2) against a real
// authorization server (oidc-provider): an account is created through the API
// with the app's credentials and is ACTIVE at once, its token goes on proxied
// calls, it is fetched again when it expires, after a 401 and on request; a
// link or a reconnect (a person's sign-in) is refused, and a refused grant
// stores nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.ts';
import { startRecordingUpstream, type RecordingUpstream } from '../helpers/recording-upstream.ts';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.ts';
import { api, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { oidcToolkit, writeToolkitsDir } from '../helpers/toolkits.ts';
import { openCredentials } from '../../src/services/account-view.ts';

forEachBackend('OAuth2 client credentials', (backend) => {
  let op: TestOidcProvider;
  let up: RecordingUpstream;
  let t: TestApp;
  let authConfigId: string;

  before(async () => {
    [op, up] = await Promise.all([startOidcProvider(), startRecordingUpstream()]);
    const base = oidcToolkit(op, {});
    const { authorization_url: _auth, authorize_params: _params, ...oauth2 } = base.auth_schemes[0].oauth2!;
    const cc = {
      ...base,
      slug: 'localcc',
      name: 'Local client credentials',
      base_url: up.origin,
      auth_schemes: [
        {
          ...base.auth_schemes[0],
          mode: 'S2S_OAUTH2' as const,
          name: 'Client credentials',
          oauth2: { ...oauth2, pkce: false, default_scopes: ['repo'] },
        },
      ],
    };
    t = await startTestApp(backend, {
      listen: true,
      env: { AUTHLINK_TOOLKITS_DIR: writeToolkitsDir([cc]), AUTHLINK_ALLOW_INSECURE_OAUTH: '1', AUTHLINK_PROXY_ALLOW_PRIVATE: '127.0.0.1' },
    });
    const ac = await api(t).post('/api/v3.1/auth_configs', {
      toolkit: { slug: 'localcc' },
      auth_config: { type: 'use_custom_auth', authScheme: 'S2S_OAUTH2', credentials: { client_id: op.clientId, client_secret: op.clientSecret } },
    });
    assert.equal(ac.status, 201, ac.text);
    authConfigId = ac.body.auth_config.id;
  });
  after(async () => {
    await t?.close();
    await Promise.all([op?.close(), up?.close()]);
  });

  const grants = () => op.counts.tokenByGrant.client_credentials ?? 0;
  const create = (id = authConfigId, user = 'svc') => api(t).post('/api/v3.1/connected_accounts', { auth_config: { id }, connection: { user_id: user } });
  const proxy = (accountId: string) => api(t).post('/api/v3.1/tools/execute/proxy', { connected_account_id: accountId, endpoint: '/me', method: 'GET' });
  const tokenOf = async (accountId: string) => {
    const row = await t.runtime.store.accounts.get(t.projectId, accountId);
    return openCredentials(t.runtime.keyRing, row!).access_token as string;
  };

  test('created through the API: ACTIVE at once with a token from the app credentials, shown masked; the proxy sends it', async () => {
    const before = grants();
    const res = await create();
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.status, 'ACTIVE');
    assert.equal(res.body.redirect_url, null);
    assert.equal(grants(), before + 1, 'one client_credentials grant');
    const got = await api(t).get(`/api/v3.1/connected_accounts/${res.body.id}`);
    assert.equal(got.body.status, 'ACTIVE');
    // Composio's name for the client credentials grant (@composio/client's S2S_OAUTH2 state).
    assert.equal(got.body.state.authScheme, 'S2S_OAUTH2');
    assert.equal(got.body.auth_config.auth_scheme, 'S2S_OAUTH2');
    assert.deepEqual(got.body.state.val.scope, ['repo']);
    const token = await tokenOf(res.body.id);
    assert.ok(token.length >= 16);
    assert.match(got.body.state.val.access_token, /^\*{8}/);
    assert.ok(!JSON.stringify(got.body).includes(token), 'the token is never shown');
    assert.equal(got.body.state.val.refresh_token, undefined);
    const call = await proxy(res.body.id);
    assert.equal(call.status, 200, call.text);
    assert.equal(up.seen.at(-1), `Bearer ${token}`);
  });

  test('an expired token, a 401 and POST /refresh each get a new token from the app credentials', async () => {
    const { body } = await create(authConfigId, 'svc-renew');
    const first = await tokenOf(body.id);
    await t.runtime.database.db
      .updateTable('connected_accounts')
      .set({ token_expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', body.id)
      .execute();
    let before = grants();
    assert.equal((await proxy(body.id)).status, 200);
    assert.equal(grants(), before + 1, 'renewed before the call');
    const second = await tokenOf(body.id);
    assert.notEqual(second, first);
    assert.equal(up.seen.at(-1), `Bearer ${second}`);

    before = grants();
    up.failNext(401);
    assert.equal((await proxy(body.id)).status, 200);
    assert.equal(grants(), before + 1, 'renewed after the 401, then retried');
    const third = await tokenOf(body.id);
    assert.equal(up.seen.at(-1), `Bearer ${third}`);
    assert.notEqual(third, second);

    before = grants();
    const refreshed = await api(t).post(`/api/v3.1/connected_accounts/${body.id}/refresh`);
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.equal(grants(), before + 1);
    assert.notEqual(await tokenOf(body.id), third);
  });

  test('no link and no reconnect: nobody signs in, and the error says how to create or refresh instead', async () => {
    const accounts = async () => (await t.runtime.database.db.selectFrom('connected_accounts').select('id').execute()).length;
    const n = await accounts();
    const link = await api(t).post('/api/v3.1/connected_accounts/link', { auth_config_id: authConfigId, user_id: 'person' });
    assert.equal(link.status, 400, link.text);
    assert.match(link.body.error.message, /client credentials/);
    assert.match(link.body.error.suggested_fix, /POST \/api\/v3\.1\/connected_accounts/);
    assert.equal(await accounts(), n, 'nothing stored');
    const { body } = await create(authConfigId, 'svc-reconnect');
    const again = await api(t).post(`/api/v3.1/connected_accounts/${body.id}/refresh`, { redirect_url: 'https://app.example.com/back' });
    assert.equal(again.status, 400, again.text);
    assert.match(again.body.error.message, /no reconnect page/);
  });

  test('a grant the provider refuses (wrong secret) is a 502 naming the auth config, and stores nothing', async () => {
    const bad = await api(t).post('/api/v3.1/auth_configs', {
      toolkit: { slug: 'localcc' },
      auth_config: { type: 'use_custom_auth', authScheme: 'S2S_OAUTH2', credentials: { client_id: op.clientId, client_secret: 'wrong-secret-0123456789' } },
    });
    const badId = bad.body.auth_config.id;
    const res = await create(badId, 'svc-bad');
    assert.equal(res.status, 502, res.text);
    assert.equal(res.body.error.slug, 'ConnectedAccount_ProviderError');
    assert.match(res.body.error.suggested_fix, new RegExp(badId));
    assert.ok(!res.text.includes('wrong-secret-0123456789'));
    const stored = await t.runtime.database.db.selectFrom('connected_accounts').select('id').where('auth_config_id', '=', badId).execute();
    assert.deepEqual(stored, []);
  });
});
