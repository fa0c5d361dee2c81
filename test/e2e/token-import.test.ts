// Issue #15: importing OAuth2 tokens issued elsewhere (moving from Composio or
// another system). The legacy POST /connected_accounts with the token set in
// connection.state.val (@composio/core's AuthScheme.OAuth2({access_token, ...}))
// makes an ACTIVE account at once: validated, encrypted, scopes and expiry
// recorded so the proxy, refresh and the sweeper work, announced by webhook,
// with the sharing rules of links. The tokens come from a code flow run
// directly against the in-process provider, as another system would have.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { AuthScheme, Composio } from '@composio/core';
import ComposioClient from '@composio/client';
import { forEachBackend } from '../helpers/backends.ts';
import { api } from '../helpers/test-app.ts';
import { createCookieClient, driveOidcInteraction } from '../helpers/cookie-fetch.ts';
import { startOAuthWorld, type OAuthWorld } from '../helpers/link-flow.ts';
import { openCredentials } from '../../src/services/account-view.ts';
import { sweepOnce } from '../../src/services/sweeper.ts';
import { dumpDatabase, dumpDiff } from '../security/support.ts';

interface ProviderTokens {
  access_token: string;
  refresh_token: string;
  id_token: string;
  expires_in: number;
  scope: string;
  token_type: string;
}

forEachBackend('OAuth2 token import', (backend) => {
  let w: OAuthWorld;
  let core: Composio;
  let client: ComposioClient;
  before(async () => {
    w = await startOAuthWorld(backend, {
      op: { rotateRefreshTokens: true },
      // The localoidc toolkit's base URL is the provider itself: the proxy calls its userinfo endpoint (/me) with the imported token.
      env: { AUTHLINK_PROXY_ALLOW_PRIVATE: '127.0.0.1', LOG_LEVEL: 'warn' },
    });
    core = new Composio({ apiKey: w.t.apiKey, baseURL: w.t.config.publicUrl, allowTracking: false, disableVersionCheck: true });
    client = new ComposioClient({ apiKey: w.t.apiKey, baseURL: w.t.config.publicUrl });
    const hook = await api(w.t).post('/api/v3.1/webhook_subscriptions', { webhook_url: 'https://hooks.example.com/import', enabled_events: ['*'] });
    assert.equal(hook.status, 201, JSON.stringify(hook.body));
  });
  after(() => w.close());

  const row = async (id: string) => (await w.t.runtime.store.accounts.get(w.t.projectId, id))!;
  const creds = async (id: string) => openCredentials(w.t.runtime.keyRing, await row(id));
  const eventTypes = async (id: string) =>
    (await w.t.runtime.database.db.selectFrom('webhook_events').select(['type', 'payload']).execute())
      .filter((r) => JSON.parse(r.payload).data.id === id)
      .map((r) => r.type.replace(/^composio\./, ''))
      .sort();
  const proxyMe = (id: string) => api(w.t).post('/api/v3.1/tools/execute/proxy', { endpoint: '/me', method: 'GET', connected_account_id: id });

  /** A token set for `login`, from an authorization code flow run against the provider without authlink. */
  async function tokensFromProvider(login: string): Promise<ProviderTokens> {
    const redirectUri = w.op.redirectUris[0];
    const authorize = new URL(w.op.authorizationUrl);
    authorize.search = new URLSearchParams({
      client_id: w.op.clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'openid offline_access repo',
      state: randomBytes(8).toString('hex'),
      prompt: 'consent',
    }).toString();
    const back = new URL(await driveOidcInteraction(createCookieClient(), authorize.href, { login, consent: 'accept' }));
    const res = await fetch(w.op.tokenUrl, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${w.op.clientId}:${w.op.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: redirectUri }),
    });
    assert.equal(res.status, 200);
    return (await res.json()) as ProviderTokens;
  }

  test('@composio/core initiate with AuthScheme.OAuth2 tokens: ACTIVE at once, encrypted, usable through the proxy, refreshable, announced', async () => {
    const t = await tokensFromProvider('erin');
    const started = Date.now();
    const req = await core.connectedAccounts.initiate('imp-core', w.authConfigId, {
      config: AuthScheme.OAuth2({
        access_token: t.access_token,
        refresh_token: t.refresh_token,
        id_token: t.id_token,
        expires_in: t.expires_in,
        scope: t.scope,
        token_type: t.token_type,
      }),
    });
    assert.equal(req.status, 'ACTIVE');
    const id = req.id;

    const got = await api(w.t).get(`/api/v3.1/connected_accounts/${id}`);
    assert.equal(got.body.status, 'ACTIVE');
    assert.equal(got.body.user_id, 'imp-core');
    assert.deepEqual(got.body.experimental, { account_type: 'PRIVATE' });
    assert.deepEqual(got.body.state.val.scope, ['openid', 'offline_access', 'repo']);
    assert.ok(!got.text.includes(t.access_token) && !got.text.includes(t.refresh_token), 'secrets masked');
    const r = await row(id);
    assert.ok(r.credentials_enc?.startsWith('v1:'));
    assert.deepEqual(JSON.parse(r.granted_scopes!), ['openid', 'offline_access', 'repo']);
    const expiresIn = Date.parse(r.token_expires_at!) - started;
    assert.ok(expiresIn > (t.expires_in - 5) * 1000 && expiresIn <= t.expires_in * 1000 + 5000, `token_expires_at from expires_in (${expiresIn} ms)`);
    assert.equal(r.provider_subject, 'erin', "the id_token's sub is recorded (a later reconnect is compared with it)");
    const stored = await creds(id);
    assert.equal(stored.access_token, t.access_token);
    assert.equal(stored.refresh_token, t.refresh_token);
    assert.equal(stored.token_type, 'bearer');
    assert.equal((stored.id_token_claims as { sub: string }).sub, 'erin');
    const dump = JSON.stringify(await dumpDatabase(w.t));
    assert.ok(!dump.includes(t.access_token) && !dump.includes(t.refresh_token), 'no token in clear in the database');

    const me = await proxyMe(id);
    assert.equal(me.status, 200, JSON.stringify(me.body));
    assert.equal(me.body.status, 200);
    assert.equal(me.body.data.sub, 'erin', "the provider saw erin's imported token");

    const hits = w.op.counts.tokenByGrant.refresh_token ?? 0;
    assert.deepEqual((await api(w.t).post(`/api/v3.1/connected_accounts/${id}/refresh`)).body, { id, status: 'ACTIVE', redirect_url: null });
    assert.equal((w.op.counts.tokenByGrant.refresh_token ?? 0) - hits, 1);
    assert.notEqual((await creds(id)).access_token, t.access_token);
    assert.equal((await proxyMe(id)).body.data.sub, 'erin');

    assert.deepEqual(await eventTypes(id), ['connected_account.active']);
  });

  test('@composio/client create: SHARED with an ACL and an alias, expires_in as text, scope as a list', async () => {
    const t = await tokensFromProvider('frank');
    const res = await client.connectedAccounts.create({
      auth_config: { id: w.authConfigId },
      connection: {
        user_id: 'imp-client',
        alias: 'migrated',
        state: {
          authScheme: 'OAUTH2',
          val: { status: 'ACTIVE', access_token: t.access_token, refresh_token: t.refresh_token, expires_in: '3599', scope: ['openid', 'repo'] },
        },
        experimental: { account_type: 'SHARED', acl_config_for_shared: { allowed_user_ids: [' teammate '] } },
      },
    });
    assert.equal(res.status, 'ACTIVE');
    const got = await api(w.t).get(`/api/v3.1/connected_accounts/${res.id}`);
    assert.equal(got.body.alias, 'migrated');
    assert.deepEqual(got.body.experimental, {
      account_type: 'SHARED',
      acl_config_for_shared: { allow_all_users: false, allowed_user_ids: ['teammate'], not_allowed_user_ids: [] },
    });
    assert.deepEqual(JSON.parse((await row(res.id)).granted_scopes!), ['openid', 'repo']);
    assert.equal((await row(res.id)).provider_subject, null, 'no id_token: who it is stays unknown');
    // The alias rule is the link's: a second import with the same alias is refused.
    const again = await api(w.t).post('/api/v3.1/connected_accounts', {
      auth_config: { id: w.authConfigId },
      connection: { user_id: 'imp-client', alias: 'migrated', state: { authScheme: 'OAUTH2', val: { access_token: t.access_token } } },
    });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.slug, 'ConnectedAccount_AliasTaken');
  });

  test('raw HTTP: an already expired access token with a refresh token is refreshed on first use; one about to expire is refreshed by the sweeper', async () => {
    const t = await tokensFromProvider('gina');
    const res = await api(w.t).post('/api/v3.1/connected_accounts', {
      auth_config: { id: w.authConfigId },
      connection: {
        user_id: 'imp-raw',
        state: {
          authScheme: 'OAUTH2',
          val: { access_token: t.access_token, refresh_token: t.refresh_token, expires_at: new Date(Date.now() - 60_000).toISOString(), scope: 'openid repo' },
        },
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(
      { status: res.body.status, redirect_url: res.body.redirect_url, val: res.body.connectionData.val },
      { status: 'ACTIVE', redirect_url: null, val: { status: 'ACTIVE' } },
    );
    const hits = w.op.counts.tokenByGrant.refresh_token ?? 0;
    const me = await proxyMe(res.body.id);
    assert.equal(me.body.data.sub, 'gina');
    assert.equal((w.op.counts.tokenByGrant.refresh_token ?? 0) - hits, 1, 'refreshed before use');

    const soon = await tokensFromProvider('hana');
    const created = await api(w.t).post('/api/v3.1/connected_accounts', {
      auth_config: { id: w.authConfigId },
      connection: {
        user_id: 'imp-sweep',
        state: {
          authScheme: 'OAUTH2',
          val: { access_token: soon.access_token, refresh_token: soon.refresh_token, expires_at: Math.floor(Date.now() / 1000) + 30 },
        },
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const swept = await sweepOnce(w.t.app.services);
    assert.ok(swept.refreshed.includes(created.body.id), 'token_expires_at puts it in the sweeper horizon');
    assert.notEqual((await creds(created.body.id)).access_token, soon.access_token);
  });

  test('OAuth2 without a token set still starts a hosted link', async () => {
    const res = await api(w.t).post('/api/v3.1/connected_accounts', {
      auth_config: { id: w.authConfigId },
      connection: { user_id: 'imp-link', state: { authScheme: 'OAUTH2', val: { status: 'INITIALIZING' } } },
    });
    assert.equal(res.status, 201);
    assert.equal(res.body.status, 'INITIATED');
    assert.match(res.body.redirect_url, /\/link\/lt_/);
  });

  test('bad imports: 400 with every problem at once, nothing written', async () => {
    const before = await dumpDatabase(w.t);
    const post = (val: Record<string, unknown>, connection: Record<string, unknown> = {}, authScheme = 'OAUTH2') =>
      api(w.t).post('/api/v3.1/connected_accounts', {
        auth_config: { id: w.authConfigId },
        connection: { user_id: 'imp-bad', state: { authScheme, val }, ...connection },
      });
    const V = 'connection.state.val';

    const many = await post({
      status: 'FAILED',
      refresh_token: 5,
      id_token: 'not-a-jwt',
      token_type: 'Bearer token',
      expires_in: -3,
      scope: { a: 1 },
      webhook_signature: 'x',
    });
    assert.equal(many.status, 400);
    assert.equal(many.body.error.slug, 'Request_ValidationFailed');
    assert.deepEqual(many.body.error.errors, [
      `${V}.status: must be ACTIVE to import tokens (or left out)`,
      `${V}.access_token: is required to import an OAuth2 account`,
      `${V}.refresh_token: must be a non-empty string of at most 16384 characters`,
      `${V}.id_token: is not a JWT whose claims can be read (leave it out)`,
      `${V}.token_type: must be a token type such as "Bearer"`,
      `${V}.expires_in: must be a positive whole number of seconds`,
      `${V}.scope: must be a string of scopes or an array of scope strings`,
      `${V}.webhook_signature: not a field authlink imports for localoidc OAUTH2 (allowed: status, access_token, refresh_token, id_token, token_type, expires_in, expires_at, scope)`,
    ]);

    // Problems of the link half (sharing rules) and of the token half come together.
    const both = await post(
      { access_token: 'at-1', expires_in: 60, expires_at: '2030-01-01T00:00:00Z' },
      { experimental: { acl_config_for_shared: { allow_all_users: true } } },
    );
    assert.equal(both.status, 400);
    assert.deepEqual(both.body.error.errors, [
      'experimental.acl_config_for_shared: requires account_type SHARED',
      `${V}.expires_at: give expires_in or expires_at, not both`,
    ]);

    const expired = await post({ access_token: 'at-2', expires_at: 1_000_000_000 });
    assert.deepEqual(expired.body.error.errors, [`${V}.expires_at: the access token has expired and there is no refresh_token to renew it`]);
    const millis = await post({ access_token: 'at-3', expires_at: Date.now() + 3_600_000 });
    assert.deepEqual(millis.body.error.errors, [`${V}.expires_at: must be an ISO-8601 date-time with a time zone, or seconds since the epoch`]);
    const scheme = await post({ access_token: 'at-4' }, {}, 'API_KEY');
    assert.deepEqual(scheme.body.error.errors, [`connection.state.authScheme: must be OAUTH2 for auth config ${w.authConfigId}`]);
    const badUser = await api(w.t).post('/api/v3.1/connected_accounts', {
      auth_config: { id: w.authConfigId },
      connection: { user_id: '   ', state: { authScheme: 'OAUTH2', val: { access_token: 'at-5' } } },
    });
    assert.equal(badUser.status, 400);

    assert.equal(dumpDiff(before, await dumpDatabase(w.t)), '', 'a refused import writes nothing');
  });
});
