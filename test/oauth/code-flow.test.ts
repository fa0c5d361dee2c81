// The OAuth client against a real authorization server (oidc-provider 9 in
// process): authorize URL -> login/consent over HTTP -> code exchange ->
// refresh -> revocation, and the ways each step fails.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildAuthorizeUrl,
  exchangeCode,
  isInvalidGrant,
  isTransient,
  newPkce,
  newState,
  OAuthClientError,
  refreshTokens,
  revokeToken,
  type OAuthClient,
  type OAuthProvider,
  type TokenSet,
} from '../../src/oauth/index.ts';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.ts';
import { createCookieClient, driveOidcInteraction } from '../helpers/cookie-fetch.ts';
import { assertNoSecrets } from './assert-no-secrets.ts';

// authlink's callback; the port is only known at test time, so it is
// registered with the provider after startup (see oidc-provider.ts).
const REDIRECT_PATH = '/api/v3.1/toolkits/auth/callback';

function providerFor(op: TestOidcProvider, overrides: Partial<OAuthProvider> = {}): OAuthProvider {
  return {
    authorizationUrl: op.authorizationUrl,
    tokenUrl: op.tokenUrl,
    revocationUrl: op.revocationUrl,
    userinfoUrl: op.userinfoUrl,
    scopeSeparator: ' ',
    pkce: true,
    tokenEndpointAuthMethod: op.tokenEndpointAuthMethod,
    quirks: {},
    ...overrides,
  };
}

interface Flow {
  provider: OAuthProvider;
  client: OAuthClient;
  redirectUri: string;
  state: string;
  verifier: string;
  scopes: string[];
  callbackUrl: URL;
}

async function authorize(
  op: TestOidcProvider,
  redirectUri: string,
  opts: { scopes?: string[]; consent?: 'accept' | 'deny'; provider?: OAuthProvider } = {},
): Promise<Flow> {
  const provider = opts.provider ?? providerFor(op);
  const client = { clientId: op.clientId, clientSecret: op.clientSecret };
  const scopes = opts.scopes ?? ['openid', 'email', 'profile', 'repo', 'read:user'];
  const state = newState();
  const pkce = await newPkce();
  const url = buildAuthorizeUrl({ provider, client, redirectUri, scopes, state, codeChallenge: pkce.challenge });
  const landed = await driveOidcInteraction(createCookieClient(), url, { login: 'alice', consent: opts.consent ?? 'accept' });
  assert.ok(landed.startsWith(`${redirectUri}?`), `landed on ${landed}`);
  return { provider, client, redirectUri, state, verifier: pkce.verifier, scopes, callbackUrl: new URL(landed) };
}

function exchange(f: Flow, overrides: Partial<Parameters<typeof exchangeCode>[0]> = {}): Promise<TokenSet> {
  return exchangeCode({
    provider: f.provider,
    client: f.client,
    redirectUri: f.redirectUri,
    callbackUrl: f.callbackUrl,
    expectedState: f.state,
    codeVerifier: f.verifier,
    requestedScopes: f.scopes,
    allowInsecure: true,
    ...overrides,
  });
}

async function rejection(p: Promise<unknown>): Promise<OAuthClientError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof OAuthClientError, `expected OAuthClientError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a rejection');
}

describe('code flow against oidc-provider', () => {
  let op: TestOidcProvider;
  let redirectUri: string;

  before(async () => {
    op = await startOidcProvider({ accessTokenTtl: 120, rotateRefreshTokens: true });
    redirectUri = `http://127.0.0.1:1${REDIRECT_PATH}`;
    op.redirectUris = [redirectUri]; // registered after startup, as authlink's tests will
  });
  after(() => op.close());

  test('PKCE code flow yields access + refresh token, granted scopes, expires_at and profile claims', async () => {
    const f = await authorize(op, redirectUri);
    const code = f.callbackUrl.searchParams.get('code');
    assert.ok(code);
    const before = { ...op.counts, tokenByGrant: { ...op.counts.tokenByGrant } };
    const now = new Date('2030-01-01T00:00:00.000Z');

    const ts = await exchange(f, { now: () => now });

    assert.equal(op.counts.token - before.token, 1);
    assert.equal((op.counts.tokenByGrant.authorization_code ?? 0) - (before.tokenByGrant.authorization_code ?? 0), 1);
    assert.equal(ts.token_type, 'bearer');
    assert.ok(ts.access_token.length > 20);
    assert.ok(ts.refresh_token && ts.refresh_token.length > 20);
    assert.equal(ts.expires_at, '2030-01-01T00:02:00.000Z');
    assert.deepEqual([...ts.scope].sort(), ['email', 'openid', 'profile', 'read:user', 'repo']);
    assert.equal(ts.id_token_claims?.sub, 'alice');
    assert.equal(ts.id_token_claims?.email, 'alice@example.test');
    assert.equal(ts.raw_extra, undefined);
    // The secrets never end up in the stored extras.
    assert.ok(!JSON.stringify(ts.id_token_claims).includes(ts.access_token));
  });

  test('scopes the server does not know are not reported as granted', async () => {
    const f = await authorize(op, redirectUri, { scopes: ['openid', 'repo', 'admin:org'] });
    const ts = await exchange(f);
    assert.deepEqual([...ts.scope].sort(), ['openid', 'repo']);
  });

  test('a callback whose state does not match is rejected before any token request', async () => {
    const f = await authorize(op, redirectUri);
    const tokenCalls = op.counts.token;
    const err = await rejection(exchange(f, { expectedState: newState() }));
    assert.equal(err.kind, 'unexpected_body');
    assert.match(err.message, /state does not match/);
    assert.equal(op.counts.token, tokenCalls);
    assertNoSecrets(err, [op.clientSecret, f.callbackUrl.searchParams.get('code')!, f.verifier]);
  });

  test('a wrong PKCE verifier is invalid_grant', async () => {
    const f = await authorize(op, redirectUri);
    const wrong = (await newPkce()).verifier;
    const err = await rejection(exchange(f, { codeVerifier: wrong }));
    assert.equal(err.kind, 'oauth_error');
    assert.equal(err.oauthError, 'invalid_grant');
    assert.equal(err.status, 400);
    assert.ok(isInvalidGrant(err));
    assert.ok(!isTransient(err));
    assertNoSecrets(err, [op.clientSecret, f.callbackUrl.searchParams.get('code')!, f.verifier, wrong]);
  });

  test('a code can be used once', async () => {
    const f = await authorize(op, redirectUri);
    const ts = await exchange(f);
    const err = await rejection(exchange(f));
    assert.ok(isInvalidGrant(err));
    assertNoSecrets(err, [op.clientSecret, f.callbackUrl.searchParams.get('code')!, f.verifier, ts.access_token, ts.refresh_token]);
  });

  test('the user denying consent is oauth_error access_denied, with no token request', async () => {
    const tokenCalls = op.counts.token;
    const f = await authorize(op, redirectUri, { consent: 'deny' });
    assert.equal(f.callbackUrl.searchParams.get('error'), 'access_denied');
    const err = await rejection(exchange(f));
    assert.equal(err.kind, 'oauth_error');
    assert.equal(err.oauthError, 'access_denied');
    assert.equal(op.counts.token, tokenCalls);
    assertNoSecrets(err, [op.clientSecret, f.verifier]);
  });

  test('refresh rotates the refresh token in exactly one token request', async () => {
    const f = await authorize(op, redirectUri);
    const first = await exchange(f);
    const before = { token: op.counts.token, refresh: op.counts.tokenByGrant.refresh_token ?? 0 };
    const now = new Date('2031-06-01T12:00:00.000Z');

    const next = await refreshTokens({
      provider: f.provider,
      client: f.client,
      refreshToken: first.refresh_token!,
      allowInsecure: true,
      now: () => now,
      scopesIfMissing: first.scope,
    });

    assert.equal(op.counts.token - before.token, 1);
    assert.equal((op.counts.tokenByGrant.refresh_token ?? 0) - before.refresh, 1);
    assert.ok(next.refresh_token);
    assert.notEqual(next.refresh_token, first.refresh_token);
    assert.notEqual(next.access_token, first.access_token);
    assert.equal(next.expires_at, '2031-06-01T12:02:00.000Z');
    assert.deepEqual([...next.scope].sort(), [...first.scope].sort());

    // The rotated-out token is dead now.
    const err = await rejection(refreshTokens({ provider: f.provider, client: f.client, refreshToken: first.refresh_token!, allowInsecure: true }));
    assert.ok(isInvalidGrant(err));
    assertNoSecrets(err, [op.clientSecret, first.refresh_token, first.access_token, next.refresh_token, next.access_token]);
  });

  test('after revocation the refresh token is invalid_grant', async () => {
    const f = await authorize(op, redirectUri);
    const ts = await exchange(f);
    const revocations = op.counts.revocation;

    await revokeToken({ provider: f.provider, client: f.client, token: ts.refresh_token!, tokenTypeHint: 'refresh_token', allowInsecure: true });
    assert.equal(op.counts.revocation - revocations, 1);
    // RFC 7009: revoking again (an unknown token now) still succeeds.
    await revokeToken({ provider: f.provider, client: f.client, token: ts.refresh_token!, tokenTypeHint: 'refresh_token', allowInsecure: true });

    const err = await rejection(refreshTokens({ provider: f.provider, client: f.client, refreshToken: ts.refresh_token!, allowInsecure: true }));
    assert.equal(err.kind, 'oauth_error');
    assert.equal(err.oauthError, 'invalid_grant');
    assertNoSecrets(err, [op.clientSecret, ts.refresh_token, ts.access_token]);
  });

  test('an injected 503 is transient and the next refresh still works', async () => {
    const f = await authorize(op, redirectUri);
    const ts = await exchange(f);
    op.failNextToken(503);
    const before = { token: op.counts.token, refresh: op.counts.tokenByGrant.refresh_token ?? 0 };
    const args = { provider: f.provider, client: f.client, refreshToken: ts.refresh_token!, allowInsecure: true };

    const err = await rejection(refreshTokens(args));
    assert.equal(err.status, 503);
    assert.ok(isTransient(err));
    assert.ok(!isInvalidGrant(err));
    assertNoSecrets(err, [op.clientSecret, ts.refresh_token]);

    const next = await refreshTokens(args);
    assert.ok(next.access_token);
    assert.equal(op.counts.token - before.token, 2);
    assert.equal((op.counts.tokenByGrant.refresh_token ?? 0) - before.refresh, 2);
  });

  test('an injected 429 without an OAuth body is unexpected_status and transient', async () => {
    const f = await authorize(op, redirectUri);
    const ts = await exchange(f);
    op.failNextToken(429, 'slow down');
    const err = await rejection(refreshTokens({ provider: f.provider, client: f.client, refreshToken: ts.refresh_token!, allowInsecure: true }));
    assert.equal(err.kind, 'unexpected_status');
    assert.equal(err.status, 429);
    assert.ok(isTransient(err));
  });

  test('an injected invalid_grant is recognized', async () => {
    const f = await authorize(op, redirectUri);
    const ts = await exchange(f);
    op.failNextToken(400, { error: 'invalid_grant', error_description: `refresh token ${ts.refresh_token} expired` });
    const err = await rejection(refreshTokens({ provider: f.provider, client: f.client, refreshToken: ts.refresh_token!, allowInsecure: true }));
    assert.ok(isInvalidGrant(err));
    // The provider echoed the token in its description: it is redacted.
    assert.match(err.message, /\[redacted\]/);
    assertNoSecrets(err, [op.clientSecret, ts.refresh_token]);
  });

  test('a wrong client secret is invalid_client and does not echo the secret', async () => {
    const f = await authorize(op, redirectUri);
    const badSecret = `${op.clientSecret}-wrong`;
    const err = await rejection(exchange(f, { client: { clientId: op.clientId, clientSecret: badSecret } }));
    assert.equal(err.kind, 'oauth_error');
    assert.equal(err.oauthError, 'invalid_client');
    assert.equal(err.status, 401);
    assertNoSecrets(err, [op.clientSecret, badSecret, f.callbackUrl.searchParams.get('code')!, f.verifier]);
  });
});

describe('provider variants', () => {
  test('client_secret_post clients authenticate in the body', async () => {
    // (oidc-provider 9 accepts either secret method from a client registered
    // with one of them, so what goes on the wire is checked in quirks.test.ts.)
    const op = await startOidcProvider({ tokenEndpointAuthMethod: 'client_secret_post' });
    try {
      const redirectUri = `http://127.0.0.1:2${REDIRECT_PATH}`;
      op.redirectUris.push(redirectUri); // in-place mutation works as well
      const f = await authorize(op, redirectUri);
      assert.equal(f.provider.tokenEndpointAuthMethod, 'client_secret_post');
      const ts = await exchange(f);
      assert.ok(ts.refresh_token);
      await refreshTokens({ provider: f.provider, client: f.client, refreshToken: ts.refresh_token, allowInsecure: true });
      await revokeToken({ provider: f.provider, client: f.client, token: ts.access_token, tokenTypeHint: 'access_token', allowInsecure: true });
      assert.equal(op.counts.revocation, 1);
    } finally {
      await op.close();
    }
  });

  test('client credentials with reserved characters survive Basic encoding', async () => {
    const op = await startOidcProvider({
      clientId: 'weird:id-1.2_3~',
      clientSecret: 'p+ss/w%rd:with spaces&=',
      redirectUris: [`http://127.0.0.1:5${REDIRECT_PATH}`],
    });
    try {
      const f = await authorize(op, op.redirectUris[0]);
      const ts = await exchange(f);
      assert.ok(ts.access_token);
    } finally {
      await op.close();
    }
  });

  test('without rotation a refresh keeps the refresh token usable', async () => {
    const op = await startOidcProvider({ rotateRefreshTokens: false, redirectUris: [`http://127.0.0.1:3${REDIRECT_PATH}`] });
    try {
      const f = await authorize(op, op.redirectUris[0]);
      const ts = await exchange(f);
      const a = await refreshTokens({ provider: f.provider, client: f.client, refreshToken: ts.refresh_token!, allowInsecure: true });
      // Either omitted (caller keeps the old one) or echoed unchanged.
      assert.ok(a.refresh_token === undefined || a.refresh_token === ts.refresh_token);
      const b = await refreshTokens({ provider: f.provider, client: f.client, refreshToken: ts.refresh_token!, allowInsecure: true });
      assert.ok(b.access_token);
    } finally {
      await op.close();
    }
  });

  test('a server that requires PKCE rejects a non-PKCE flow with invalid_request', async () => {
    const op = await startOidcProvider({ requirePkce: true, redirectUris: [`http://127.0.0.1:4${REDIRECT_PATH}`] });
    try {
      const redirectUri = op.redirectUris[0];
      const provider = providerFor(op, { pkce: false });
      const client = { clientId: op.clientId, clientSecret: op.clientSecret };
      const state = newState();
      const url = buildAuthorizeUrl({ provider, client, redirectUri, scopes: ['openid'], state });
      assert.ok(!new URL(url).searchParams.has('code_challenge'));
      const landed = new URL(await driveOidcInteraction(createCookieClient(), url, { login: 'bob', consent: 'accept' }));
      assert.equal(landed.searchParams.get('error'), 'invalid_request');
      const err = await rejection(
        exchangeCode({
          provider,
          client,
          redirectUri,
          callbackUrl: landed,
          expectedState: state,
          requestedScopes: ['openid'],
          allowInsecure: true,
        }),
      );
      assert.equal(err.kind, 'oauth_error');
      assert.equal(err.oauthError, 'invalid_request');
      assertNoSecrets(err, [op.clientSecret]);
    } finally {
      await op.close();
    }
  });
});
