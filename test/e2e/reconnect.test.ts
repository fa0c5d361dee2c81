// Issue #15: reconnecting the same account. POST /connected_accounts/{id}/refresh
// with a redirect_url (what @composio/core's connectedAccounts.refresh(id,
// { redirectUrl }) sends) starts a link bound to the existing account, in any
// state; completing it replaces the credential (same id, alias, ACL, user) and
// makes the account ACTIVE. Until then nothing changes, and a reconnect as
// another provider identity is refused unless the auth config allows it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Composio } from '@composio/core';
import ComposioClient from '@composio/client';
import { forEachBackend } from '../helpers/backends.ts';
import { api } from '../helpers/test-app.ts';
import {
  connectOAuth,
  consentAndAuthorize,
  createCookieClient,
  createLink,
  csrfOf,
  expireToken,
  openLink,
  startOAuthWorld,
  type OAuthWorld,
} from '../helpers/link-flow.ts';
import { driveOidcInteraction } from '../helpers/cookie-fetch.ts';
import { oidcToolkit } from '../helpers/toolkits.ts';
import { openCredentials } from '../../src/services/account-view.ts';
import { sweepOnce } from '../../src/services/sweeper.ts';
import { INVALID_GRANT_REASON } from '../../src/services/refresh.ts';
import { dumpDatabase, dumpDiff } from '../security/support.ts';

const APP = 'https://app.example.com/reconnected?from=settings';

forEachBackend('reconnect an existing account', (backend) => {
  let w: OAuthWorld;
  let core: Composio;
  let client: ComposioClient;
  let uiAuthConfigId: string;
  before(async () => {
    w = await startOAuthWorld(backend, {
      op: { rotateRefreshTokens: true },
      env: { LOG_LEVEL: 'warn' },
      // A second toolkit on the same provider whose identity comes from its userinfo endpoint (oidc-provider's /me answers {sub}).
      extraToolkits: (op) => [
        {
          ...oidcToolkit(op, { subject: { from: 'userinfo', field: 'sub', docs_url: 'https://openid.net/specs/openid-connect-core-1_0.html#UserInfo' } }),
          slug: 'localoidc_userinfo',
          name: 'Local OIDC (userinfo)',
        },
      ],
    });
    core = new Composio({ apiKey: w.t.apiKey, baseURL: w.t.config.publicUrl, allowTracking: false, disableVersionCheck: true });
    client = new ComposioClient({ apiKey: w.t.apiKey, baseURL: w.t.config.publicUrl });
    // Events are written to the outbox only when an endpoint subscribes.
    const hook = await api(w.t).post('/api/v3.1/webhook_subscriptions', { webhook_url: 'https://hooks.example.com/reconnect', enabled_events: ['*'] });
    assert.equal(hook.status, 201, JSON.stringify(hook.body));
    const ac = await api(w.t).post('/api/v3.1/auth_configs', {
      toolkit: { slug: 'localoidc_userinfo' },
      auth_config: { type: 'use_custom_auth', authScheme: 'OAUTH2', credentials: { client_id: w.op.clientId, client_secret: w.op.clientSecret } },
    });
    assert.equal(ac.status, 201, JSON.stringify(ac.body));
    uiAuthConfigId = ac.body.auth_config.id;
  });
  after(() => w.close());

  const store = () => w.t.runtime.store;
  const row = async (id: string) => (await store().accounts.get(w.t.projectId, id))!;
  const creds = async (id: string) => openCredentials(w.t.runtime.keyRing, await row(id));
  async function events(accountId: string) {
    const rows = await w.t.runtime.database.db.selectFrom('webhook_events').select(['type', 'payload', 'id']).orderBy('created_at').orderBy('id').execute();
    // Composio's V3 payloads: the account is `data`, the event's context is in `metadata`.
    return rows
      .map((r) => ({ type: r.type.replace(/^composio\./, ''), payload: JSON.parse(r.payload) }))
      .filter((e) => e.payload.data.id === accountId)
      .map((e) => ({ type: e.type, data: { ...e.payload.metadata, connected_account: e.payload.data } }));
  }
  /** An ACTIVE OAuth account turned EXPIRED the way it happens in production: the provider answers invalid_grant to a refresh. */
  async function expiredAccount(userId: string, extra: Record<string, unknown> = {}) {
    const id = await connectOAuth(w, userId, extra);
    await expireToken(w, id);
    w.op.failNextToken(400, { error: 'invalid_grant' });
    const res = await api(w.t).post(`/api/v3.1/connected_accounts/${id}/refresh`);
    assert.equal(res.status, 409, JSON.stringify(res.body));
    assert.equal((await row(id)).status, 'EXPIRED');
    return id;
  }
  /** The columns a reconnect may change, to compare before and after. */
  const snapshot = async (id: string) => {
    const r = await row(id);
    return {
      status: r.status,
      status_reason: r.status_reason,
      credentials_enc: r.credentials_enc,
      token_expires_at: r.token_expires_at,
      granted_scopes: r.granted_scopes,
      provider_subject: r.provider_subject,
      data: r.data,
      updated_at: r.updated_at,
    };
  };

  test('@composio/core refresh(id, { redirectUrl }) on an EXPIRED account: a link; the browser completes it; same id ACTIVE with new tokens, alias, ACL and user kept; events', async () => {
    const acl = { allow_all_users: false, allowed_user_ids: ['teammate'], not_allowed_user_ids: ['mallory'] };
    const id = await expiredAccount('rc-owner', { alias: 'work', account_type: 'SHARED', experimental: { acl_config_for_shared: acl } });
    const before = await row(id);
    assert.equal(before.status_reason, INVALID_GRANT_REASON);
    assert.equal(before.provider_subject, 'alice', 'the first connect recorded who signed in (id_token sub)');
    const oldCreds = await creds(id);
    const kept = await snapshot(id);

    const res = await core.connectedAccounts.refresh(id, { redirectUrl: APP });
    assert.equal(res.id, id);
    assert.equal(res.status, 'EXPIRED', 'nothing changes until the user completes the link');
    assert.match(res.redirect_url ?? '', new RegExp(`^${w.t.config.publicUrl}/link/lt_`));
    assert.deepEqual(await snapshot(id), kept);

    const browser = createCookieClient();
    const { page } = await openLink(browser, w.t, res.redirect_url!);
    assert.match(page.text, /wants to reconnect your Local OIDC account/);
    // PKCE and state, as on any link.
    const go = await browser.post(`${w.t.config.publicUrl}/link/authorize`, { csrf: csrfOf(page.text) });
    const authorize = new URL(go.location!);
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(authorize.searchParams.get('state'));
    const callback = await driveOidcInteraction(browser, go.location!, { login: 'alice', consent: 'accept' });
    const done = await browser.get(callback);
    assert.equal(done.status, 303, done.text.slice(0, 300));
    const back = new URL(done.location!);
    assert.equal(`${back.origin}${back.pathname}`, 'https://app.example.com/reconnected');
    assert.equal(back.searchParams.get('from'), 'settings');
    assert.equal(back.searchParams.get('status'), 'success');
    assert.equal(back.searchParams.get('connected_account_id'), id);

    const after = await api(w.t).get(`/api/v3.1/connected_accounts/${id}`);
    assert.equal(after.status, 200);
    assert.equal(after.body.id, id);
    assert.equal(after.body.status, 'ACTIVE');
    assert.equal(after.body.status_reason, null);
    assert.equal(after.body.alias, 'work');
    assert.equal(after.body.user_id, 'rc-owner');
    assert.equal(after.body.word_id, before.word_id);
    assert.deepEqual(after.body.experimental, { account_type: 'SHARED', acl_config_for_shared: acl });
    const newCreds = await creds(id);
    assert.notEqual(newCreds.access_token, oldCreds.access_token);
    assert.notEqual(newCreds.refresh_token, oldCreds.refresh_token);
    const r = await row(id);
    assert.equal(r.refresh_failures, 0);
    assert.ok(r.token_expires_at && Date.parse(r.token_expires_at) > Date.now());
    assert.equal(r.provider_subject, 'alice');

    // The new refresh token works: a plain refresh is a refresh again.
    const hits = w.op.counts.tokenByGrant.refresh_token ?? 0;
    assert.deepEqual((await api(w.t).post(`/api/v3.1/connected_accounts/${id}/refresh`)).body, { id, status: 'ACTIVE', redirect_url: null });
    assert.equal((w.op.counts.tokenByGrant.refresh_token ?? 0) - hits, 1);

    // Events of one transaction share a timestamp: compare as sorted lists.
    const types = (await events(id)).map((e) => e.type).sort();
    assert.deepEqual(types, [
      'connected_account.active',
      'connected_account.active',
      'connected_account.expired',
      'connected_account.initiated',
      'connected_account.reconnected',
      'connected_account.refresh_failed',
    ]);
    const reconnected = (await events(id)).find((e) => e.type === 'connected_account.reconnected')!;
    assert.deepEqual(reconnected.data.reconnect, { previous_status: 'EXPIRED' });
    assert.equal(reconnected.data.connected_account.status, 'ACTIVE');

    // Single use: the link and the callback are spent.
    assert.equal((await createCookieClient().get(res.redirect_url!)).status, 409);
    assert.equal((await browser.get(callback)).status, 404, 'the browser cookie was cleared; a replay is refused');
  });

  test('an abandoned or cancelled reconnect leaves the account EXPIRED with its old credential; so does its link expiring', async () => {
    const id = await expiredAccount('rc-abandon');
    const kept = await snapshot(id);

    // Abandoned at the provider: the person never comes back.
    const first = await core.connectedAccounts.refresh(id, { redirectUrl: APP });
    await consentAndAuthorize(createCookieClient(), w, first.redirect_url!);
    assert.deepEqual(await snapshot(id), kept);

    // Cancelled on the hosted page.
    const second = await core.connectedAccounts.refresh(id, { redirectUrl: APP });
    const browser = createCookieClient();
    const { csrf } = await openLink(browser, w.t, second.redirect_url!);
    const cancelled = await browser.post(`${w.t.config.publicUrl}/link/cancel`, { csrf });
    assert.equal(cancelled.status, 303);
    const back = new URL(cancelled.location!);
    assert.equal(back.searchParams.get('status'), 'failed');
    assert.equal(back.searchParams.get('error'), 'cancelled');
    assert.deepEqual(await snapshot(id), kept);

    // Expired: acting on the page and the sweeper both leave the account alone.
    const third = await core.connectedAccounts.refresh(id, { redirectUrl: APP });
    const late = createCookieClient();
    const opened = await openLink(late, w.t, third.redirect_url!);
    await w.t.runtime.database.db
      .updateTable('link_sessions')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('connected_account_id', '=', id)
      .execute();
    assert.equal((await late.post(`${w.t.config.publicUrl}/link/authorize`, { csrf: opened.csrf })).status, 410);
    await sweepOnce(w.t.app.services);
    assert.deepEqual(await snapshot(id), kept);
    assert.deepEqual(
      (await events(id)).map((e) => e.type).sort(),
      ['connected_account.active', 'connected_account.expired', 'connected_account.initiated', 'connected_account.refresh_failed'],
      'nothing announced: nothing changed',
    );
  });

  test('reconnecting as another identity is refused (the person sees why, the app gets error=identity_mismatch, the new tokens are revoked); allowed when the auth config allows it', async () => {
    const id = await connectOAuth(w, 'rc-identity');
    const kept = await snapshot(id);
    const start = await api(w.t).post(`/api/v3.1/connected_accounts/${id}/refresh?redirect_url=${encodeURIComponent(APP)}`);
    assert.equal(start.status, 200, JSON.stringify(start.body));
    assert.equal(start.body.status, 'ACTIVE');
    const revocations = w.op.counts.revocation;
    const browser = createCookieClient();
    const done = await browser.get(await consentAndAuthorize(browser, w, start.body.redirect_url, 'accept', 'bob'));
    assert.equal(done.status, 400, 'a page that says why, not a bare redirect');
    assert.match(done.text, /as a different account than the one connected before/);
    assert.match(done.text, /Nothing was changed/);
    const link = /<a class="btn btn-primary" href="([^"]+)"/.exec(done.text)?.[1]?.replace(/&amp;/g, '&');
    assert.ok(link, 'a button back to the app');
    const back = new URL(link);
    assert.equal(back.searchParams.get('status'), 'failed');
    assert.equal(back.searchParams.get('error'), 'identity_mismatch');
    assert.equal(back.searchParams.get('connected_account_id'), id);
    assert.deepEqual(await snapshot(id), kept, 'the old credential stays');
    assert.equal(w.op.counts.revocation - revocations, 1, 'what bob was just issued is revoked at the provider');
    const bobs = w.op.issued.at(-1)!;
    const dead = await fetch(w.op.tokenUrl, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${w.op.clientId}:${w.op.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: bobs.refresh_token! }),
    });
    assert.equal(dead.status, 400);
    assert.equal(((await dead.json()) as { error: string }).error, 'invalid_grant');
    // And the account still works with its own tokens.
    assert.equal((await api(w.t).post(`/api/v3.1/connected_accounts/${id}/refresh`)).body.status, 'ACTIVE');

    // The auth config may allow it: stored, returned, honoured.
    const patched = await api(w.t).patch(`/api/v3.1/auth_configs/${w.authConfigId}`, { allow_reconnect_as_other_identity: true });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    try {
      assert.equal((await api(w.t).get(`/api/v3.1/auth_configs/${w.authConfigId}`)).body.allow_reconnect_as_other_identity, true);
      const again = await core.connectedAccounts.refresh(id, { redirectUrl: APP });
      const b2 = createCookieClient();
      const ok = await b2.get(await consentAndAuthorize(b2, w, again.redirect_url!, 'accept', 'bob'));
      assert.equal(ok.status, 303);
      assert.equal(new URL(ok.location!).searchParams.get('status'), 'success');
      assert.equal((await row(id)).provider_subject, 'bob', 'the new identity is recorded');
      assert.equal((await row(id)).status, 'ACTIVE');
    } finally {
      await api(w.t).patch(`/api/v3.1/auth_configs/${w.authConfigId}`, { allow_reconnect_as_other_identity: false });
    }
    // Set at creation too, and false by default.
    const created = await api(w.t).post('/api/v3.1/auth_configs', {
      toolkit: { slug: 'localoidc' },
      auth_config: {
        type: 'use_custom_auth',
        authScheme: 'OAUTH2',
        credentials: { client_id: w.op.clientId, client_secret: w.op.clientSecret },
        allow_reconnect_as_other_identity: true,
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal((await api(w.t).get(`/api/v3.1/auth_configs/${created.body.auth_config.id}`)).body.allow_reconnect_as_other_identity, true);
    assert.equal((await api(w.t).get(`/api/v3.1/auth_configs/${uiAuthConfigId}`)).body.allow_reconnect_as_other_identity, false);
    // Now bob is who this account belongs to: alice is refused.
    const third = await core.connectedAccounts.refresh(id, { redirectUrl: APP });
    const b3 = createCookieClient();
    const refused = await b3.get(await consentAndAuthorize(b3, w, third.redirect_url!, 'accept', 'alice'));
    assert.equal(refused.status, 400);
    assert.equal((await row(id)).provider_subject, 'bob');
  });

  test('a toolkit whose identity comes from its userinfo endpoint: recorded on connect, compared on reconnect', async () => {
    const link = await createLink(w.t, { auth_config_id: uiAuthConfigId, user_id: 'rc-userinfo' });
    const b1 = createCookieClient();
    assert.equal((await b1.get(await consentAndAuthorize(b1, w, link.redirect_url, 'accept', 'carol'))).status, 200);
    const id = link.connected_account_id;
    assert.equal((await row(id)).provider_subject, 'carol');
    const kept = await snapshot(id);
    const oldToken = (await creds(id)).access_token;
    const start = await core.connectedAccounts.refresh(id, { redirectUrl: APP });
    const b2 = createCookieClient();
    const refused = await b2.get(await consentAndAuthorize(b2, w, start.redirect_url!, 'accept', 'dave'));
    assert.equal(refused.status, 400);
    assert.match(refused.text, /identity_mismatch/);
    assert.deepEqual(await snapshot(id), kept);
    const again = await core.connectedAccounts.refresh(id, { redirectUrl: APP });
    const b3 = createCookieClient();
    const ok = await b3.get(await consentAndAuthorize(b3, w, again.redirect_url!, 'accept', 'carol'));
    assert.equal(new URL(ok.location!).searchParams.get('status'), 'success');
    assert.notEqual((await creds(id)).access_token, oldToken);
    assert.equal((await row(id)).provider_subject, 'carol');
  });

  test('an API-key account reconnects through the hosted form (redirect_url in the body, @composio/client)', async () => {
    const created = await api(w.t).post('/api/v3.1/connected_accounts', {
      auth_config: { id: w.apiKeyAuthConfigId },
      connection: { user_id: 'rc-key', alias: 'ops', state: { authScheme: 'API_KEY', val: { api_key: 'sk_old_000000000001', workspace: 'acme' } } },
    });
    assert.equal(created.status, 201);
    const id = created.body.id as string;
    await api(w.t).patch(`/api/v3.1/connected_accounts/${id}/status`, { enabled: false });
    const res = await client.connectedAccounts.refresh(id, { body_redirect_url: APP });
    assert.equal(res.status, 'ACTIVE');
    const browser = createCookieClient();
    const { page, csrf } = await openLink(browser, w.t, res.redirect_url!);
    assert.match(page.text, /Reconnect your Echo API account/);
    assert.match(page.text, /value="acme"/, 'non-secret fields are pre-filled');
    assert.ok(!page.text.includes('sk_old_000000000001'), 'secrets are not');
    const missing = await browser.post(`${w.t.config.publicUrl}/link/submit`, { csrf, api_key: '' });
    assert.equal(missing.status, 400);
    assert.equal((await creds(id)).api_key, 'sk_old_000000000001');
    // The first POST bound the link to this browser: the form token is the re-rendered page's.
    const done = await browser.post(`${w.t.config.publicUrl}/link/submit`, { csrf: csrfOf(missing.text), api_key: 'sk_new_000000000002', workspace: 'acme-2' });
    assert.equal(done.status, 303, done.text.slice(0, 300));
    assert.equal(new URL(done.location!).searchParams.get('status'), 'success');
    const r = await row(id);
    assert.equal(r.status, 'ACTIVE');
    assert.equal(r.alias, 'ops');
    assert.equal(r.is_disabled, 1, 'a reconnect does not re-enable a disabled account');
    assert.deepEqual(JSON.parse(r.data), { workspace: 'acme-2' });
    assert.deepEqual(await creds(id), { api_key: 'sk_new_000000000002' });
    assert.deepEqual((await events(id)).map((e) => e.type).sort(), [
      'connected_account.active',
      'connected_account.active',
      'connected_account.disabled',
      'connected_account.reconnected',
    ]);
  });

  test('verify_callback_identity: a reconnect waits for complete_auth with the old credential in place; the wrong user changes nothing', async () => {
    assert.equal((await api(w.t).patch('/api/v3.1/project/settings', { verify_callback_identity: true })).status, 200);
    try {
      const created = await api(w.t).post('/api/v3.1/connected_accounts', {
        auth_config: { id: w.apiKeyAuthConfigId },
        connection: { user_id: 'rc-verify', state: { authScheme: 'API_KEY', val: { api_key: 'sk_first_00000000001' } } },
      });
      const id = created.body.id as string;
      const submit = async (key: string) => {
        const res = await core.connectedAccounts.refresh(id, { redirectUrl: APP });
        const browser = createCookieClient();
        const { csrf } = await openLink(browser, w.t, res.redirect_url!);
        const done = await browser.post(`${w.t.config.publicUrl}/link/submit`, { csrf, api_key: key });
        const back = new URL(done.location!);
        assert.equal(back.searchParams.get('status'), null, 'only a session_uri reaches the app');
        return back.searchParams.get('session_uri')!;
      };
      const kept = await snapshot(id);
      const wrong = await submit('sk_second_0000000002');
      assert.deepEqual(await snapshot(id), kept, 'staged, not applied');
      const pending = await w.t.runtime.database.db.selectFrom('callback_verifications').selectAll().where('connected_account_id', '=', id).execute();
      assert.equal(pending.length, 1);
      assert.ok(pending[0].pending_enc?.startsWith('v1:'), 'the staged credential is encrypted');
      const refused = await api(w.t).post('/api/v3.1/connected_accounts/complete_auth', { session_uri: wrong, user_id: 'someone-else' });
      assert.equal(refused.status, 403);
      assert.match(refused.body.error.message, /keeps its previous connection/);
      assert.deepEqual(await snapshot(id), kept);
      assert.equal((await creds(id)).api_key, 'sk_first_00000000001');
      const dropped = await w.t.runtime.database.db.selectFrom('callback_verifications').select('pending_enc').where('connected_account_id', '=', id).execute();
      assert.deepEqual(dropped, [{ pending_enc: null }], 'the refused credential is gone');

      const right = await submit('sk_third_00000000003');
      const ok = await api(w.t).post('/api/v3.1/connected_accounts/complete_auth', { session_uri: right, user_id: ' rc-verify ' });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.connected_account_id, id);
      assert.equal((await creds(id)).api_key, 'sk_third_00000000003');
      assert.equal((await row(id)).status, 'ACTIVE');
      assert.equal((await api(w.t).post('/api/v3.1/connected_accounts/complete_auth', { session_uri: right, user_id: 'rc-verify' })).status, 404, 'single use');

      // Staged and never redeemed: the sweeper drops it once it expires; the account never had it.
      const late = await submit('sk_fourth_0000000004');
      assert.ok(late);
      await w.t.runtime.database.db
        .updateTable('callback_verifications')
        .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
        .where('connected_account_id', '=', id)
        .execute();
      await sweepOnce(w.t.app.services);
      const left = await w.t.runtime.database.db.selectFrom('callback_verifications').select('pending_enc').where('connected_account_id', '=', id).execute();
      assert.ok(left.every((v) => v.pending_enc === null));
      assert.equal((await creds(id)).api_key, 'sk_third_00000000003');
    } finally {
      await api(w.t).patch('/api/v3.1/project/settings', { verify_callback_identity: false });
    }
  });

  test('a reconnect that completes while a refresh of the old grant is in flight: the refresh finishes first, the new credential is what stays', async () => {
    const id = await connectOAuth(w, 'rc-race');
    const start = await core.connectedAccounts.refresh(id, { redirectUrl: APP });
    const browser = createCookieClient();
    const callback = await consentAndAuthorize(browser, w, start.redirect_url!);
    await expireToken(w, id);
    const hold = w.op.holdNextToken();
    const refreshing = api(w.t).post(`/api/v3.1/connected_accounts/${id}/refresh`);
    await hold.arrived;
    const issuedBefore = w.op.issued.length;
    const completing = browser.get(callback); // its code exchange is the next token request, not held
    // The exchange answers; then the reconnect's write finds the refresh's lease and waits. Only then does the refresh finish.
    while (w.op.issued.length === issuedBefore) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300));
    assert.notEqual((await row(id)).refresh_lock_owner, null, 'the refresh still holds the lease');
    hold.release();
    const [refreshed, done] = await Promise.all([refreshing, completing]);
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    assert.equal(done.status, 303, done.text.slice(0, 300));
    assert.equal(new URL(done.location!).searchParams.get('status'), 'success');
    const issued = w.op.issued;
    const exchange = issued.at(-2)!;
    const refresh = issued.at(-1)!;
    assert.notEqual(exchange.access_token, refresh.access_token);
    assert.equal((await creds(id)).access_token, exchange.access_token, "the reconnect's tokens, not the old grant's refresh");
    assert.equal((await row(id)).refresh_lock_owner, null);
  });

  test('refusals: unknown, deleted and foreign accounts 404; a bad or disagreeing redirect_url 400; a disabled auth config 422; nothing written', async () => {
    const id = await connectOAuth(w, 'rc-refuse');
    const other = await w.t.otherProject();
    const before = await dumpDatabase(w.t);
    const post = (path: string, body?: unknown, key?: string) => api(w.t, key).post(path, body);
    const url = `/api/v3.1/connected_accounts/${id}/refresh`;
    assert.equal((await post(`/api/v3.1/connected_accounts/ca_nope/refresh?redirect_url=${encodeURIComponent(APP)}`)).status, 404);
    const foreign = await post(`${url}?redirect_url=${encodeURIComponent(APP)}`, undefined, other.apiKey);
    assert.equal(foreign.status, 404);
    const bad = await post(url, { redirect_url: 'javascript:alert(1)' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.slug, 'ConnectedAccount_CallbackUrlInvalid');
    const disagree = await post(`${url}?redirect_url=${encodeURIComponent(APP)}`, { redirect_url: 'https://app.example.com/other' });
    assert.equal(disagree.status, 400);
    assert.deepEqual(disagree.body.error.errors, ['redirect_url: the query and the body disagree; give it once']);
    assert.equal(dumpDiff(before, await dumpDatabase(w.t)), '', 'refusals write nothing');

    await api(w.t).patch(`/api/v3.1/auth_configs/${w.authConfigId}/DISABLED`);
    try {
      const disabled = await post(url, { redirect_url: APP });
      assert.equal(disabled.status, 422);
      assert.equal(disabled.body.error.slug, 'AuthConfig_Disabled');
    } finally {
      await api(w.t).patch(`/api/v3.1/auth_configs/${w.authConfigId}/ENABLED`);
    }
    assert.equal((await api(w.t).delete(`/api/v3.1/connected_accounts/${id}`)).status, 200);
    assert.equal((await post(url, { redirect_url: APP })).status, 404, 'a deleted account cannot be reconnected');
    // Without redirect_url, refresh keeps its meaning: a non-ACTIVE account is still a 409.
    const expired = await expiredAccount('rc-plain');
    assert.equal((await post(`/api/v3.1/connected_accounts/${expired}/refresh`, {})).status, 409);
    // allow_reconnect_as_other_identity only exists for OAuth2 configs.
    const keyConfig = await api(w.t).patch(`/api/v3.1/auth_configs/${w.apiKeyAuthConfigId}`, { allow_reconnect_as_other_identity: true });
    assert.equal(keyConfig.status, 400);
    assert.match(keyConfig.body.error.errors[0], /^allow_reconnect_as_other_identity: API_KEY accounts have no provider identity/);
  });

  test('a reconnect link binds on the first action: another browser that opened it is then refused', async () => {
    const id = await connectOAuth(w, 'rc-bind');
    const start = await core.connectedAccounts.refresh(id, { redirectUrl: APP });
    const first = createCookieClient();
    const second = createCookieClient();
    const a = await openLink(first, w.t, start.redirect_url!);
    const b = await openLink(second, w.t, start.redirect_url!);
    assert.equal((await first.post(`${w.t.config.publicUrl}/link/authorize`, { csrf: a.csrf })).status, 303);
    const late = await second.post(`${w.t.config.publicUrl}/link/authorize`, { csrf: b.csrf });
    assert.equal(late.status, 409);
    assert.match(late.text, /already opened in another browser/);
  });
});
