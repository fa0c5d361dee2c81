// Issue #8, OAuth and redirect safety (RFC 9700 checklist), what
// test/e2e/link-oauth.test.ts does not already cover: state single use after
// success and bound to one link; PKCE S256 end to end (stored verifier ->
// challenge -> token request); callback URL refusals and the allowlist; no
// redirect anywhere else through any parameter, form field or header; every
// value escaped on every page; CSRF on every form; the link token gone from the
// URL; cookie attributes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forEachBackend } from '../helpers/backends.ts';
import { api, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { createCookieClient, driveOidcInteraction, type CookieClient, type CookieResponse } from '../helpers/cookie-fetch.ts';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.ts';
import { apiKeyToolkit, oidcToolkit, writeToolkitsDir } from '../helpers/toolkits.ts';
import { createProject } from '../../src/services/projects.ts';
import { ENCRYPTED_FIELDS } from '../../src/crypto/fields.ts';
import { hashSecret } from '../../src/crypto/tokens.ts';
import { escapeHtml } from '../../src/views/escape.ts';
import type { ToolkitDef } from '../../src/toolkits/types.ts';
import { dumpDatabase, dumpDiff, send } from './support.ts';
import { QueryRecorder } from '../helpers/query-recorder.ts';

const APP = 'https://app.example.com';
const CALLBACK = `${APP}/connected?tab=integrations`;
const EVIL = 'https://evil.example/steal';

/** Forwards token requests to the provider and keeps their bodies: what authlink really sent. */
async function startTokenTap(target: string) {
  const bodies: URLSearchParams[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      bodies.push(new URLSearchParams(body));
      const headers: Record<string, string> = { 'content-type': String(req.headers['content-type']), accept: String(req.headers.accept ?? 'application/json') };
      if (req.headers.authorization) headers.authorization = req.headers.authorization;
      const r = await fetch(target, { method: 'POST', headers, body });
      res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' }).end(await r.text());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
    bodies,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Markup that must only ever appear escaped; `tag` says where it was put. */
const xss = (tag: string) => `"'><img src=x onerror=alert('${tag}')><script>alert('${tag}')</script>`;
/** The same for places that take no whitespace (OAuth scopes). */
const xssTight = (tag: string) => `"'><img/src=x/onerror=alert('${tag}')><script>alert('${tag}')</script>`;

function hostileToolkits(op: TestOidcProvider, tokenUrl: string): ToolkitDef[] {
  const oauth = oidcToolkit(op, { token_url: tokenUrl, default_scopes: ['openid', xssTight('scope')] });
  oauth.slug = 'xssoidc';
  oauth.name = xss('toolkit-name');
  oauth.description = xss('toolkit-description');
  oauth.auth_schemes[0].name = xss('scheme-name');
  const key = apiKeyToolkit('http://127.0.0.1:9/echo');
  key.slug = 'xsskey';
  key.name = xss('key-toolkit-name');
  key.description = xss('key-toolkit-description');
  key.auth_schemes[0].name = xss('key-scheme-name');
  const fields = key.auth_schemes[0].fields.connected_account_initiation;
  fields.required[0].display_name = xss('field-display-name');
  fields.required[0].description = xss('field-description');
  fields.optional[0].display_name = xss('optional-display-name');
  fields.optional[0].description = xss('optional-description');
  return [oauth, key];
}

/** A browser that remembers every response authlink gave it. */
function recordingBrowser(origin: string) {
  const inner = createCookieClient();
  const seen: CookieResponse[] = [];
  const keep = (r: CookieResponse) => {
    if (r.url.startsWith(origin)) seen.push(r);
    return r;
  };
  const client: CookieClient = {
    get: async (url) => keep(await inner.get(url)),
    post: async (url, form) => keep(await inner.post(url, form)),
    follow: (url, opts) => inner.follow(url, opts),
    cookies: (url) => inner.cookies(url),
  };
  return { client, seen };
}

const csrfOf = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1];

forEachBackend('security: OAuth and redirect safety', (backend) => {
  let op: TestOidcProvider;
  let tap: Awaited<ReturnType<typeof startTokenTap>>;
  let t: TestApp;
  let oauthAc: string;
  let keyAc: string;
  let base: string;
  before(async () => {
    op = await startOidcProvider({ requirePkce: true });
    tap = await startTokenTap(op.tokenUrl);
    const dir = writeToolkitsDir([oidcToolkit(op, { token_url: tap.url }), apiKeyToolkit('http://127.0.0.1:9/echo'), ...hostileToolkits(op, tap.url)]);
    t = await startTestApp(backend, { listen: true, env: { AUTHLINK_TOOLKITS_DIR: dir, AUTHLINK_ALLOW_INSECURE_OAUTH: '1', LOG_LEVEL: 'warn' } });
    base = t.config.publicUrl;
    op.redirectUris = [`${base}/api/v3.1/toolkits/auth/callback`];
    const ac = await api(t).post('/api/v3.1/auth_configs', {
      toolkit: { slug: 'localoidc' },
      auth_config: { type: 'use_custom_auth', authScheme: 'OAUTH2', credentials: { client_id: op.clientId, client_secret: op.clientSecret } },
    });
    oauthAc = ac.body.auth_config.id;
    keyAc = (await api(t).post('/api/v3.1/auth_configs', { toolkit: { slug: 'echoapi' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' } }))
      .body.auth_config.id;
  });
  after(async () => {
    await t.close();
    await tap.close();
    await op.close();
  });

  async function link(body: Record<string, unknown>, key = t.apiKey) {
    const res = await api(t, key).post('/api/v3.1/connected_accounts/link', body);
    assert.equal(res.status, 201, res.text);
    return res.body as { link_token: string; redirect_url: string; connected_account_id: string };
  }

  /** Open, consent, and come back from the provider: the callback URL (not requested yet). */
  async function toCallback(client: CookieClient, redirectUrl: string, extraForm: Record<string, string> = {}) {
    await client.get(redirectUrl);
    const page = await client.get(`${base}/link`);
    const go = await client.post(`${base}/link/authorize`, { csrf: csrfOf(page.text)!, ...extraForm });
    assert.equal(go.status, 303, go.text.slice(0, 300));
    return { authorize: go.location!, back: await driveOidcInteraction(client, go.location!, { login: 'alice', consent: 'accept' }) };
  }

  test('state: single use even after success (no second code exchange), and bound to its link even in the same browser', async () => {
    const l = await link({ auth_config_id: oauthAc, user_id: 'state-user' });
    const client = createCookieClient();
    const { back } = await toCallback(client, l.redirect_url);
    const exchanges = tap.bodies.length;
    assert.equal((await client.get(back)).status, 200);
    assert.equal(tap.bodies.length - exchanges, 1);
    const creds = (await t.runtime.store.accounts.get(t.projectId, l.connected_account_id))!.credentials_enc;
    // Replayed later, by the same browser: "already used" (the cookie was cleared, so the state alone identifies nothing).
    const replay = await client.get(back);
    assert.equal(replay.status, 404, 'no cookie holds that state any more');
    assert.equal(tap.bodies.length - exchanges, 1, 'the code was not exchanged again');
    assert.equal((await t.runtime.store.accounts.get(t.projectId, l.connected_account_id))!.credentials_enc, creds, 'the account did not change');

    // A browser starts link A, then opens link B (the cookie now names B): A's state is refused, A is untouched, B still works.
    const a = await link({ auth_config_id: oauthAc, user_id: 'state-a' });
    const b = await link({ auth_config_id: oauthAc, user_id: 'state-b' });
    const browser = createCookieClient();
    const { back: backA } = await toCallback(browser, a.redirect_url);
    const { back: backB } = await toCallback(browser, b.redirect_url);
    const before = tap.bodies.length;
    assert.equal((await browser.get(backA)).status, 404);
    assert.equal(tap.bodies.length, before, 'no exchange for a state of another link');
    assert.equal((await t.runtime.store.accounts.get(t.projectId, a.connected_account_id))?.status, 'INITIATED');
    assert.equal((await browser.get(backB)).status, 200);
    // A callback without a state, or with the state twice, is refused before anything happens.
    const noState = new URL(backB);
    noState.searchParams.delete('state');
    assert.equal((await createCookieClient().get(noState.href)).status, 404);
  });

  test('PKCE: S256 of the verifier stored encrypted for this link is on the authorize URL, and that verifier is what the token request carried', async () => {
    const l = await link({ auth_config_id: oauthAc, user_id: 'pkce-user' });
    const client = createCookieClient();
    const { authorize, back } = await toCallback(client, l.redirect_url);
    const url = new URL(authorize);
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(url.searchParams.getAll('code_challenge').length, 1);
    const row = (await t.runtime.store.links.byStateHash(hashSecret(url.searchParams.get('state')!)))!;
    assert.match(row.pkce_verifier_enc!, /^v1:/, 'stored encrypted');
    const verifier = t.runtime.keyRing.decrypt(row.pkce_verifier_enc!, ENCRYPTED_FIELDS.pkceVerifier.aad(row));
    assert.match(verifier, /^[A-Za-z0-9._~-]{43,128}$/, 'RFC 7636 verifier');
    assert.equal(createHash('sha256').update(verifier).digest('base64url'), url.searchParams.get('code_challenge'));
    const sent = tap.bodies.length;
    assert.equal((await client.get(back)).status, 200);
    const tokenRequest = tap.bodies[sent];
    assert.equal(tokenRequest.get('grant_type'), 'authorization_code');
    assert.equal(tokenRequest.get('code_verifier'), verifier);
    assert.equal(tokenRequest.get('redirect_uri'), `${base}/api/v3.1/toolkits/auth/callback`);
    // The provider requires PKCE here: the flow only succeeded because the pair matched.
    assert.equal((await t.runtime.store.accounts.get(t.projectId, l.connected_account_id))?.status, 'ACTIVE');
  });

  test('mix-up defence (issue #20 C): a callback whose iss is another issuer, missing or doubled is refused before any token request', async () => {
    for (const [what, change] of [
      ['another issuer', (u: URL) => u.searchParams.set('iss', 'https://evil.example')],
      ['no iss', (u: URL) => u.searchParams.delete('iss')],
      ['iss twice', (u: URL) => u.searchParams.append('iss', 'https://evil.example')],
    ] as const) {
      const l = await link({ auth_config_id: oauthAc, user_id: `mixup-${what}`, callback_url: CALLBACK });
      const client = createCookieClient();
      const { back } = await toCallback(client, l.redirect_url);
      const url = new URL(back);
      assert.equal(url.searchParams.get('iss'), op.issuer, 'the provider sends its issuer');
      change(url);
      const sent = tap.bodies.length;
      const res = await client.get(url.href);
      assert.equal(res.status, 303, `${what}: ${res.text.slice(0, 200)}`);
      const final = new URL(res.location!);
      assert.equal(final.searchParams.get('status'), 'failed', what);
      assert.equal(final.searchParams.get('error'), 'unexpected_body', what);
      assert.equal(tap.bodies.length, sent, `${what}: the code was sent to no token endpoint`);
      const row = (await t.runtime.store.accounts.get(t.projectId, l.connected_account_id))!;
      assert.equal(row.status, 'FAILED', what);
      assert.match(row.status_reason!, /iss does not name the expected issuer/, what);
      assert.equal(row.credentials_enc, null);
    }
  });

  test("mix-up defence (issue #20 C): a callback is refused when the link's auth config client changed after the authorization started", async () => {
    const l = await link({ auth_config_id: oauthAc, user_id: 'mixup-client', callback_url: CALLBACK });
    const client = createCookieClient();
    const { back } = await toCallback(client, l.redirect_url);
    const patch = (clientId: string) =>
      api(t).patch(`/api/v3.1/auth_configs/${oauthAc}`, { credentials: { client_id: clientId, client_secret: op.clientSecret } });
    assert.equal((await patch('another-client-id')).status, 200);
    try {
      const sent = tap.bodies.length;
      const res = await client.get(back);
      assert.equal(res.status, 303, res.text.slice(0, 200));
      const final = new URL(res.location!);
      assert.equal(final.searchParams.get('status'), 'failed');
      assert.equal(final.searchParams.get('error'), 'auth_config_changed');
      assert.equal(tap.bodies.length, sent, 'the code was not exchanged with the new client');
      const row = (await t.runtime.store.accounts.get(t.projectId, l.connected_account_id))!;
      assert.equal(row.status, 'FAILED');
      assert.equal(row.status_reason, 'The auth config or its OAuth client changed while the user was connecting');
    } finally {
      assert.equal((await patch(op.clientId)).status, 200);
    }
    // Unchanged settings still connect.
    const ok = await link({ auth_config_id: oauthAc, user_id: 'mixup-client-ok' });
    const b2 = createCookieClient();
    assert.equal((await b2.get((await toCallback(b2, ok.redirect_url)).back)).status, 200);
  });

  const REFUSED_URLS = [
    'javascript:alert(1)',
    'JaVaScRiPt:alert(document.cookie)',
    'javascript://app.example.com/%0aalert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox(1)',
    'file:///etc/passwd',
    'ftp://app.example.com/cb',
    'about:blank',
    'blob:https://app.example.com/x',
    '//evil.example/cb',
    '/\\evil.example/cb',
    '\\\\evil.example\\cb',
    '/relative/cb',
    'evil.example/cb',
    'https://user:pass@app.example.com/cb',
    'https://app.example.com@evil.example/cb',
    'https:',
    'http://',
    '',
  ];
  /** Repaired by the WHATWG parser into a different, valid URL: authlink should refuse them rather than store the repaired form. */
  const REPAIRED_URLS = [
    ' https://evil.example/cb',
    '\thttps://evil.example/cb',
    'https://evil.example/cb\n',
    'https:\\\\evil.example\\cb',
    'https:/\\evil.example/cb',
    'https://evil.example/c\nb',
    'https://evil.example/c\tb',
  ];

  /** Every place that takes a callback URL; each answers 400 and writes nothing for a bad one. */
  async function assertRefusedEverywhere(url: string) {
    const session = await api(t).post('/api/v3.1/tool_router/session', { user_id: 'cb-user' });
    const before = await dumpDatabase(t);
    const calls = {
      link: await api(t).post('/api/v3.1/connected_accounts/link', { auth_config_id: oauthAc, user_id: 'cb-user', callback_url: url }),
      legacy: await api(t).post('/api/v3.1/connected_accounts', { auth_config: { id: oauthAc }, connection: { user_id: 'cb-user', callback_url: url } }),
      sessionCreate: await api(t).post('/api/v3.1/tool_router/session', { user_id: 'cb-user', manage_connections: { callback_url: url } }),
      sessionPatch: await api(t).patch(`/api/v3.1/tool_router/session/${session.body.session_id}`, { manage_connections: { callback_url: url } }),
      sessionLink: await api(t).post(`/api/v3.1/tool_router/session/${session.body.session_id}/link`, { toolkit: 'localoidc', callback_url: url }),
      allowlist: await api(t).patch('/api/v3.1/project/settings', { callback_url_allowlist: [url] }),
    };
    for (const [where, res] of Object.entries(calls))
      assert.equal(res.status, 400, `${JSON.stringify(url)} via ${where}: ${res.status} ${res.text.slice(0, 200)}`);
    assert.equal(dumpDiff(before, await dumpDatabase(t)), '', `${JSON.stringify(url)}: something was written`);
  }

  test('callback URLs: script, data, file, protocol-relative, backslash, relative and credential-bearing URLs are refused everywhere one is accepted', async () => {
    for (const url of REFUSED_URLS) await assertRefusedEverywhere(url);
  });

  test('callback URLs: whitespace-prefixed, control-character and backslash forms the URL parser would repair are refused too', async () => {
    for (const url of REPAIRED_URLS) await assertRefusedEverywhere(url);
  });

  test('callback URL allowlist: exact match only, and even an allowlisted script URL cannot be set', async () => {
    const allowed = `${APP}/cb`;
    assert.equal((await api(t).patch('/api/v3.1/project/settings', { callback_url_allowlist: [allowed] })).status, 200);
    try {
      assert.equal((await api(t).post('/api/v3.1/connected_accounts/link', { auth_config_id: keyAc, user_id: 'al-user', callback_url: allowed })).status, 201);
      const variants = [
        `${allowed}/`,
        `${APP}/CB`,
        'https://APP.example.com/cb',
        `${allowed}?next=${EVIL}`,
        `${allowed}#x`,
        'https://app.example.com:443/cb',
        'http://app.example.com/cb',
        `${APP}/cb/../evil`,
        `${APP}/%63b`,
        'https://app.example.com.evil.example/cb',
        `https://evil.example@app.example.com/cb`,
        ` ${allowed}`,
      ];
      for (const v of variants) {
        const res = await api(t).post('/api/v3.1/connected_accounts/link', { auth_config_id: keyAc, user_id: 'al-user', callback_url: v });
        assert.equal(res.status, 400, `${JSON.stringify(v)}: ${res.status}`);
        assert.equal(res.body.error.slug, 'ConnectedAccount_CallbackUrlInvalid');
      }
      const session = await api(t).post('/api/v3.1/tool_router/session', { user_id: 'al-user', manage_connections: { callback_url: `${allowed}?x=1` } });
      assert.equal(session.status, 400, 'sessions honour the allowlist too');
    } finally {
      await api(t).patch('/api/v3.1/project/settings', { callback_url_allowlist: [] });
    }
  });

  test("the outcome parameters are authlink's (finding 8): a callback_url cannot pre-set status, the account id, error or session_uri, on success or failure, through any place that takes one", async () => {
    const preset = `${APP}/cb?status=success&connected_account_id=ca_forged&error=access_denied&session_uri=forged&keep=1`;
    /** Every place a callback URL comes from, each making one API-key link with `preset`. */
    const sources: Record<string, (user: string) => Promise<{ redirect_url: string; connected_account_id: string }>> = {
      link: (user) => link({ auth_config_id: keyAc, user_id: user, callback_url: preset }),
      legacy: async (user) => {
        const res = await api(t).post('/api/v3.1/connected_accounts', { auth_config: { id: keyAc }, connection: { user_id: user, callback_url: preset } });
        assert.equal(res.status, 201, res.text);
        return { redirect_url: res.body.redirect_url, connected_account_id: res.body.id };
      },
      sessionDefault: async (user) => {
        const s = await api(t).post('/api/v3.1/tool_router/session', {
          user_id: user,
          auth_configs: { echoapi: keyAc },
          manage_connections: { callback_url: preset },
        });
        assert.equal(s.status, 201, s.text);
        const res = await api(t).post(`/api/v3.1/tool_router/session/${s.body.session_id}/link`, { toolkit: 'echoapi' });
        assert.equal(res.status, 201, res.text);
        return res.body;
      },
      sessionLink: async (user) => {
        const s = await api(t).post('/api/v3.1/tool_router/session', { user_id: user, auth_configs: { echoapi: keyAc } });
        const res = await api(t).post(`/api/v3.1/tool_router/session/${s.body.session_id}/link`, { toolkit: 'echoapi', callback_url: preset });
        assert.equal(res.status, 201, res.text);
        return res.body;
      },
    };
    for (const [where, make] of Object.entries(sources)) {
      for (const path of ['submit', 'cancel'] as const) {
        const l = await make(`preset-${where}-${path}`);
        const client = createCookieClient();
        await client.get(l.redirect_url);
        const page = await client.get(`${base}/link`);
        const done = await client.post(`${base}/link/${path}`, { csrf: csrfOf(page.text)!, api_key: 'k-0123456789abcdef' });
        assert.equal(done.status, 303, `${where} ${path}: ${done.text.slice(0, 200)}`);
        const final = new URL(done.location!);
        assert.equal(final.origin + final.pathname, `${APP}/cb`);
        const expected =
          path === 'submit'
            ? { keep: ['1'], status: ['success'], connected_account_id: [l.connected_account_id], error: [], session_uri: [] }
            : { keep: ['1'], status: ['failed'], connected_account_id: [l.connected_account_id], error: ['cancelled'], session_uri: [] };
        for (const [name, values] of Object.entries(expected))
          assert.deepEqual(final.searchParams.getAll(name), values, `${where} ${path}: ${name} in ${final.search}`);
      }
    }
  });

  test('no parameter or form field of the hosted page or the callback sends the browser anywhere but /link, the provider or the registered callback', async () => {
    const attacker = {
      redirect_uri: EVIL,
      redirect: EVIL,
      next: EVIL,
      return_to: EVIL,
      returnTo: EVIL,
      callback_url: EVIL,
      url: EVIL,
      continue: EVIL,
      state: 'attacker-state',
      client_id: 'attacker-client',
      scope: 'admin',
      response_type: 'token',
      code_challenge_method: 'plain',
      code_challenge: 'x'.repeat(43),
    };
    const q = new URLSearchParams(attacker).toString();
    const { client, seen } = recordingBrowser(base);
    // OAuth: attacker parameters on the link, the page, the consent form and the callback.
    const o = await link({ auth_config_id: oauthAc, user_id: 'redir-user', callback_url: CALLBACK });
    await client.get(`${o.redirect_url}?${q}`);
    const page = await client.get(`${base}/link?${q}`);
    const go = await client.post(`${base}/link/authorize?${q}`, { csrf: csrfOf(page.text)!, ...attacker });
    const authorize = new URL(go.location!);
    assert.equal(authorize.origin + authorize.pathname, op.authorizationUrl);
    assert.equal(authorize.searchParams.get('redirect_uri'), `${base}/api/v3.1/toolkits/auth/callback`);
    assert.equal(authorize.searchParams.get('client_id'), op.clientId);
    assert.equal(authorize.searchParams.get('response_type'), 'code');
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.notEqual(authorize.searchParams.get('state'), 'attacker-state');
    assert.notEqual(authorize.searchParams.get('code_challenge'), attacker.code_challenge);
    assert.equal(authorize.searchParams.get('scope'), 'openid offline_access repo');
    for (const k of Object.keys(attacker)) assert.equal(authorize.searchParams.getAll(k).length <= 1, true, `${k} appears once`);
    const back = new URL(await driveOidcInteraction(client, go.location!, { login: 'alice', consent: 'accept' }));
    for (const [k, v] of Object.entries(attacker)) if (k !== 'state') back.searchParams.append(k, v);
    const done = await client.get(back.href);
    assert.equal(new URL(done.location!).origin, APP);
    // API key form: the same on submit and cancel.
    for (const action of ['submit', 'cancel']) {
      const k = await link({ auth_config_id: keyAc, user_id: `redir-${action}`, callback_url: CALLBACK });
      await client.get(`${k.redirect_url}?${q}`);
      const p = await client.get(`${base}/link?${q}`);
      const res = await client.post(`${base}/link/${action}?${q}`, { csrf: csrfOf(p.text)!, api_key: 'k-0123456789abcdef', ...attacker });
      assert.equal(res.status, 303, res.text.slice(0, 200));
      assert.equal(new URL(res.location!).origin, APP);
    }
    // Without a callback URL: a page, never a redirect, whatever the parameters say.
    const none = await link({ auth_config_id: keyAc, user_id: 'redir-none' });
    await client.get(`${none.redirect_url}?${q}`);
    const p = await client.get(`${base}/link?${q}`);
    const res = await client.post(`${base}/link/submit?${q}`, { csrf: csrfOf(p.text)!, api_key: 'k-0123456789abcdef', ...attacker });
    assert.equal(res.status, 200);
    assert.equal(res.location, undefined);
    for (const r of seen) {
      if (!r.location) continue;
      const ok = r.location === `${base}/link` || r.location.startsWith(`${op.authorizationUrl}?`) || new URL(r.location).origin === APP;
      assert.ok(ok, `${r.url} redirected to ${r.location}`);
      assert.ok(!r.location.includes('evil.example'), `${r.url} -> ${r.location}`);
    }
    for (const r of seen) assert.ok(!r.text.includes('href="https://evil.example') && !r.text.includes(`action="${EVIL}`), `${r.url} links to the attacker`);
  });

  test('every value on every page is escaped: hostile project, toolkit, scheme, field, scope, alias, user id, connection data and provider error text', async () => {
    const { project, apiKey } = await createProject(t.runtime.store, xss('project-name'), new Date());
    const xssOauth = (
      await api(t, apiKey).post('/api/v3.1/auth_configs', {
        toolkit: { slug: 'xssoidc' },
        auth_config: { type: 'use_custom_auth', authScheme: 'OAUTH2', credentials: { client_id: op.clientId, client_secret: op.clientSecret } },
      })
    ).body.auth_config.id;
    const xssKey = (
      await api(t, apiKey).post('/api/v3.1/auth_configs', { toolkit: { slug: 'xsskey' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' } })
    ).body.auth_config.id;
    assert.ok(xssOauth && xssKey && project.id);
    const who = { user_id: xss('user-id'), alias: xss('alias') };
    const { client, seen } = recordingBrowser(base);

    // Credential form: rendered, re-rendered with errors, then the success page.
    const k = await link({ auth_config_id: xssKey, ...who, connection_data: { workspace: xss('connection-data') } }, apiKey);
    await client.get(k.redirect_url);
    const form = await client.get(`${base}/link`);
    const again = await client.post(`${base}/link/submit`, { csrf: csrfOf(form.text)!, workspace: xss('submitted-workspace') });
    assert.equal(again.status, 400, 'missing api_key: the form again, with errors');
    assert.equal((await client.post(`${base}/link/submit`, { csrf: csrfOf(again.text)!, api_key: 'k-0123456789abcdef' })).status, 200);
    // Consent page, then: cancel; provider denial; a provider error with hostile text; success.
    const flows: Array<'cancel' | 'deny' | 'error' | 'accept'> = ['cancel', 'deny', 'error', 'accept'];
    for (const flow of flows) {
      const o = await link({ auth_config_id: xssOauth, ...who, account_type: 'SHARED' }, apiKey);
      await client.get(o.redirect_url);
      const consent = await client.get(`${base}/link`);
      assert.equal(consent.status, 200);
      if (flow === 'cancel') {
        await client.post(`${base}/link/cancel`, { csrf: csrfOf(consent.text)! });
        continue;
      }
      const go = await client.post(`${base}/link/authorize`, { csrf: csrfOf(consent.text)! });
      if (flow === 'error') {
        const state = new URL(go.location!).searchParams.get('state')!;
        await client.get(
          `${base}/api/v3.1/toolkits/auth/callback?${new URLSearchParams({ state, error: 'server_error', error_description: xss('provider-error'), error_uri: 'javascript:alert(1)' })}`,
        );
        continue;
      }
      await client.get(await driveOidcInteraction(client, go.location!, { login: 'alice', consent: flow }));
    }
    // Error pages of the hosted page too.
    await client.get(`${base}/link/${encodeURIComponent(xss('token'))}`);
    await client.get(`${base}/api/v3.1/toolkits/auth/callback?state=${encodeURIComponent(xss('state'))}`);

    const pages = seen.filter((r) => /text\/html/.test(r.headers.get('content-type') ?? ''));
    assert.ok(pages.length >= 12, `${pages.length} pages`);
    const tags = [
      'project-name',
      'toolkit-name',
      'toolkit-description',
      'scheme-name',
      'scope',
      'key-toolkit-name',
      'key-toolkit-description',
      'key-scheme-name',
      'field-display-name',
      'field-description',
      'optional-display-name',
      'optional-description',
      'user-id',
      'alias',
      'connection-data',
      'submitted-workspace',
      'provider-error',
      'token',
      'state',
    ];
    for (const page of pages) {
      for (const tag of tags) {
        for (const payload of [xss(tag), xssTight(tag)]) assert.ok(!page.text.includes(payload), `raw ${tag} on ${page.url}`);
        assert.ok(!page.text.includes(`<script>alert('${tag}')`) && !page.text.includes(`onerror=alert('${tag}')>`), `live markup from ${tag} on ${page.url}`);
      }
      assert.ok(!/<script/i.test(page.text), `a script element on ${page.url}`);
      assert.ok(!/(href|src|action)="\s*javascript:/i.test(page.text), `a javascript: URL on ${page.url}`);
      assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    }
    // The values are shown (escaped), so the check above is not vacuous.
    const all = pages.map((p) => p.text).join('\n');
    for (const tag of ['project-name', 'toolkit-name', 'key-toolkit-name', 'field-display-name', 'user-id', 'alias', 'connection-data'])
      assert.ok(all.includes(escapeHtml(xss(tag))), `${tag} is displayed`);
    assert.ok(all.includes(escapeHtml(xssTight('scope'))), 'the scope is displayed');
  });

  test("CSRF: every form carries the session token; a POST without it, with a wrong one or with another link's is refused and changes nothing; GET never acts", async () => {
    const { client: one } = recordingBrowser(base);
    const { client: two } = recordingBrowser(base);
    const key1 = await link({ auth_config_id: keyAc, user_id: 'csrf-1', callback_url: CALLBACK });
    const key2 = await link({ auth_config_id: keyAc, user_id: 'csrf-2', callback_url: CALLBACK });
    const oauth1 = await link({ auth_config_id: oauthAc, user_id: 'csrf-3', callback_url: CALLBACK });
    await two.get(key2.redirect_url);
    const otherCsrf = csrfOf((await two.get(`${base}/link`)).text)!;
    for (const [l, actions] of [
      [key1, ['submit', 'cancel']],
      [oauth1, ['authorize', 'cancel']],
    ] as const) {
      await one.get(l.redirect_url);
      const page = await one.get(`${base}/link`);
      const token = csrfOf(page.text)!;
      assert.ok(token.length >= 32, 'a long unguessable token');
      const row = (await t.runtime.store.links.byTokenHash(hashSecret(l.link_token)))!;
      assert.equal(row.csrf_token, null, 'no form token was stored by a GET');
      assert.equal(row.browser_hash, null, 'nothing bound by a GET');
      const forms = [...page.text.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)];
      assert.ok(forms.length >= 2);
      for (const [, attrs, inner] of forms) {
        assert.match(attrs, /method="post"/);
        assert.match(attrs, /action="\/link\/(authorize|submit|cancel)"/);
        assert.ok(inner.includes(`<input type="hidden" name="csrf" value="${token}">`), `form ${attrs} carries the token`);
      }
      const before = await dumpDatabase(t);
      for (const action of actions) {
        for (const [what, form, query] of [
          ['no token', {}, ''],
          ['empty token', { csrf: '' }, ''],
          ['wrong token', { csrf: token.slice(0, -1) + (token.endsWith('a') ? 'b' : 'a') }, ''],
          ["another link's token", { csrf: otherCsrf }, ''],
          ['token in the query only', {}, `?csrf=${token}`],
          ['token twice', { csrf: [token, 'x'] as unknown as string }, ''],
        ] as const) {
          const res = await one.post(
            `${base}/link/${action}${query}`,
            new URLSearchParams(Object.entries(form).flatMap(([k, v]) => ([] as string[]).concat(v).map((x) => [k, x]))),
          );
          assert.equal(res.status, 403, `${action} with ${what}: ${res.status}`);
          assert.equal(res.location, undefined);
        }
        const get = await one.get(`${base}/link/${action}?csrf=${token}`);
        assert.equal(get.status, 404, `GET /link/${action}: ${get.status}`);
      }
      assert.equal(dumpDiff(before, await dumpDatabase(t)), '', 'refused forms changed nothing');
      // The rightful POST works.
      const ok = await one.post(`${base}/link/${actions[0]}`, { csrf: token, api_key: 'k-0123456789abcdef' });
      assert.equal(ok.status, 303);
    }
  });

  test('issue #20 B: link-preview bots and mail scanners (any number of GETs, with or without cookies) bind, mint and consume nothing; the person still connects', async () => {
    for (const ac of [oauthAc, keyAc]) {
      const l = await link({ auth_config_id: ac, user_id: `bot-target-${ac}`, callback_url: CALLBACK });
      const before = await dumpDatabase(t);
      const bots = [createCookieClient(), createCookieClient(), createCookieClient()];
      for (let round = 0; round < 3; round++) {
        for (const bot of bots) {
          const opened = await bot.get(l.redirect_url);
          assert.equal(opened.status, 303);
          const page = await bot.get(`${base}/link`);
          assert.equal(page.status, 200, 'every bot sees the page');
          const followed = await bot.follow(l.redirect_url);
          assert.equal(followed.last?.status, 200);
        }
        // A scanner that keeps no cookies.
        assert.equal((await fetch(l.redirect_url, { redirect: 'follow' })).status, 404, 'without the cookie /link has nothing to show');
        assert.equal((await fetch(l.redirect_url, { method: 'HEAD', redirect: 'manual' })).status, 303);
      }
      assert.equal(dumpDiff(before, await dumpDatabase(t)), '', 'GETs wrote nothing');
      // The person, opening it after all of them, acts and connects.
      const person = createCookieClient();
      await person.get(l.redirect_url);
      const page = await person.get(`${base}/link`);
      let done: CookieResponse;
      if (ac === keyAc) done = await person.post(`${base}/link/submit`, { csrf: csrfOf(page.text)!, api_key: 'k-0123456789abcdef' });
      else {
        const go = await person.post(`${base}/link/authorize`, { csrf: csrfOf(page.text)! });
        done = await person.get(await driveOidcInteraction(person, go.location!, { login: 'alice', consent: 'accept' }));
      }
      assert.equal(new URL(done.location!).searchParams.get('status'), 'success');
      // The bots, coming back after the person acted, get "opened elsewhere" or "already used", and nothing changes.
      const after = await dumpDatabase(t);
      for (const bot of bots) {
        assert.equal((await bot.get(l.redirect_url)).status, 409);
        assert.equal((await bot.get(`${base}/link`)).status, 409);
      }
      assert.equal(dumpDiff(after, await dumpDatabase(t)), '');
    }
  });

  test('the link token leaves the URL on first open and is in no later response', async () => {
    const l = await link({ auth_config_id: oauthAc, user_id: 'token-user', callback_url: CALLBACK });
    const { client, seen } = recordingBrowser(base);
    const first = await client.get(l.redirect_url);
    assert.equal(first.status, 303);
    assert.equal(first.headers.get('location'), '/link', 'relative, without the token');
    assert.equal(first.headers.get('referrer-policy'), 'no-referrer');
    assert.equal(first.headers.get('cache-control'), 'no-store');
    const cookie = first.headers.getSetCookie()[0];
    assert.ok(!cookie.includes(l.link_token) && !cookie.includes(l.link_token.slice(3)), 'the cookie is not the token');
    // The rest of the flow in that browser.
    const page = await client.get(`${base}/link`);
    const go = await client.post(`${base}/link/authorize`, { csrf: csrfOf(page.text)! });
    await client.get(await driveOidcInteraction(client, go.location!, { login: 'alice', consent: 'accept' }));
    assert.ok(seen.length >= 4);
    for (const r of seen.slice(1)) {
      const headers = [...r.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n');
      assert.ok(!r.text.includes(l.link_token) && !headers.includes(l.link_token), `the token is in the response to ${r.url}`);
      assert.ok(!r.url.includes(l.link_token) || r.url === l.redirect_url, `the token is in ${r.url}`);
    }
    for (const r of seen.filter((x) => /text\/html/.test(x.headers.get('content-type') ?? ''))) assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
  });
});

forEachBackend('security: hosted-page cookies of the wrong shape (issue #20 F)', (backend) => {
  const recorder = new QueryRecorder();
  let t: TestApp;
  before(async () => {
    t = await startTestApp(backend, { storePlugin: recorder, env: { LOG_LEVEL: 'warn' } });
  });
  after(() => t.close());

  test('are refused with exactly 404 before any store query, on every hosted-page route (once a 400 on PostgreSQL and a 404 on SQLite)', async () => {
    const id = `ls_${'a'.repeat(12)}`;
    const secret = `bs_${'b'.repeat(32)}`;
    const mac = `op_${'c'.repeat(43)}`;
    const cookies = [
      '%00',
      `${id}.%00`,
      `${id}%00.${secret}`,
      `ls_aaaaaaaaaaa%00.${secret}`,
      `${id}.bs_${'b'.repeat(31)}%00`,
      `${id}.${secret}%00`,
      `${id}.${'b'.repeat(35)}`,
      `${id}.${secret}x`,
      `${id}.bs_${'b'.repeat(31)}`,
      `ls_${'a'.repeat(11)}.${secret}`,
      `ls_${'A'.repeat(12)}.${secret}`,
      `${id}.op_${'c'.repeat(42)}`,
      `${id}.${mac}.${mac}`,
      `${id}..${secret}`,
      `${id}.${secret}%20`,
      `${id}.${secret.replace('b', '%2F')}`,
      `${id}.bs_${'é'.repeat(32)}`,
      `${id}`,
      `x${id}.${secret}`,
      `lt_${'d'.repeat(32)}`,
      "' OR 1=1 --",
    ];
    const routes: Array<{ method: 'GET' | 'POST'; url: string }> = [
      { method: 'GET', url: '/link' },
      { method: 'POST', url: '/link/authorize' },
      { method: 'POST', url: '/link/submit' },
      { method: 'POST', url: '/link/cancel' },
      { method: 'GET', url: '/api/v3.1/toolkits/auth/callback?state=some-state-value&code=c' },
    ];
    for (const cookie of cookies) {
      for (const { method, url } of routes) {
        recorder.reset();
        const res = await t.app.inject({
          method,
          url,
          headers: { cookie: `authlink_link=${cookie}`, ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
          ...(method === 'POST' ? { payload: 'csrf=x' } : {}),
        });
        const label = `${method} ${url} cookie=${JSON.stringify(cookie)}`;
        assert.equal(res.statusCode, 404, `${label}: ${res.statusCode}`);
        assert.equal(recorder.nodes.length, 0, `${label}: ${recorder.nodes.length} store queries`);
      }
    }
    // The check is not vacuous: a cookie of the right shape is looked up.
    recorder.reset();
    assert.equal((await t.app.inject({ method: 'GET', url: '/link', headers: { cookie: `authlink_link=${id}.${secret}` } })).statusCode, 404);
    assert.ok(recorder.nodes.length > 0, 'a well-formed cookie reaches the store');
  });
});

describe('security: hosted page cookies and headers, https public URL behind a proxy', () => {
  let t: TestApp;
  let httpApp: TestApp;
  before(async () => {
    t = await startTestApp('sqlite', { env: { AUTHLINK_PUBLIC_URL: 'https://auth.example.com', AUTHLINK_TRUST_PROXY: '1', LOG_LEVEL: 'warn' } });
    httpApp = await startTestApp('sqlite', { env: { LOG_LEVEL: 'warn' } });
  });
  after(async () => {
    await t.close();
    await httpApp.close();
  });

  const SPOOF = {
    host: 'evil.example',
    'x-forwarded-host': 'evil.example',
    'x-forwarded-proto': 'http',
    forwarded: 'host=evil.example;proto=http',
    'x-original-url': '/evil',
    'x-rewrite-url': '/evil',
  };

  async function githubLink(app: TestApp, headers: Record<string, string> = {}) {
    const ac = await api(app).post('/api/v3.1/auth_configs', {
      toolkit: { slug: 'github' },
      auth_config: { type: 'use_custom_auth', authScheme: 'OAUTH2', credentials: { client_id: 'gh-id', client_secret: 'gh-secret-0123456789' } },
    });
    const res = await api(app).post(
      '/api/v3.1/connected_accounts/link',
      { auth_config_id: ac.body.auth_config.id, user_id: 'cookie-user', callback_url: `${APP}/cb` },
      headers,
    );
    assert.equal(res.status, 201, res.text);
    return res.body as { link_token: string; redirect_url: string };
  }

  /** Every attribute of a Set-Cookie line, lowercased, with its value. */
  const attrs = (line: string) =>
    new Map(
      line
        .split(';')
        .slice(1)
        .map((a) => [a.split('=')[0].trim().toLowerCase(), a.split('=')[1]?.trim() ?? '']),
    );

  test('https public URL (issue #20 B): the cookie is __Host-authlink_link, HttpOnly, Secure, SameSite=Lax, Path=/, host-only, on open and on binding; cleared the same way', async () => {
    const l = await githubLink(t);
    const open = await send(t, { method: 'GET', url: new URL(l.redirect_url).pathname });
    assert.equal(open.statusCode, 303);
    const pending = String(open.headers['set-cookie']);
    const jar = pending.split(';')[0];
    const page = await send(t, { method: 'GET', url: '/link', headers: { cookie: jar } });
    assert.equal(page.statusCode, 200);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1];
    // The first action binds the link: a new cookie, same attributes.
    const act = await send(t, {
      method: 'POST',
      url: '/link/authorize',
      headers: { cookie: jar, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `csrf=${csrf}`,
    });
    assert.equal(act.statusCode, 303);
    const bound = String(act.headers['set-cookie']);
    assert.notEqual(bound.split(';')[0], jar);
    for (const cookie of [pending, bound]) {
      assert.match(cookie, /^__Host-authlink_link=[^;]+;/);
      const a = attrs(cookie);
      assert.deepEqual([a.has('httponly'), a.has('secure'), a.get('samesite'), a.get('path'), a.has('domain')], [true, true, 'Lax', '/', false], cookie);
    }
    // Cleared when the flow ends: same name, Secure and Path=/, or a browser would keep it.
    const page2 = await send(t, { method: 'GET', url: '/link', headers: { cookie: bound.split(';')[0] } });
    const cancel = await send(t, {
      method: 'POST',
      url: '/link/cancel',
      headers: { cookie: bound.split(';')[0], 'content-type': 'application/x-www-form-urlencoded' },
      payload: `csrf=${/name="csrf" value="([^"]+)"/.exec(page2.body)![1]}`,
    });
    assert.equal(cancel.statusCode, 303);
    const cleared = String(cancel.headers['set-cookie']);
    assert.match(cleared, /^__Host-authlink_link=;/);
    const c = attrs(cleared);
    assert.deepEqual([c.has('secure'), c.get('path'), c.has('domain')], [true, '/', false]);
    assert.match(cleared, /Expires=Thu, 01 Jan 1970/i);
    // The old name is not read: a plain authlink_link cookie holding the bound value gets nothing.
    const plain = await send(t, { method: 'GET', url: '/link', headers: { cookie: `authlink_link=${bound.split(';')[0].split('=')[1]}` } });
    assert.equal(plain.statusCode, 404);
  });

  test('http public URL (local development): authlink_link, HttpOnly and SameSite=Lax, not Secure and no __Host- prefix (a browser would drop either)', async () => {
    const l = await githubLink(httpApp);
    const open = await send(httpApp, { method: 'GET', url: new URL(l.redirect_url).pathname });
    const cookie = String(open.headers['set-cookie']);
    assert.match(cookie, /^authlink_link=[^;]+;/);
    const a = attrs(cookie);
    assert.deepEqual([a.has('httponly'), a.has('secure'), a.get('samesite'), a.get('path')], [true, false, 'Lax', '/']);
  });

  test('Host and X-Forwarded-* (even with AUTHLINK_TRUST_PROXY=1) change neither the links nor the redirect URI nor any redirect', async () => {
    const l = await githubLink(t, SPOOF);
    assert.ok(l.redirect_url.startsWith('https://auth.example.com/link/lt_'), l.redirect_url);
    const open = await send(t, { method: 'GET', url: new URL(l.redirect_url).pathname, headers: SPOOF });
    assert.equal(open.headers.location, '/link');
    const jar = String(open.headers['set-cookie']).split(';')[0];
    const page = await send(t, { method: 'GET', url: '/link', headers: { ...SPOOF, cookie: jar } });
    assert.ok(!page.body.includes('evil.example'));
    assert.ok(!String(page.headers['content-security-policy']).includes('evil.example'));
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1];
    const go = await send(t, {
      method: 'POST',
      url: '/link/authorize',
      headers: { ...SPOOF, cookie: jar, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `csrf=${csrf}`,
    });
    const authorize = new URL(String(go.headers.location));
    assert.equal(authorize.origin, 'https://github.com');
    assert.equal(authorize.searchParams.get('redirect_uri'), 'https://auth.example.com/api/v3.1/toolkits/auth/callback');
    const session = await api(t).post('/api/v3.1/tool_router/session', { user_id: 'u' }, SPOOF);
    assert.ok(session.body.mcp.url.startsWith('https://auth.example.com/'), session.body.mcp.url);
  });
});
