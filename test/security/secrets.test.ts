// Issue #8, secrets. One life of a project at LOG_LEVEL=debug: an OAuth2
// connect, an API-key connect through the hosted form and one through the
// API, a refresh (and a failed one), proxy calls (direct and through a
// tool-router session), a webhook endpoint (created, rotated) and its
// deliveries. Every credential and token value used is then looked for, in
// clear, in the logs, in every HTTP response authlink gave (bodies and
// headers), in what the webhook receiver got, and in the raw database (every
// row of every table; on SQLite also the bytes of the database files).
//
// A secret may appear only in the one response that hands it to its owner:
// the link token in the 201 of POST .../link, the OAuth state in the redirect
// that sends the browser to the provider, the browser cookie in its
// Set-Cookie, a webhook secret in the 201/200 that creates or rotates it.
// Reveal (allow_credential_reveal) stays off.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { forEachBackend } from '../helpers/backends.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { createCookieClient, driveOidcInteraction } from '../helpers/cookie-fetch.ts';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.ts';
import { apiKeyToolkit, oidcToolkit, writeToolkitsDir } from '../helpers/toolkits.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { openCredentials } from '../../src/services/account-view.ts';
import { ENCRYPTED_FIELDS } from '../../src/crypto/fields.ts';
import { hashSecret } from '../../src/crypto/tokens.ts';
import { dumpDatabase, startQuietUpstream } from './support.ts';

interface Seen {
  what: string;
  status: number;
  headers: string;
  body: string;
}

forEachBackend('security: secrets never in clear', (backend) => {
  let op: TestOidcProvider;
  let upstream: Awaited<ReturnType<typeof startQuietUpstream>>;
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  let t: TestApp;
  let base: string;
  const seen: Seen[] = [];
  /** name -> value of every secret used; `allowedIn` says which single response may carry it. */
  const secrets = new Map<string, { value: string; allowedIn?: (s: Seen) => boolean }>();
  const secret = (name: string, value: unknown, allowedIn?: (s: Seen) => boolean) => {
    assert.equal(typeof value, 'string', `${name} is a string`);
    assert.ok((value as string).length >= 8, `${name} is long enough to search for`);
    secrets.set(name, { value: value as string, allowedIn });
  };

  before(async () => {
    op = await startOidcProvider({ rotateRefreshTokens: true });
    upstream = await startQuietUpstream();
    rx = await startReceiver();
    const dir = writeToolkitsDir([oidcToolkit(op), apiKeyToolkit(upstream.url)]);
    t = await startTestApp(backend, {
      listen: true,
      env: {
        LOG_LEVEL: 'debug',
        AUTHLINK_TOOLKITS_DIR: dir,
        AUTHLINK_ALLOW_INSECURE_OAUTH: '1',
        AUTHLINK_PROXY_ALLOW_PRIVATE: '127.0.0.1',
        AUTHLINK_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1',
        AUTHLINK_WEBHOOK_RETRY_DELAYS_MS: '0',
      },
    });
    base = t.config.publicUrl;
    op.redirectUris = [`${base}/api/v3.1/toolkits/auth/callback`];
  });
  after(async () => {
    await t.close();
    await op.close();
    await upstream.close();
    await rx.close();
  });

  /** The API over real HTTP, every response kept. */
  async function call(method: string, p: string, body?: unknown) {
    const res = await fetch(`${base}${p}`, {
      method,
      headers: { 'x-api-key': t.apiKey, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    seen.push({ what: `${method} ${p}`, status: res.status, headers: [...res.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n'), body: text });
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }
  /** A browser whose every response from authlink is kept. */
  function browser() {
    const c = createCookieClient();
    const keep = async (what: string, p: Promise<import('../helpers/cookie-fetch.ts').CookieResponse>) => {
      const r = await p;
      if (r.url.startsWith(base))
        seen.push({ what, status: r.status, headers: [...r.headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n'), body: r.text });
      return r;
    };
    return {
      raw: c,
      get: (url: string) => keep(`GET ${url}`, c.get(url)),
      post: (url: string, form: Record<string, string>) => keep(`POST ${url}`, c.post(url, form)),
    };
  }
  const credsOf = async (id: string) => openCredentials(t.runtime.keyRing, (await t.runtime.store.accounts.get(t.projectId, id))!);

  test('a full life of a project at debug level, with every secret recorded', async () => {
    secret('project API key', t.apiKey);
    secret('OAuth client secret', op.clientSecret);
    secret('encryption key', t.config.encryptionKeys);

    const hook = await call('POST', '/api/v3.1/webhook_subscriptions', { webhook_url: rx.url, enabled_events: ['*', 'composio.connected_account.refreshed'] });
    assert.equal(hook.status, 201);
    secret('webhook secret', hook.body.secret, (s) => s.what === 'POST /api/v3.1/webhook_subscriptions' && s.status === 201);
    const rotated = await call('POST', `/api/v3.1/webhook_subscriptions/${hook.body.id}/rotate_secret`);
    secret('rotated webhook secret', rotated.body.secret, (s) => s.what === `POST /api/v3.1/webhook_subscriptions/${hook.body.id}/rotate_secret`);
    // Reads show the secret masked, never in full.
    assert.equal((await call('GET', `/api/v3.1/webhook_subscriptions/${hook.body.id}`)).status, 200);
    assert.equal((await call('GET', '/api/v3.1/webhook_subscriptions')).status, 200);
    assert.equal((await call('PATCH', `/api/v3.1/webhook_subscriptions/${hook.body.id}`, { description: 'secrets test' })).status, 200);

    const oauthAc = await call('POST', '/api/v3.1/auth_configs', {
      toolkit: { slug: 'localoidc' },
      auth_config: { type: 'use_custom_auth', authScheme: 'OAUTH2', credentials: { client_id: op.clientId, client_secret: op.clientSecret } },
    });
    const keyAc = await call('POST', '/api/v3.1/auth_configs', {
      toolkit: { slug: 'echoapi' },
      auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' },
    });
    await call('GET', `/api/v3.1/auth_configs/${oauthAc.body.auth_config.id}`);

    // OAuth2 through the hosted page.
    const link = await call('POST', '/api/v3.1/connected_accounts/link', {
      auth_config_id: oauthAc.body.auth_config.id,
      user_id: 'secret-user',
      callback_url: 'https://app.example.com/cb',
    });
    secret(
      'OAuth link token',
      link.body.link_token,
      (s) => s.what === 'POST /api/v3.1/connected_accounts/link' && s.body.includes(link.body.connected_account_id),
    );
    const b = browser();
    const opened = await b.get(link.body.redirect_url);
    const pending = opened.headers.getSetCookie()[0].split(';')[0].split('=')[1];
    secret('opened-link cookie mac', pending.split('.')[1], (s) => s.what === `GET ${link.body.redirect_url}`);
    const page = await b.get(`${base}/link`);
    const go = await b.post(`${base}/link/authorize`, { csrf: /name="csrf" value="([^"]+)"/.exec(page.text)![1] });
    const cookie = go.headers.getSetCookie()[0].split(';')[0].split('=')[1];
    secret('browser binding secret', cookie.split('.')[1], (s) => s.what === `POST ${base}/link/authorize`);
    const state = new URL(go.location!).searchParams.get('state')!;
    secret('OAuth state', state, (s) => s.what === `POST ${base}/link/authorize`);
    const ls = (await t.runtime.store.links.byStateHash(hashSecret(state)))!;
    secret('PKCE verifier', t.runtime.keyRing.decrypt(ls.pkce_verifier_enc!, ENCRYPTED_FIELDS.pkceVerifier.aad(ls)));
    const back = await driveOidcInteraction(b.raw, go.location!, { login: 'alice', consent: 'accept' });
    secret('OAuth code', new URL(back).searchParams.get('code'));
    assert.equal((await b.get(back)).status, 303);
    const oauthId = link.body.connected_account_id;
    const first = await credsOf(oauthId);
    secret('access token', first.access_token);
    secret('refresh token', first.refresh_token);
    if (typeof first.id_token === 'string') secret('id token', first.id_token);

    // API key through the hosted form, and through the legacy API.
    const keyLink = await call('POST', '/api/v3.1/connected_accounts/link', {
      auth_config_id: keyAc.body.auth_config.id,
      user_id: 'secret-user',
      callback_url: 'https://app.example.com/cb',
    });
    secret(
      'API-key link token',
      keyLink.body.link_token,
      (s) => s.what === 'POST /api/v3.1/connected_accounts/link' && s.body.includes(keyLink.body.connected_account_id),
    );
    const b2 = browser();
    await b2.get(keyLink.body.redirect_url);
    const form = await b2.get(`${base}/link`);
    secret('API key typed into the form', 'sk_form_4f9a8b7c6d5e4f3a2b1c');
    assert.equal(
      (
        await b2.post(`${base}/link/submit`, {
          csrf: /name="csrf" value="([^"]+)"/.exec(form.text)![1],
          api_key: secrets.get('API key typed into the form')!.value,
          workspace: 'acme',
        })
      ).status,
      303,
    );
    secret('API key sent to the API', 'sk_api_0a1b2c3d4e5f6a7b8c9d');
    const legacy = await call('POST', '/api/v3.1/connected_accounts', {
      auth_config: { id: keyAc.body.auth_config.id },
      connection: { user_id: 'secret-user', state: { authScheme: 'API_KEY', val: { api_key: secrets.get('API key sent to the API')!.value } } },
    });
    assert.equal(legacy.status, 201);
    secret('API key set by PATCH', 'sk_patch_9f8e7d6c5b4a39281706');
    assert.equal(
      (
        await call('PATCH', `/api/v3.1/connected_accounts/${legacy.body.id}`, {
          connection: { state: { authScheme: 'API_KEY', val: { api_key: secrets.get('API key set by PATCH')!.value } } },
        })
      ).status,
      200,
    );

    // Reads, lists, a refresh, a failed refresh.
    await call('GET', `/api/v3.1/connected_accounts/${oauthId}`);
    await call('GET', `/api/v3.1/connected_accounts/${legacy.body.id}`);
    await call('GET', '/api/v3.1/connected_accounts?account_type=ALL');
    assert.equal((await call('POST', `/api/v3.1/connected_accounts/${oauthId}/refresh`, {})).status, 200);
    const second = await credsOf(oauthId);
    secret('access token after refresh', second.access_token);
    secret('refresh token after refresh', second.refresh_token);
    op.failNextToken(503, { error: 'temporarily_unavailable', error_description: 'try later' });
    await t.runtime.database.db
      .updateTable('connected_accounts')
      .set({ token_expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', oauthId)
      .execute();
    assert.equal((await call('POST', `/api/v3.1/connected_accounts/${oauthId}/refresh`, {})).status, 502);
    assert.equal((await call('POST', `/api/v3.1/connected_accounts/${oauthId}/refresh`, {})).status, 200);
    const third = await credsOf(oauthId);
    secret('access token after the retry', third.access_token);
    secret('refresh token after the retry', third.refresh_token);

    // Proxy calls: direct and through a session; the upstream got the key, the caller only the upstream's answer.
    const direct = await call('POST', '/api/v3.1/tools/execute/proxy', { connected_account_id: legacy.body.id, endpoint: '/data', method: 'GET' });
    assert.equal(direct.status, 200);
    assert.equal(upstream.seen.at(-1)?.headers['x-api-key'], secrets.get('API key set by PATCH')!.value);
    const viaOAuth = await call('POST', '/api/v3.1/tools/execute/proxy', {
      connected_account_id: oauthId,
      endpoint: new URL(op.userinfoUrl).pathname,
      method: 'GET',
    });
    assert.equal(viaOAuth.status, 200, JSON.stringify(viaOAuth.body));
    assert.equal(viaOAuth.body.status, 200, 'the provider accepted the token');
    const session = await call('POST', '/api/v3.1/tool_router/session', { user_id: 'secret-user', connected_accounts: { echoapi: legacy.body.id } });
    assert.equal(
      (
        await call('POST', `/api/v3.1/tool_router/session/${session.body.session_id}/proxy_execute`, {
          toolkit_slug: 'echoapi',
          endpoint: '/data',
          method: 'POST',
          body: { q: 1 },
        })
      ).status,
      200,
    );
    // Webhook deliveries.
    while ((await t.app.services.webhookWorker.runOnce()) > 0);
    assert.ok(rx.received.length >= 4, `${rx.received.length} deliveries`);
    await call('GET', `/api/v3.1/webhook_subscriptions/${hook.body.id}/deliveries`);
    // Revoke and delete at the end: credentials dropped.
    assert.equal((await call('POST', `/api/v3.1/connected_accounts/${oauthId}/revoke`, {})).status, 200);
    assert.equal((await call('DELETE', `/api/v3.1/connected_accounts/${legacy.body.id}`)).status, 200);
    assert.ok(secrets.size >= 20, `${secrets.size} secrets recorded`);
  });

  test('no secret in any log line (LOG_LEVEL=debug)', () => {
    const logs = t.logs.join('');
    assert.equal(t.config.logLevel, 'debug');
    const completed = logs.split('\n').filter((l) => l.includes('"msg":"request completed"')).length;
    assert.ok(completed >= seen.length, `every request was logged: ${completed} request lines for ${seen.length} responses`);
    assert.ok(logs.includes('/api/v3.1/toolkits/auth/callback?'), 'the callback request is logged');
    const found = [...secrets].filter(([, s]) => logs.includes(s.value)).map(([name]) => name);
    assert.deepEqual(found, []);
  });

  test('no secret in any response body or header, except the one response that hands it over', () => {
    assert.ok(seen.length >= 25, `${seen.length} responses`);
    const leaks: string[] = [];
    for (const s of seen) {
      for (const [name, sec] of secrets) {
        if ((s.body.includes(sec.value) || s.headers.includes(sec.value)) && !sec.allowedIn?.(s)) leaks.push(`${name} in ${s.status} ${s.what}`);
      }
    }
    assert.deepEqual(leaks, []);
    // And each handed-over secret was really handed over (the allowance is not vacuous).
    for (const [name, sec] of secrets)
      if (sec.allowedIn)
        assert.ok(
          seen.some((s) => (s.body.includes(sec.value) || s.headers.includes(sec.value)) && sec.allowedIn!(s)),
          `${name} was handed over`,
        );
  });

  test('no secret in what the webhook receiver got (only signatures, never the signing secret)', () => {
    const all = rx.received.map((r) => JSON.stringify(r.headers) + r.body).join('\n');
    assert.ok(all.includes('webhook-signature'));
    assert.deepEqual(
      [...secrets].filter(([, s]) => all.includes(s.value)).map(([name]) => name),
      [],
    );
  });

  test('no secret in clear in the database: every row of every table, and on SQLite the bytes of the database files', async () => {
    const dump = JSON.stringify(await dumpDatabase(t));
    assert.ok(dump.length > 5_000);
    assert.deepEqual(
      [...secrets].filter(([, s]) => dump.includes(s.value)).map(([name]) => name),
      [],
    );
    // Hashed, not absent: the lookups by hash are there.
    for (const name of ['project API key', 'OAuth link token', 'OAuth state'])
      assert.ok(dump.includes(hashSecret(secrets.get(name)!.value)), `${name} stored as its hash`);
    if (backend === 'sqlite') {
      const files = fs.readdirSync(t.dataDir).filter((f) => f.startsWith('authlink.db'));
      assert.ok(files.length >= 1);
      const bytes = Buffer.concat(files.map((f) => fs.readFileSync(path.join(t.dataDir, f))));
      const inFiles = [...secrets].filter(([, s]) => bytes.includes(Buffer.from(s.value, 'utf8'))).map(([name]) => name);
      assert.deepEqual(inFiles, [], `in ${files.join(', ')}`);
    }
  });

  test('API keys are looked up by their hash only: the raw key never reaches the store; a near miss is refused', async () => {
    const repo = t.runtime.store.apiKeys;
    const original = repo.findLiveByHash;
    const lookedUp: string[] = [];
    repo.findLiveByHash = async (hash: string) => {
      lookedUp.push(hash);
      return original.call(repo, hash);
    };
    try {
      const { apiKey } = await t.app.services.apiKeys.create(t.projectId, 'lookup', new Date());
      const nearMiss = apiKey.slice(0, -1) + (apiKey.endsWith('A') ? 'B' : 'A');
      const ask = (key: string) => fetch(`${base}/api/v3.1/toolkits?limit=1`, { headers: { 'x-api-key': key } }).then((r) => r.status);
      assert.equal(await ask(apiKey), 200);
      assert.equal(await ask(nearMiss), 401);
      assert.equal(await ask(apiKey.slice(0, -1)), 401);
      assert.equal(await ask('ak_' + 'x'.repeat(5000)), 401);
      assert.deepEqual(
        lookedUp,
        [hashSecret(apiKey), hashSecret(nearMiss), hashSecret(apiKey.slice(0, -1))],
        'one lookup per well-formed key, by hash; a malformed one costs no lookup',
      );
      assert.ok(
        lookedUp.every((h) => !h.startsWith('ak_') && h.length === 43),
        'digests only',
      );
      const row = (await repo.listByProject(t.projectId)).find((r) => r.name === 'lookup')!;
      assert.equal(row.key_hash, hashSecret(apiKey));
      assert.ok(row.key_prefix.length <= 8 && apiKey.length - row.key_prefix.length >= 24, 'the listed prefix leaves 144+ bits unknown');
      assert.ok(!JSON.stringify(row).includes(apiKey));
    } finally {
      repo.findLiveByHash = original;
    }
  });
});
