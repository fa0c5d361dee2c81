// Issue #4: the OAuth2 link flow end to end over HTTP: authlink on a real
// port, the in-process oidc-provider, a cookie-jar client as the browser.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.ts';
import { api } from '../helpers/test-app.ts';
import { consentAndAuthorize, createCookieClient, createLink, openLink, startOAuthWorld, type OAuthWorld } from '../helpers/link-flow.ts';
import { driveOidcInteraction } from '../helpers/cookie-fetch.ts';
import { hashSecret } from '../../src/crypto/tokens.ts';
import { openCredentials } from '../../src/services/account-view.ts';
import { ENCRYPTED_FIELDS } from '../../src/crypto/fields.ts';

const CALLBACK = 'https://app.example.com/connected?tab=integrations';

forEachBackend('OAuth2 link flow', (backend) => {
  let w: OAuthWorld;
  let offsetMs = 0;
  before(async () => {
    w = await startOAuthWorld(backend, { now: () => new Date(Date.now() + offsetMs) });
  });
  after(() => w.close());

  test('success: consent, provider login, callback -> ACTIVE with encrypted tokens, app callback gets status=success', async () => {
    const link = await createLink(w.t, { auth_config_id: w.authConfigId, user_id: 'alice', callback_url: CALLBACK });
    const client = createCookieClient();
    const back = await consentAndAuthorize(client, w, link.redirect_url);
    assert.ok(back.startsWith(`${w.t.config.publicUrl}/api/v3.1/toolkits/auth/callback?`), back);
    const done = await client.get(back);
    assert.equal(done.status, 303);
    const final = new URL(done.location!);
    assert.equal(final.origin + final.pathname, 'https://app.example.com/connected');
    assert.equal(final.searchParams.get('tab'), 'integrations', "the app's own query is kept");
    assert.equal(final.searchParams.get('status'), 'success');
    assert.equal(final.searchParams.get('connected_account_id'), link.connected_account_id);
    assert.equal(w.op.counts.tokenByGrant.authorization_code, 1);

    const row = await w.t.runtime.store.accounts.get(w.t.projectId, link.connected_account_id);
    assert.equal(row?.status, 'ACTIVE');
    assert.deepEqual(JSON.parse(row!.requested_scopes!), ['openid', 'offline_access', 'repo']);
    assert.ok(JSON.parse(row!.granted_scopes!).includes('repo'));
    assert.ok(row!.token_expires_at);
    const creds = openCredentials(w.t.runtime.keyRing, row!);
    assert.equal(typeof creds.access_token, 'string');
    assert.equal(typeof creds.refresh_token, 'string');
    assert.ok(!row!.credentials_enc!.includes(creds.access_token as string));
    // The link session is spent and the cookie cleared.
    const again = await client.get(link.redirect_url);
    assert.equal(again.status, 409);
    assert.match(again.text, /already/i);
  });

  test('PKCE S256 and state are on the authorize URL; the token never appears in the page URL after first open', async () => {
    const link = await createLink(w.t, { auth_config_id: w.authConfigId, user_id: 'bob' });
    const client = createCookieClient();
    const { csrf } = await openLink(client, w.t, link.redirect_url);
    const go = await client.post(`${w.t.config.publicUrl}/link/authorize`, { csrf });
    const authorize = new URL(go.location!);
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.match(authorize.searchParams.get('code_challenge')!, /^[A-Za-z0-9_-]{43}$/);
    assert.ok(authorize.searchParams.get('state')!.length >= 32);
    assert.equal(authorize.searchParams.get('redirect_uri'), `${w.t.config.publicUrl}/api/v3.1/toolkits/auth/callback`);
    assert.equal(authorize.searchParams.get('scope'), 'openid offline_access repo');
    assert.equal(authorize.searchParams.get('prompt'), 'consent');
  });

  test('denial at the provider -> FAILED with a reason, app callback gets status=failed&error=access_denied', async () => {
    const link = await createLink(w.t, { auth_config_id: w.authConfigId, user_id: 'carol', callback_url: CALLBACK });
    const client = createCookieClient();
    const back = await consentAndAuthorize(client, w, link.redirect_url, 'deny');
    const done = await client.get(back);
    assert.equal(done.status, 303);
    const final = new URL(done.location!);
    assert.equal(final.searchParams.get('status'), 'failed');
    assert.equal(final.searchParams.get('error'), 'access_denied');
    assert.equal(final.searchParams.get('connected_account_id'), link.connected_account_id);
    const row = await w.t.runtime.store.accounts.get(w.t.projectId, link.connected_account_id);
    assert.equal(row?.status, 'FAILED');
    assert.equal(row?.status_reason, 'The user denied access at the provider');
    assert.equal(row?.credentials_enc, null);
  });

  test('a state that is unknown, or from another browser, changes nothing', async () => {
    const link = await createLink(w.t, { auth_config_id: w.authConfigId, user_id: 'dave' });
    const client = createCookieClient();
    const back = await consentAndAuthorize(client, w, link.redirect_url);
    const forged = new URL(back);
    forged.searchParams.set('state', 'forged-state-value');
    const bad = await client.get(forged.toString());
    assert.equal(bad.status, 404);
    // The real state from a browser without the session cookie is refused too.
    const stranger = createCookieClient();
    const other = await stranger.get(back);
    assert.equal(other.status, 404);
    const row = await w.t.runtime.store.accounts.get(w.t.projectId, link.connected_account_id);
    assert.equal(row?.status, 'INITIATED', 'nothing changed');
    // The rightful browser can still finish.
    const done = await client.get(back);
    assert.equal(done.status, 200);
    assert.equal((await w.t.runtime.store.accounts.get(w.t.projectId, link.connected_account_id))?.status, 'ACTIVE');
  });

  test('wrong PKCE verifier -> provider refuses the code -> FAILED, no tokens', async () => {
    const link = await createLink(w.t, { auth_config_id: w.authConfigId, user_id: 'erin', callback_url: CALLBACK });
    const client = createCookieClient();
    const back = await consentAndAuthorize(client, w, link.redirect_url);
    // Swap the stored verifier for another valid-looking one, as an attacker replaying a stolen code would hold.
    const ls = await w.t.runtime.store.links.byStateHash((await import('../../src/crypto/tokens.ts')).hashSecret(new URL(back).searchParams.get('state')!));
    const wrong = w.t.runtime.keyRing.encrypt('x'.repeat(43), ENCRYPTED_FIELDS.pkceVerifier.aad(ls!));
    await w.t.runtime.database.db.updateTable('link_sessions').set({ pkce_verifier_enc: wrong }).where('id', '=', ls!.id).execute();
    const done = await client.get(back);
    const final = new URL(done.location!);
    assert.equal(final.searchParams.get('status'), 'failed');
    assert.equal(final.searchParams.get('error'), 'invalid_grant');
    const row = await w.t.runtime.store.accounts.get(w.t.projectId, link.connected_account_id);
    assert.equal(row?.status, 'FAILED');
    assert.equal(row?.credentials_enc, null);
  });

  test('double callback, concurrently: exactly one wins, the others see "already used"', async () => {
    const link = await createLink(w.t, { auth_config_id: w.authConfigId, user_id: 'frank' });
    const client = createCookieClient();
    const back = await consentAndAuthorize(client, w, link.redirect_url);
    const before = w.op.counts.tokenByGrant.authorization_code ?? 0;
    const results = await Promise.all(Array.from({ length: 5 }, () => client.get(back)));
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 409, 409, 409, 409]);
    assert.equal((w.op.counts.tokenByGrant.authorization_code ?? 0) - before, 1, 'the code was exchanged once');
    assert.equal((await w.t.runtime.store.accounts.get(w.t.projectId, link.connected_account_id))?.status, 'ACTIVE');
  });

  test('an expired link shows the expired page; a GET changes nothing, a form post ends the account EXPIRED with a reason', async () => {
    const link = await createLink(w.t, { auth_config_id: w.authConfigId, user_id: 'gina' });
    const client = createCookieClient();
    const { csrf } = await openLink(client, w.t, link.redirect_url);
    offsetMs = 11 * 60 * 1000;
    try {
      for (const url of [link.redirect_url, `${w.t.config.publicUrl}/link`]) {
        const res = await createCookieClient().get(url);
        assert.equal(res.status, url === link.redirect_url ? 410 : 404, url);
        const page = await client.get(url);
        assert.equal(page.status, 410, url);
        assert.match(page.text, /expired/i);
      }
      assert.equal((await w.t.runtime.store.accounts.get(w.t.projectId, link.connected_account_id))?.status, 'INITIATED', 'GETs changed nothing');
      const post = await client.post(`${w.t.config.publicUrl}/link/authorize`, { csrf });
      assert.equal(post.status, 410);
    } finally {
      offsetMs = 0;
    }
    const row = await w.t.runtime.store.accounts.get(w.t.projectId, link.connected_account_id);
    assert.equal(row?.status, 'EXPIRED');
    assert.equal(row?.status_reason, 'The link expired before the user connected');
  });

  test('issue #20 B: opened in two browsers, the link belongs to the first who acts; the other, and any later browser, gets "opened elsewhere"', async () => {
    const link = await createLink(w.t, { auth_config_id: w.authConfigId, user_id: 'hank', callback_url: CALLBACK });
    const first = createCookieClient();
    const second = createCookieClient();
    const a = await openLink(first, w.t, link.redirect_url);
    const b = await openLink(second, w.t, link.redirect_url);
    assert.equal((await w.t.runtime.store.links.byTokenHash(hashSecret(link.link_token)))?.browser_hash, null, 'opening binds nothing');
    // The second browser acts first: the link is its own from now on.
    const go = await second.post(`${w.t.config.publicUrl}/link/authorize`, { csrf: b.csrf });
    assert.equal(go.status, 303);
    assert.ok(go.location?.startsWith(w.op.authorizationUrl));
    for (const res of [
      await first.post(`${w.t.config.publicUrl}/link/authorize`, { csrf: a.csrf }),
      await first.post(`${w.t.config.publicUrl}/link/cancel`, { csrf: a.csrf }),
      await first.get(`${w.t.config.publicUrl}/link`),
      await first.get(link.redirect_url),
      await createCookieClient().get(link.redirect_url),
    ]) {
      assert.equal(res.status, 409, res.url);
      assert.match(res.text, /another browser/);
      assert.equal(res.location, undefined);
    }
    // The browser that acted still can: it reopens the link and finishes.
    assert.equal((await second.get(link.redirect_url)).status, 303);
    const done = await second.get(await driveOidcInteraction(second, go.location!, { login: 'hank', consent: 'accept' }));
    assert.equal(new URL(done.location!).searchParams.get('status'), 'success');
    const row = await w.t.runtime.store.accounts.get(w.t.projectId, link.connected_account_id);
    assert.equal(row?.status, 'ACTIVE');
    assert.equal(row?.user_id, 'hank');
  });

  test('forms without the CSRF token are refused: no redirect, no state, nothing bound, the provider never reached', async () => {
    const link = await createLink(w.t, { auth_config_id: w.authConfigId, user_id: 'ivy' });
    const client = createCookieClient();
    const { csrf } = await openLink(client, w.t, link.redirect_url);
    const authorizations = w.op.counts.authorization;
    for (const form of [{ csrf: 'nope' }, {}, { csrf: `${csrf}x` }] as Array<Record<string, string>>) {
      const res = await client.post(`${w.t.config.publicUrl}/link/authorize`, form);
      assert.equal(res.status, 403, JSON.stringify(form));
      assert.equal(res.location, undefined, 'no redirect happened');
      assert.match(res.text, /did not come from this page/);
    }
    const row = (await w.t.runtime.store.links.byTokenHash(hashSecret(link.link_token)))!;
    assert.deepEqual([row.oauth_state_hash, row.browser_hash, row.consumed_at], [null, null, null]);
    assert.equal(w.op.counts.authorization, authorizations, 'the provider was never reached');
    // The same browser with the real token is still served: the refusals used nothing up.
    const go = await client.post(`${w.t.config.publicUrl}/link/authorize`, { csrf });
    assert.equal(go.status, 303);
    assert.ok(go.location?.startsWith(w.op.authorizationUrl));
  });

  test('no callback_url: a result page; the account is readable', async () => {
    const link = await createLink(w.t, { auth_config_id: w.authConfigId, user_id: 'jack' });
    const client = createCookieClient();
    const done = await client.get(await consentAndAuthorize(client, w, link.redirect_url));
    assert.equal(done.status, 200);
    assert.match(done.headers.get('content-security-policy')!, /default-src 'none'/);
    assert.match(done.text, /Local OIDC/);
    assert.equal((await w.t.runtime.store.accounts.get(w.t.projectId, link.connected_account_id))?.status, 'ACTIVE');
  });

  test('cancel on the consent screen -> FAILED, callback gets error=cancelled', async () => {
    const link = await createLink(w.t, { auth_config_id: w.authConfigId, user_id: 'kim', callback_url: CALLBACK });
    const client = createCookieClient();
    const { csrf } = await openLink(client, w.t, link.redirect_url);
    const res = await client.post(`${w.t.config.publicUrl}/link/cancel`, { csrf });
    assert.equal(res.status, 303);
    assert.equal(new URL(res.location!).searchParams.get('error'), 'cancelled');
    assert.equal((await w.t.runtime.store.accounts.get(w.t.projectId, link.connected_account_id))?.status, 'FAILED');
    assert.equal((await api(w.t).get('/health')).status, 200);
  });
});
