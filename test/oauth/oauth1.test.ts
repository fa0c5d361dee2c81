// Issue #17: OAuth 1.0a (Composio's OAUTH1). The signature is pinned to the
// OAuth Core 1.0 example (Appendix A.5) and to a base-string implementation
// written from RFC 5849 in the stand-in provider; the whole person's flow runs
// through the hosted page (temporary credentials, the provider's page, the
// callback with the verifier, token credentials), then proxied calls are
// signed (query, form and JSON bodies) and verified by the provider.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.ts';
import { api, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { writeToolkitsDir } from '../helpers/toolkits.ts';
import { createCookieClient, createLink, csrfOf, openLink } from '../helpers/link-flow.ts';
import { hmacSha1, parseOAuthHeader, signatureBaseString, startOAuth1Provider, type OAuth1Provider } from '../helpers/oauth1-provider.ts';
import { oauth1Authorization } from '../../src/oauth/oauth1.ts';
import { openCredentials } from '../../src/services/account-view.ts';
import type { ToolkitDef } from '../../src/toolkits/types.ts';

describe('OAuth 1.0a signatures', () => {
  test('OAuth Core 1.0 Appendix A.5: the documented HMAC-SHA1 signature of the photos.example.net request', () => {
    const header = oauth1Authorization({
      method: 'GET',
      url: new URL('http://photos.example.net/photos?file=vacation.jpg&size=original'),
      consumer: { key: 'dpf43f3p2l4k3l03', secret: 'kd94hf93k423kf44' },
      token: { key: 'nnch734d00sl2jdk', secret: 'pfkkdhi9sl3r4s00' },
      nonce: 'kllo9940pd9333jh',
      now: () => new Date(1191242096 * 1000),
    });
    const params = parseOAuthHeader(header)!;
    assert.equal(params.get('oauth_signature'), 'tR3+Ty81lMeYAr/Fid0kMTYa/WM=');
    assert.deepEqual([...params.keys()].sort(), [
      'oauth_consumer_key',
      'oauth_nonce',
      'oauth_signature',
      'oauth_signature_method',
      'oauth_timestamp',
      'oauth_token',
      'oauth_version',
    ]);
  });

  test('query values with spaces, plus signs and repeated names, and form bodies, sign as RFC 5849 3.4.1 says', () => {
    const url = new URL('https://api.example.com/1/search?q=a+b%2Bc&tag=x&tag=%E2%9C%93&empty=');
    const form = new URLSearchParams({ status: "Hello Ladies + Gentlemen, a signed OAuth request! (it's *)" });
    const consumer = { key: 'ck', secret: 'c&s' };
    const token = { key: 'tk', secret: 'ts~' };
    const header = oauth1Authorization({ method: 'post', url, formBody: form, consumer, token, protocol: { oauth_verifier: 'v 1' } });
    const params = parseOAuthHeader(header)!;
    assert.equal(params.get('oauth_verifier'), 'v 1', 'protocol parameters travel in the header');
    assert.equal(params.get('oauth_signature'), hmacSha1(signatureBaseString('POST', url, params, form), consumer.secret, token.secret));
  });
});

function oauth1Toolkit(p: OAuth1Provider): ToolkitDef {
  return {
    slug: 'localx',
    name: 'Local X',
    description: 'An OAuth 1.0a provider on 127.0.0.1',
    categories: ['social'],
    docs_url: 'https://docs.x.com/fundamentals/authentication/oauth-1-0a/obtaining-user-access-tokens',
    base_url: `${p.origin}/2`,
    auth_schemes: [
      {
        mode: 'OAUTH1',
        name: 'OAuth 1.0a',
        fields: {
          auth_config_creation: {
            required: [
              { name: 'client_id', display_name: 'API key', description: 'Consumer key', type: 'string', secret: false },
              { name: 'client_secret', display_name: 'API key secret', description: 'Consumer secret', type: 'string', secret: true },
            ],
            optional: [],
          },
          connected_account_initiation: { required: [], optional: [] },
        },
        apply: [{ in: 'oauth1' }],
        oauth1: { ...p.endpoints, signature_method: 'HMAC-SHA1', authorize_params: { force_login: 'true' }, subject_param: 'user_id' },
      },
    ],
  };
}

const APP = 'https://app.example.com/connected';

forEachBackend('OAuth 1.0a through the hosted page and the proxy', (backend) => {
  let x: OAuth1Provider;
  let t: TestApp;
  let authConfigId: string;

  before(async () => {
    x = await startOAuth1Provider();
    t = await startTestApp(backend, {
      listen: true,
      env: { AUTHLINK_TOOLKITS_DIR: writeToolkitsDir([oauth1Toolkit(x)]), AUTHLINK_ALLOW_INSECURE_OAUTH: '1', AUTHLINK_PROXY_ALLOW_PRIVATE: '127.0.0.1' },
    });
    const ac = await api(t).post('/api/v3.1/auth_configs', {
      toolkit: { slug: 'localx' },
      auth_config: { type: 'use_custom_auth', authScheme: 'OAUTH1', credentials: { client_id: x.consumer.key, client_secret: x.consumer.secret } },
    });
    assert.equal(ac.status, 201, ac.text);
    authConfigId = ac.body.auth_config.id;
  });
  after(async () => {
    await t?.close();
    await x?.close();
  });

  /** Consent -> provider -> authlink's callback -> back at the app; returns the app URL reached. */
  async function connect(redirectUrl: string): Promise<URL> {
    const browser = createCookieClient();
    const { csrf } = await openLink(browser, t, redirectUrl);
    const go = await browser.post(`${t.config.publicUrl}/link/authorize`, { csrf });
    assert.equal(go.status, 303, go.text.slice(0, 300));
    const authorize = new URL(go.location!);
    assert.equal(`${authorize.origin}${authorize.pathname}`, x.endpoints.authorization_url);
    assert.equal(authorize.searchParams.get('force_login'), 'true', 'authorize_params');
    assert.match(authorize.searchParams.get('oauth_token') ?? '', /^rt_/);
    const back = await browser.follow(go.location!, { stopAt: (u) => u.startsWith(APP) });
    assert.ok(back.stopped, back.chain.join(' -> '));
    return new URL(back.url);
  }
  const proxy = (id: string, body: Record<string, unknown>) => api(t).post('/api/v3.1/tools/execute/proxy', { connected_account_id: id, ...body });

  test('a person connects: temporary credentials, the provider page, the verifier, token credentials; the account is ACTIVE with the tokens encrypted', async () => {
    const link = await createLink(t, { auth_config_id: authConfigId, user_id: 'alice', callback_url: APP });
    const before = { ...x.counts };
    const back = await connect(link.redirect_url);
    assert.equal(back.searchParams.get('status'), 'success');
    assert.equal(back.searchParams.get('connected_account_id'), link.connected_account_id);
    assert.deepEqual(x.counts, { requestToken: before.requestToken + 1, accessToken: before.accessToken + 1 });
    assert.deepEqual(x.refusals, [], 'every signature verified');

    const got = await api(t).get(`/api/v3.1/connected_accounts/${link.connected_account_id}`);
    assert.equal(got.body.status, 'ACTIVE');
    assert.equal(got.body.state.authScheme, 'OAUTH1');
    assert.match(got.body.state.val.oauth_token, /^\*{8}|^.{4}\*+/);
    assert.match(got.body.state.val.oauth_token_secret, /\*{4}/);
    assert.deepEqual(got.body.state.val.raw_extra, { user_id: '1001', screen_name: 'user1001' });
    const creds = openCredentials(t.runtime.keyRing, (await t.runtime.store.accounts.get(t.projectId, link.connected_account_id))!);
    assert.match(creds.oauth_token as string, /^1001-/);
    for (const secret of [creds.oauth_token as string, creds.oauth_token_secret as string]) assert.ok(!got.text.includes(secret));
    const row = await t.runtime.store.accounts.get(t.projectId, link.connected_account_id);
    assert.equal(row?.provider_subject, '1001', 'subject_param');
    const linkRow = await t.runtime.database.db
      .selectFrom('link_sessions')
      .selectAll()
      .where('connected_account_id', '=', link.connected_account_id)
      .executeTakeFirst();
    assert.ok(linkRow?.oauth1_temporary_enc?.startsWith('v1:'), 'the temporary credentials were kept encrypted');
  });

  test('proxied calls are signed: a GET with a query, a form POST (body signed) and a JSON POST (body not signed); the caller cannot set Authorization', async () => {
    const link = await createLink(t, { auth_config_id: authConfigId, user_id: 'bob', callback_url: APP });
    await connect(link.redirect_url);
    const id = link.connected_account_id;
    const n = x.calls.length;
    const get = await proxy(id, {
      endpoint: '/users/me?user.fields=created_at,description',
      method: 'GET',
      parameters: [{ name: 'q', value: 'a b+c ✓', type: 'query' }],
    });
    assert.equal(get.status, 200, get.text);
    const form = await proxy(id, {
      endpoint: '/tweets',
      method: 'POST',
      body: { text: 'Hello Ladies + Gentlemen, a signed OAuth request!' },
      parameters: [{ name: 'content-type', value: 'application/x-www-form-urlencoded', type: 'header' }],
    });
    assert.equal(form.status, 200, form.text);
    const json = await proxy(id, { endpoint: '/tweets', method: 'POST', body: { text: 'json is not part of the signature' } });
    assert.equal(json.status, 200, json.text);
    assert.deepEqual(x.refusals, []);
    const made = x.calls.slice(n);
    assert.equal(made.length, 3);
    assert.deepEqual(made[0].query, { 'user.fields': 'created_at,description', q: 'a b+c ✓' });
    assert.deepEqual(made[1].form, { text: 'Hello Ladies + Gentlemen, a signed OAuth request!' });
    assert.equal(made[2].contentType, 'application/json');
    const { oauth_token } = openCredentials(t.runtime.keyRing, (await t.runtime.store.accounts.get(t.projectId, id))!);
    assert.deepEqual(
      made.map((c) => c.token),
      [oauth_token, oauth_token, oauth_token],
      "signed with this account's token credentials",
    );

    const forged = await proxy(id, { endpoint: '/users/me', method: 'GET', parameters: [{ name: 'Authorization', value: 'OAuth forged', type: 'header' }] });
    assert.equal(forged.status, 400, forged.text);
    assert.match(forged.body.error.message, /Authorization/);
    assert.equal(x.calls.length, n + 3, 'nothing sent');
  });

  test('the person denies: the account FAILED with access_denied, no token credentials requested', async () => {
    const link = await createLink(t, { auth_config_id: authConfigId, user_id: 'carol', callback_url: APP });
    const before = x.counts.accessToken;
    x.denyNext();
    const back = await connect(link.redirect_url);
    assert.equal(back.searchParams.get('status'), 'failed');
    assert.equal(back.searchParams.get('error'), 'access_denied');
    assert.equal(x.counts.accessToken, before);
    assert.equal((await t.runtime.store.accounts.get(t.projectId, link.connected_account_id))?.status, 'FAILED');
  });

  test('a provider that cannot issue temporary credentials: the consent page says so (502) and the link stays usable', async () => {
    const link = await createLink(t, { auth_config_id: authConfigId, user_id: 'dave', callback_url: APP });
    const browser = createCookieClient();
    const { csrf } = await openLink(browser, t, link.redirect_url);
    x.failRequestTokenWith(503);
    const failed = await browser.post(`${t.config.publicUrl}/link/authorize`, { csrf });
    assert.equal(failed.status, 502);
    assert.match(failed.text, /could not start the sign-in: .*HTTP 503/);
    assert.equal((await t.runtime.store.accounts.get(t.projectId, link.connected_account_id))?.status, 'INITIATED');
    const again = await browser.post(`${t.config.publicUrl}/link/authorize`, { csrf: csrfOf(failed.text) });
    assert.equal(again.status, 303);
    const back = await browser.follow(again.location!, { stopAt: (u) => u.startsWith(APP) });
    assert.equal(new URL(back.url).searchParams.get('status'), 'success');
  });

  test('a callback carrying other temporary credentials than the link got is refused', async () => {
    const link = await createLink(t, { auth_config_id: authConfigId, user_id: 'erin', callback_url: APP });
    const browser = createCookieClient();
    const { csrf } = await openLink(browser, t, link.redirect_url);
    const go = await browser.post(`${t.config.publicUrl}/link/authorize`, { csrf });
    const provider = await browser.get(go.location!);
    const callback = new URL(provider.location!);
    callback.searchParams.set('oauth_token', 'rt_someone_elses');
    const done = await browser.get(callback.href);
    assert.equal(done.status, 303);
    assert.equal(new URL(done.location!).searchParams.get('error'), 'invalid_request');
    assert.equal((await t.runtime.store.accounts.get(t.projectId, link.connected_account_id))?.status, 'FAILED');
  });

  test('a reconnect as another X user is refused and keeps the tokens; as the same user it replaces them', async () => {
    const link = await createLink(t, { auth_config_id: authConfigId, user_id: 'frank', callback_url: APP });
    x.signInAs('2002');
    await connect(link.redirect_url);
    const id = link.connected_account_id;
    const first = openCredentials(t.runtime.keyRing, (await t.runtime.store.accounts.get(t.projectId, id))!);

    const again = await api(t).post(`/api/v3.1/connected_accounts/${id}/refresh`, { redirect_url: APP });
    assert.equal(again.status, 200, again.text);
    x.signInAs('3003');
    const browser = createCookieClient();
    const { csrf } = await openLink(browser, t, again.body.redirect_url);
    const go = await browser.post(`${t.config.publicUrl}/link/authorize`, { csrf });
    const refused = await browser.follow(go.location!, { stopAt: (u) => u.startsWith(APP) });
    assert.equal(refused.last?.status, 400);
    assert.match(refused.last?.text ?? '', /different account/);
    assert.deepEqual(openCredentials(t.runtime.keyRing, (await t.runtime.store.accounts.get(t.projectId, id))!), first);

    const third = await api(t).post(`/api/v3.1/connected_accounts/${id}/refresh`, { redirect_url: APP });
    x.signInAs('2002');
    const back = await connect(third.body.redirect_url);
    assert.equal(back.searchParams.get('status'), 'success');
    const now = openCredentials(t.runtime.keyRing, (await t.runtime.store.accounts.get(t.projectId, id))!);
    assert.notEqual(now.oauth_token, first.oauth_token);
    x.signInAs('1001');
  });

  test("token credentials obtained elsewhere are imported through the API (Composio's OAUTH1 state.val) and sign the next call", async () => {
    // Tokens this provider issued: connect once through the flow, then import them as another account.
    const link = await createLink(t, { auth_config_id: authConfigId, user_id: 'importer-source', callback_url: APP });
    await connect(link.redirect_url);
    const issued = openCredentials(t.runtime.keyRing, (await t.runtime.store.accounts.get(t.projectId, link.connected_account_id))!);
    const bad = await api(t).post('/api/v3.1/connected_accounts', {
      auth_config: { id: authConfigId },
      connection: { user_id: 'importer', state: { authScheme: 'OAUTH1', val: { oauth_token: issued.oauth_token, consumer_key: 'x' } } },
    });
    assert.equal(bad.status, 400, bad.text);
    assert.deepEqual(bad.body.error.errors, [
      'connection.state.val.oauth_token_secret: is required (a string of at most 8192 characters)',
      'connection.state.val.consumer_key: not part of OAuth 1.0a token credentials (allowed: oauth_token, oauth_token_secret)',
    ]);
    const res = await api(t).post('/api/v3.1/connected_accounts', {
      auth_config: { id: authConfigId },
      connection: {
        user_id: 'importer',
        state: { authScheme: 'OAUTH1', val: { oauth_token: issued.oauth_token, oauth_token_secret: issued.oauth_token_secret } },
      },
    });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.status, 'ACTIVE');
    const n = x.calls.length;
    assert.equal((await proxy(res.body.id, { endpoint: '/users/me', method: 'GET' })).status, 200);
    assert.equal(x.calls.length, n + 1);
    assert.equal(x.calls.at(-1)?.token, issued.oauth_token);
    assert.ok(!JSON.stringify((await api(t).get(`/api/v3.1/connected_accounts/${res.body.id}`)).body).includes(issued.oauth_token_secret as string));
  });

  test('POST /refresh without a redirect_url: OAuth 1.0a tokens do not expire, so it answers the account as it is (as for API keys)', async () => {
    const link = await createLink(t, { auth_config_id: authConfigId, user_id: 'gina', callback_url: APP });
    await connect(link.redirect_url);
    const creds = async () => openCredentials(t.runtime.keyRing, (await t.runtime.store.accounts.get(t.projectId, link.connected_account_id))!);
    const before = { tokens: await creds(), counts: { ...x.counts } };
    const res = await api(t).post(`/api/v3.1/connected_accounts/${link.connected_account_id}/refresh`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, 'ACTIVE');
    assert.deepEqual(await creds(), before.tokens);
    assert.deepEqual(x.counts, before.counts, 'no provider call');
  });
});
