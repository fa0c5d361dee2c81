// Authorize URL building, PKCE/state helpers, the https-only rule and the
// error helpers; no server needed except where noted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  assertProviderUrlsSecure,
  buildAuthorizeUrl,
  exchangeCode,
  INSECURE_URL_MESSAGE,
  isInvalidGrant,
  isTransient,
  newPkce,
  newState,
  OAuthClientError,
  oauthProviderFromSettings,
  refreshTokens,
  revokeToken,
  type OAuthProvider,
} from '../../src/oauth/index.ts';
import { redact } from '../../src/oauth/errors.ts';

const CLIENT = { clientId: 'cid', clientSecret: 'cs_secret_value_0001' };

function provider(overrides: Partial<OAuthProvider> = {}): OAuthProvider {
  return {
    authorizationUrl: 'https://auth.example.test/oauth/authorize',
    tokenUrl: 'https://auth.example.test/oauth/token',
    revocationUrl: 'https://auth.example.test/oauth/revoke',
    scopeSeparator: ' ',
    pkce: false,
    tokenEndpointAuthMethod: 'client_secret_basic',
    quirks: {},
    ...overrides,
  };
}

test('authorize URL: protocol params, joined scopes with %20, extras kept but not overriding', () => {
  const url = new URL(
    buildAuthorizeUrl({
      provider: provider({
        authorizationUrl: 'https://auth.example.test/oauth/authorize?tenant=acme',
        authorizeParams: { access_type: 'offline', prompt: 'consent', response_type: 'token', client_id: 'evil' },
      }),
      client: CLIENT,
      redirectUri: 'http://127.0.0.1:8080/api/v3.1/toolkits/auth/callback',
      scopes: ['openid', 'https://www.googleapis.com/auth/gmail.readonly', 'a+b'],
      state: 'st',
    }),
  );
  const q = url.searchParams;
  assert.equal(url.origin + url.pathname, 'https://auth.example.test/oauth/authorize');
  assert.equal(q.get('tenant'), 'acme');
  assert.equal(q.get('response_type'), 'code');
  assert.equal(q.get('client_id'), 'cid');
  assert.equal(q.get('redirect_uri'), 'http://127.0.0.1:8080/api/v3.1/toolkits/auth/callback');
  assert.equal(q.get('state'), 'st');
  assert.equal(q.get('access_type'), 'offline');
  assert.equal(q.get('prompt'), 'consent');
  assert.equal(q.get('scope'), 'openid https://www.googleapis.com/auth/gmail.readonly a+b');
  assert.ok(url.search.includes('scope=openid%20https'), url.search);
  assert.ok(!url.search.includes('+'), 'spaces are %20, a literal + is %2B');
  assert.equal(q.get('code_challenge'), null);
});

test('authorize URL: custom scope param and separator (Slack user scopes)', () => {
  const q = new URL(
    buildAuthorizeUrl({
      provider: provider({ scopeSeparator: ',', scopeParam: 'user_scope' }),
      client: CLIENT,
      redirectUri: 'https://app.example.test/cb',
      scopes: ['search:read', 'users:read'],
      state: 's',
    }),
  ).searchParams;
  assert.equal(q.get('user_scope'), 'search:read,users:read');
  assert.equal(q.get('scope'), null);
});

test('authorize URL: no scope param when no scopes', () => {
  const q = new URL(buildAuthorizeUrl({ provider: provider(), client: CLIENT, redirectUri: 'https://a.test/cb', scopes: [], state: 's' })).searchParams;
  assert.equal(q.has('scope'), false);
});

test('authorize URL: PKCE S256 challenge when the provider uses PKCE, required then', async () => {
  const pkce = await newPkce();
  const q = new URL(
    buildAuthorizeUrl({
      provider: provider({ pkce: true }),
      client: CLIENT,
      redirectUri: 'https://a.test/cb',
      scopes: ['x'],
      state: 's',
      codeChallenge: pkce.challenge,
    }),
  ).searchParams;
  assert.equal(q.get('code_challenge'), pkce.challenge);
  assert.equal(q.get('code_challenge_method'), 'S256');
  assert.equal(pkce.challenge, createHash('sha256').update(pkce.verifier).digest('base64url'));
  assert.ok(pkce.verifier.length >= 43);

  assert.throws(
    () => buildAuthorizeUrl({ provider: provider({ pkce: true }), client: CLIENT, redirectUri: 'https://a.test/cb', scopes: [], state: 's' }),
    (e: unknown) => e instanceof OAuthClientError && e.kind === 'config',
  );
});

test('newState is random and URL-safe', () => {
  const a = newState();
  const b = newState();
  assert.notEqual(a, b);
  assert.match(a, /^[A-Za-z0-9_-]{32,}$/);
});

test('http provider URLs are refused before any request when allowInsecure is false', async () => {
  let calls = 0;
  const spy: typeof fetch = async () => {
    calls++;
    return new Response('{}');
  };
  const insecure = provider({
    authorizationUrl: 'http://127.0.0.1:9/authorize',
    tokenUrl: 'http://127.0.0.1:9/token',
    revocationUrl: 'http://127.0.0.1:9/revoke',
  });
  const isRefusal = (e: unknown) =>
    e instanceof OAuthClientError && e.kind === 'config' && e.message.startsWith(INSECURE_URL_MESSAGE) && e.message.includes('AUTHLINK_ALLOW_INSECURE_OAUTH=1');

  await assert.rejects(
    exchangeCode({
      provider: insecure,
      client: CLIENT,
      redirectUri: 'http://127.0.0.1:1/cb',
      callbackUrl: new URL('http://127.0.0.1:1/cb?code=c&state=s'),
      expectedState: 's',
      requestedScopes: [],
      fetch: spy,
      allowInsecure: false,
    }),
    isRefusal,
  );
  await assert.rejects(refreshTokens({ provider: insecure, client: CLIENT, refreshToken: 'rt', fetch: spy, allowInsecure: false }), isRefusal);
  await assert.rejects(
    revokeToken({ provider: insecure, client: CLIENT, token: 't', tokenTypeHint: 'access_token', fetch: spy, allowInsecure: false }),
    isRefusal,
  );
  assert.throws(
    () =>
      buildAuthorizeUrl({
        provider: insecure,
        client: CLIENT,
        redirectUri: 'http://127.0.0.1:1/cb',
        scopes: [],
        state: 's',
        allowInsecure: false,
      }),
    isRefusal,
  );
  // Only one http URL is enough, e.g. the token URL of an otherwise https provider.
  assert.throws(() => assertProviderUrlsSecure(provider({ tokenUrl: 'http://auth.example.test/token' }), false), isRefusal);
  assert.equal(calls, 0);

  // Opted in: http is allowed (the spy answers).
  assert.doesNotThrow(() => assertProviderUrlsSecure(insecure, true));
  await assert.rejects(
    refreshTokens({ provider: insecure, client: CLIENT, refreshToken: 'rt', fetch: spy, allowInsecure: true }),
    (e: unknown) => e instanceof OAuthClientError && e.kind === 'unexpected_body',
  );
  assert.equal(calls, 1);
});

test('non-http(s) and malformed provider URLs are config errors even with allowInsecure', () => {
  for (const bad of ['ftp://x.test/token', 'not a url']) {
    assert.throws(
      () => assertProviderUrlsSecure(provider({ tokenUrl: bad }), true),
      (e: unknown) => e instanceof OAuthClientError && e.kind === 'config',
    );
  }
});

test('a custom fetch is used for requests', async () => {
  const seen: string[] = [];
  const fake: typeof fetch = async (input) => {
    seen.push(String(input));
    return new Response(JSON.stringify({ access_token: 'at', token_type: 'bearer' }), { headers: { 'content-type': 'application/json' } });
  };
  const ts = await refreshTokens({ provider: provider(), client: CLIENT, refreshToken: 'rt', fetch: fake, allowInsecure: false });
  assert.equal(ts.access_token, 'at');
  assert.equal(ts.refresh_token, undefined, 'no rotation: caller keeps the old refresh token');
  assert.deepEqual(seen, ['https://auth.example.test/oauth/token']);
});

test('isTransient / isInvalidGrant', () => {
  const e = (kind: OAuthClientError['kind'], o: { oauthError?: string; status?: number } = {}) => new OAuthClientError(kind, 'm', o);
  assert.ok(isTransient(e('transport')));
  assert.ok(isTransient(e('unexpected_status', { status: 502 })));
  assert.ok(isTransient(e('unexpected_status', { status: 429 })));
  assert.ok(isTransient(e('oauth_error', { oauthError: 'temporarily_unavailable', status: 400 })));
  assert.ok(!isTransient(e('oauth_error', { oauthError: 'invalid_grant', status: 400 })));
  assert.ok(!isTransient(e('unexpected_status', { status: 404 })));
  assert.ok(!isTransient(new Error('x')));
  assert.ok(isInvalidGrant(e('oauth_error', { oauthError: 'invalid_grant' })));
  assert.ok(isInvalidGrant(e('oauth_error', { oauthError: 'bad_refresh_token' })));
  assert.ok(!isInvalidGrant(e('oauth_error', { oauthError: 'invalid_client' })));
  assert.ok(!isInvalidGrant(e('unexpected_body', { oauthError: 'invalid_grant' })));
});

test('redact removes raw and URL-encoded secrets and control characters', () => {
  const out = redact('bad code a/b+c=\n and a%2Fb%2Bc%3D', ['a/b+c=']);
  assert.equal(out, 'bad code [redacted]  and [redacted]');
});

test('oauthProviderFromSettings fills URLs and maps fields', () => {
  const p = oauthProviderFromSettings(
    {
      authorization_url: 'https://{{subdomain}}.example.test/authorize',
      token_url: 'https://{{subdomain}}.example.test/token',
      default_scopes: ['a'],
      scope_separator: ',',
      pkce: true,
      token_endpoint_auth_method: 'client_secret_post',
      quirks: { scopes_comma_separated: true },
    },
    (t) => t.replace('{{subdomain}}', 'acme'),
  );
  assert.equal(p.authorizationUrl, 'https://acme.example.test/authorize');
  assert.equal(p.tokenUrl, 'https://acme.example.test/token');
  assert.equal(p.revocationUrl, undefined);
  assert.equal(p.scopeSeparator, ',');
  assert.equal(p.tokenEndpointAuthMethod, 'client_secret_post');
  assert.deepEqual(p.quirks, { scopes_comma_separated: true });
});
