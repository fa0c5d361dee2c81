// Token endpoint behaviours of real-world providers that oidc-provider does not
// reproduce, against a small fake token endpoint on 127.0.0.1.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { exchangeCode, isInvalidGrant, isTransient, OAuthClientError, refreshTokens, revokeToken, type OAuthProvider } from '../../src/oauth/index.ts';
import { startFakeTokenServer, type CannedAnswer, type FakeTokenServer, type RecordedRequest } from './fake-token-server.ts';
import { assertNoSecrets } from './assert-no-secrets.ts';
import { MAX_OAUTH_RESPONSE_BYTES } from '../../src/oauth/transport.ts';

const CLIENT = { clientId: 'client-123', clientSecret: 'cs_super_secret_value_0001' };
const REDIRECT = 'http://127.0.0.1:1/api/v3.1/toolkits/auth/callback';
const STATE = 'state-abc-123';
const CODE = 'code_secret_value_0002';
const VERIFIER = 'verifier_secret_value_0003_abcdefghijklmnopqrstuvwxyz0123';
const NOW = new Date('2030-01-01T00:00:00.000Z');

let fake: FakeTokenServer;
before(async () => {
  fake = await startFakeTokenServer();
});
after(() => fake.close());
beforeEach(() => {
  fake.requests.length = 0;
});

function provider(overrides: Partial<OAuthProvider> = {}): OAuthProvider {
  return {
    authorizationUrl: `${fake.origin}/oauth/authorize`,
    tokenUrl: fake.tokenUrl,
    revocationUrl: fake.revocationUrl,
    scopeSeparator: ' ',
    pkce: true,
    tokenEndpointAuthMethod: 'client_secret_basic',
    quirks: {},
    ...overrides,
  };
}

function callback(params: Record<string, string> = { code: CODE, state: STATE }): URL {
  const u = new URL(REDIRECT);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u;
}

function exchangeWith(answer: (r: RecordedRequest) => CannedAnswer, p: OAuthProvider = provider(), requestedScopes = ['a', 'b']) {
  fake.answer(answer);
  return exchangeCode({
    provider: p,
    client: CLIENT,
    redirectUri: REDIRECT,
    callbackUrl: callback(),
    expectedState: STATE,
    codeVerifier: VERIFIER,
    requestedScopes,
    allowInsecure: true,
    now: () => NOW,
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

const SECRETS = [CLIENT.clientSecret, CODE, VERIFIER];

describe('request shape', () => {
  test('client_secret_basic: credentials in the Authorization header, code + verifier in the body', async () => {
    await exchangeWith(() => ({ json: { access_token: 'at_1', token_type: 'Bearer' } }));
    const [r] = fake.requests;
    assert.equal(r.path, '/oauth/token');
    assert.equal(r.headers.authorization, `Basic ${Buffer.from(`${CLIENT.clientId}:${CLIENT.clientSecret}`).toString('base64')}`);
    assert.equal(r.form.get('grant_type'), 'authorization_code');
    assert.equal(r.form.get('code'), CODE);
    assert.equal(r.form.get('code_verifier'), VERIFIER);
    assert.equal(r.form.get('redirect_uri'), REDIRECT);
    assert.equal(r.form.get('client_secret'), null);
  });

  test('Basic credentials keep unreserved characters as is (many providers do not form-decode them)', async () => {
    fake.answer(() => ({ json: { access_token: 'at_1', token_type: 'bearer' } }));
    const client = { clientId: '123-abc.apps.example.test', clientSecret: 'GOCSPX-a_b.c~d' };
    await refreshTokens({ provider: provider(), client, refreshToken: 'rt', allowInsecure: true });
    const header = String(fake.requests[0].headers.authorization);
    assert.equal(Buffer.from(header.replace(/^Basic /, ''), 'base64').toString('utf8'), '123-abc.apps.example.test:GOCSPX-a_b.c~d');
  });

  test('client_secret_post: credentials in the body, no Authorization header', async () => {
    await exchangeWith(() => ({ json: { access_token: 'at_1', token_type: 'bearer' } }), provider({ tokenEndpointAuthMethod: 'client_secret_post' }));
    const [r] = fake.requests;
    assert.equal(r.headers.authorization, undefined);
    assert.equal(r.form.get('client_id'), CLIENT.clientId);
    assert.equal(r.form.get('client_secret'), CLIENT.clientSecret);
  });

  test('no code_verifier is sent for a provider without PKCE', async () => {
    fake.answer(() => ({ json: { access_token: 'at_1', token_type: 'bearer' } }));
    await exchangeCode({
      provider: provider({ pkce: false }),
      client: CLIENT,
      redirectUri: REDIRECT,
      callbackUrl: callback(),
      expectedState: STATE,
      requestedScopes: [],
      allowInsecure: true,
    });
    assert.equal(fake.requests[0].form.get('code_verifier'), null);
  });

  test('a PKCE provider without a kept verifier is a config error, before any request', async () => {
    const err = await rejection(
      exchangeCode({
        provider: provider(),
        client: CLIENT,
        redirectUri: REDIRECT,
        callbackUrl: callback(),
        expectedState: STATE,
        requestedScopes: [],
        allowInsecure: true,
      }),
    );
    assert.equal(err.kind, 'config');
    assert.equal(fake.requests.length, 0);
  });
});

describe('quirks', () => {
  test('token_type missing: treated as bearer with the quirk, rejected without it', async () => {
    const answer = () => ({ json: { access_token: 'at_no_type_0004', scope: 'a b' } });
    const ts = await exchangeWith(answer, provider({ quirks: { token_type_missing: true } }));
    assert.equal(ts.token_type, 'bearer');
    assert.equal(ts.access_token, 'at_no_type_0004');

    const err = await rejection(exchangeWith(answer));
    assert.equal(err.kind, 'unexpected_body');
    assertNoSecrets(err, [...SECRETS, 'at_no_type_0004']);
  });

  test('scopes_comma_separated: "a,b" is two scopes', async () => {
    const ts = await exchangeWith(
      () => ({ json: { access_token: 'at_1', token_type: 'bearer', scope: 'repo,read:user, gist' } }),
      provider({ quirks: { scopes_comma_separated: true } }),
    );
    assert.deepEqual(ts.scope, ['repo', 'read:user', 'gist']);
  });

  test('without the quirk a space-separated scope is split on whitespace only', async () => {
    const ts = await exchangeWith(() => ({ json: { access_token: 'at_1', token_type: 'bearer', scope: 'x  y\tz x' } }));
    assert.deepEqual(ts.scope, ['x', 'y', 'z']);
  });

  test('token_response_nested_in: Slack-style user tokens are lifted, the bot token never leaks', async () => {
    const slack = {
      ok: true,
      app_id: 'A0001',
      access_token: 'xoxb-bot-token-0005',
      token_type: 'bot',
      scope: 'chat:write',
      refresh_token: 'xoxe-bot-refresh-0006',
      bot_user_id: 'B0001',
      team: { id: 'T0001', name: 'Acme' },
      enterprise: null,
      incoming_webhook: { url: 'https://hooks.example.test/services/SECRET0007', channel: '#general' },
      authed_user: {
        id: 'U0001',
        scope: 'search:read,users:read',
        access_token: 'xoxp-user-token-0008',
        token_type: 'user',
        expires_in: 43200,
        refresh_token: 'xoxe-user-refresh-0009',
      },
    };
    const ts = await exchangeWith(
      () => ({ json: slack }),
      provider({ scopeSeparator: ',', scopeParam: 'user_scope', quirks: { token_response_nested_in: 'authed_user', scopes_comma_separated: true } }),
    );
    assert.equal(ts.access_token, 'xoxp-user-token-0008');
    assert.equal(ts.token_type, 'user');
    assert.equal(ts.refresh_token, 'xoxe-user-refresh-0009');
    assert.deepEqual(ts.scope, ['search:read', 'users:read']);
    assert.equal(ts.expires_at, '2030-01-01T12:00:00.000Z');
    assert.deepEqual(ts.raw_extra, {
      ok: true,
      app_id: 'A0001',
      bot_user_id: 'B0001',
      team: { id: 'T0001', name: 'Acme' },
      enterprise: null,
      authed_user: { id: 'U0001' },
    });
    const stored = JSON.stringify(ts);
    for (const secret of ['xoxb-bot-token-0005', 'xoxe-bot-refresh-0006', 'SECRET0007']) assert.ok(!stored.includes(secret), secret);
  });

  test('nested quirk with a flat response (Slack refresh) uses the top level', async () => {
    fake.answer(() => ({ json: { ok: true, access_token: 'xoxp-new', token_type: 'user', refresh_token: 'xoxe-new', expires_in: 43200 } }));
    const ts = await refreshTokens({
      provider: provider({ quirks: { token_response_nested_in: 'authed_user' } }),
      client: CLIENT,
      refreshToken: 'xoxe-old',
      allowInsecure: true,
      scopesIfMissing: ['search:read'],
    });
    assert.equal(ts.access_token, 'xoxp-new');
    assert.equal(ts.refresh_token, 'xoxe-new');
    assert.deepEqual(ts.scope, ['search:read']);
    assert.equal(fake.requests[0].form.get('grant_type'), 'refresh_token');
    assert.equal(fake.requests[0].form.get('refresh_token'), 'xoxe-old');
  });

  test('no scope in the response: the requested scopes are reported as granted', async () => {
    const ts = await exchangeWith(() => ({ json: { access_token: 'at_1', token_type: 'bearer' } }), provider(), ['read', 'write']);
    assert.deepEqual(ts.scope, ['read', 'write']);
  });

  test('expires_in as a string, and expires_in 0 meaning no expiry', async () => {
    let ts = await exchangeWith(() => ({ json: { access_token: 'at_1', token_type: 'bearer', expires_in: '3600' } }));
    assert.equal(ts.expires_at, '2030-01-01T01:00:00.000Z');
    ts = await exchangeWith(() => ({ json: { access_token: 'at_1', token_type: 'bearer', expires_in: 0 } }));
    assert.equal(ts.expires_at, undefined);
  });

  test('a form-encoded token response is accepted', async () => {
    const ts = await exchangeWith(
      () => ({
        text: 'access_token=at_form_0010&token_type=bearer&scope=repo%2Cgist&expires_in=60',
        contentType: 'application/x-www-form-urlencoded',
      }),
      provider({ quirks: { scopes_comma_separated: true } }),
    );
    assert.equal(ts.access_token, 'at_form_0010');
    assert.deepEqual(ts.scope, ['repo', 'gist']);
    assert.equal(ts.expires_at, '2030-01-01T00:01:00.000Z');
  });

  test('an id_token from an unknown issuer is decoded (not validated) for profile claims', async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const idToken = `${b64({ alg: 'RS256' })}.${b64({ iss: 'https://accounts.example.test', aud: 'someone-else', sub: 'u1', email: 'u1@example.test', exp: 1 })}.c2ln`;
    const ts = await exchangeWith(() => ({ json: { access_token: 'at_1', token_type: 'bearer', id_token: idToken } }));
    assert.equal(ts.id_token_claims?.email, 'u1@example.test');
    assert.equal(ts.id_token_claims?.iss, 'https://accounts.example.test');
    assert.ok(!JSON.stringify(ts).includes(idToken));
  });

  test('GitHub-style 200 + {"error"} is an oauth_error (bad_verification_code counts as invalid_grant)', async () => {
    const err = await rejection(
      exchangeWith(() => ({
        json: { error: 'bad_verification_code', error_description: `The code ${CODE} is incorrect or expired.` },
      })),
    );
    assert.equal(err.kind, 'oauth_error');
    assert.equal(err.oauthError, 'bad_verification_code');
    assert.equal(err.status, 200);
    assert.ok(isInvalidGrant(err));
    assertNoSecrets(err, SECRETS);
  });

  test('unknown extra fields are kept, credential-looking ones dropped', async () => {
    const ts = await exchangeWith(() => ({
      json: {
        access_token: 'at_1',
        token_type: 'bearer',
        user_id: 42,
        account: { login: 'octo', api_key: 'k_0011', nested_token: 't_0012' },
        client_secret: 'cs_0013',
        sig: 'a.b.c',
      },
    }));
    assert.deepEqual(ts.raw_extra, { user_id: 42, account: { login: 'octo' } });
  });
});

describe('failures', () => {
  test('HTML 500 is unexpected_status and transient', async () => {
    const err = await rejection(exchangeWith(() => ({ status: 500, text: '<html>oops</html>', contentType: 'text/html' })));
    assert.equal(err.kind, 'unexpected_status');
    assert.equal(err.status, 500);
    assert.ok(isTransient(err));
    assertNoSecrets(err, SECRETS);
  });

  test('200 with a non-JSON body is unexpected_body', async () => {
    const err = await rejection(exchangeWith(() => ({ text: '<html>login</html>', contentType: 'text/html' })));
    assert.equal(err.kind, 'unexpected_body');
    assert.ok(!isTransient(err));
  });

  test('401 with an invalid_client JSON body is oauth_error', async () => {
    const err = await rejection(
      exchangeWith(() => ({
        status: 401,
        json: { error: 'invalid_client', error_description: `bad secret ${CLIENT.clientSecret}` },
      })),
    );
    assert.equal(err.oauthError, 'invalid_client');
    assert.equal(err.status, 401);
    assertNoSecrets(err, SECRETS);
  });

  test('connection refused is a transient transport error', async () => {
    const dead = await startFakeTokenServer();
    const url = dead.tokenUrl;
    await dead.close();
    const err = await rejection(
      refreshTokens({
        provider: provider({ tokenUrl: url }),
        client: CLIENT,
        refreshToken: 'rt_secret_0014',
        allowInsecure: true,
      }),
    );
    assert.equal(err.kind, 'transport');
    assert.ok(isTransient(err));
    assertNoSecrets(err, [CLIENT.clientSecret, 'rt_secret_0014']);
    // Why it failed describes the operator's network: it stays in the cause (for the log), out of the message (issue #20, finding 9).
    assert.equal(err.message, `token refresh: could not reach ${new URL(url).origin}`);
    assert.match(String((err as Error & { cause?: Error }).cause?.message), /ECONNREFUSED/);
  });

  test('a hanging provider times out as a transport error', async () => {
    fake.answer(() => ({ hang: true }));
    const err = await rejection(
      refreshTokens({
        provider: provider(),
        client: CLIENT,
        refreshToken: 'rt_1',
        allowInsecure: true,
        timeoutMs: 200,
      }),
    );
    assert.equal(err.kind, 'transport');
    assert.match(err.message, /timed out after 200 ms/);
  });

  test('a callback with an error from the provider maps to oauth_error without a token request', async () => {
    const err = await rejection(
      exchangeCode({
        provider: provider(),
        client: CLIENT,
        redirectUri: REDIRECT,
        callbackUrl: callback({ error: 'access_denied', error_description: 'User said no', state: STATE }),
        expectedState: STATE,
        codeVerifier: VERIFIER,
        requestedScopes: [],
        allowInsecure: true,
      }),
    );
    assert.equal(err.oauthError, 'access_denied');
    assert.match(err.message, /User said no/);
    assert.equal(fake.requests.length, 0);
  });

  test('a callback without state, or with neither code nor error, is unexpected_body', async () => {
    for (const params of [{ code: CODE }, { state: STATE }] as Array<Record<string, string>>) {
      const err = await rejection(
        exchangeCode({
          provider: provider(),
          client: CLIENT,
          redirectUri: REDIRECT,
          callbackUrl: callback(params),
          expectedState: STATE,
          codeVerifier: VERIFIER,
          requestedScopes: [],
          allowInsecure: true,
        }),
      );
      assert.equal(err.kind, 'unexpected_body');
      assertNoSecrets(err, SECRETS);
    }
    assert.equal(fake.requests.length, 0);
  });

  test('an RFC 9207 iss parameter for another issuer does not break a plain OAuth2 callback', async () => {
    fake.answer(() => ({ json: { access_token: 'at_1', token_type: 'bearer' } }));
    const ts = await exchangeCode({
      provider: provider(),
      client: CLIENT,
      redirectUri: REDIRECT,
      callbackUrl: callback({ code: CODE, state: STATE, iss: 'https://login.example.test/tenant' }),
      expectedState: STATE,
      codeVerifier: VERIFIER,
      requestedScopes: [],
      allowInsecure: true,
    });
    assert.equal(ts.access_token, 'at_1');
  });
});

describe('issue #20 D: provider responses are read up to a cap', () => {
  const big = (n: number) => ({ access_token: 'at_1', token_type: 'bearer', padding: 'p'.repeat(n) });

  test('a token response under the cap is read in full', async () => {
    const ts = await exchangeWith(() => ({ json: big(MAX_OAUTH_RESPONSE_BYTES - 1000) }));
    assert.equal(ts.access_token, 'at_1');
  });

  test('a token response over the cap (declared length, gzip-expanded, or never ending) is unexpected_body, not buffered', async () => {
    for (const answer of [{ json: big(5 * 1024 * 1024) }, { json: big(20 * 1024 * 1024), gzip: true }, { endless: true }] as CannedAnswer[]) {
      const started = Date.now();
      fake.answer(() => answer);
      const e2 = await rejection(refreshTokens({ provider: provider(), client: CLIENT, refreshToken: 'rt_cap_0001', allowInsecure: true, timeoutMs: 10_000 }));
      assert.equal(e2.kind, 'unexpected_body', `${JSON.stringify(Object.keys(answer))}: ${e2.message}`);
      assert.match(e2.message, new RegExp(`token refresh: provider response is larger than ${MAX_OAUTH_RESPONSE_BYTES} bytes`));
      assert.ok(Date.now() - started < 5000, 'refused at once, not at the timeout');
      assertNoSecrets(e2, [CLIENT.clientSecret, 'rt_cap_0001']);
    }
    assert.ok(fake.endlessBytes() < 16 * 1024 * 1024, `the endless body was not read on (${fake.endlessBytes()} bytes written)`);
  });

  test('the cap covers the code exchange, error bodies and revocation too', async () => {
    const exchange = await rejection(exchangeWith(() => ({ json: big(MAX_OAUTH_RESPONSE_BYTES + 1) })));
    assert.equal(exchange.kind, 'unexpected_body');
    assert.match(exchange.message, /authorization code exchange: provider response is larger than/);
    const errorBody = await rejection(exchangeWith(() => ({ status: 400, json: { error: 'invalid_grant', padding: 'p'.repeat(MAX_OAUTH_RESPONSE_BYTES) } })));
    assert.equal(errorBody.kind, 'unexpected_body');
    assert.equal(errorBody.status, 400);
    fake.answer(() => ({ status: 503, text: 'x'.repeat(2 * MAX_OAUTH_RESPONSE_BYTES) }));
    const revoke = await rejection(revokeToken({ provider: provider(), client: CLIENT, token: 'rt_revoke_cap', allowInsecure: true }));
    assert.equal(revoke.kind, 'unexpected_body');
    assert.match(revoke.message, /token revocation: provider response is larger than/);
  });
});

describe('issue #20 C: RFC 9207 iss when the toolkit declares an issuer (mix-up defence)', () => {
  const ISSUER = 'https://login.example.test/tenant';
  const withIssuer = (params: Record<string, string> | URL) =>
    exchangeCode({
      provider: provider({ issuer: ISSUER }),
      client: CLIENT,
      redirectUri: REDIRECT,
      callbackUrl: params instanceof URL ? params : callback(params),
      expectedState: STATE,
      codeVerifier: VERIFIER,
      requestedScopes: [],
      allowInsecure: true,
    });

  test('the declared issuer is accepted', async () => {
    fake.answer(() => ({ json: { access_token: 'at_1', token_type: 'bearer' } }));
    assert.equal((await withIssuer({ code: CODE, state: STATE, iss: ISSUER })).access_token, 'at_1');
    assert.equal(fake.requests.length, 1);
  });

  test('another issuer, a missing iss or iss twice is refused before any token request, on success and error responses alike', async () => {
    fake.answer(() => ({ json: { access_token: 'at_1', token_type: 'bearer' } }));
    const twice = callback({ code: CODE, state: STATE, iss: ISSUER });
    twice.searchParams.append('iss', 'https://evil.example');
    const callbacks: Array<Record<string, string> | URL> = [
      { code: CODE, state: STATE, iss: 'https://evil.example' },
      { code: CODE, state: STATE, iss: `${ISSUER}/` },
      { code: CODE, state: STATE },
      { error: 'access_denied', state: STATE, iss: 'https://evil.example' },
      twice,
    ];
    for (const cb of callbacks) {
      const err = await rejection(withIssuer(cb));
      assert.equal(err.kind, 'unexpected_body', JSON.stringify(cb));
      assert.match(err.message, /iss does not name the expected issuer https:\/\/login\.example\.test\/tenant/);
      assertNoSecrets(err, SECRETS);
    }
    assert.equal(fake.requests.length, 0, 'no code was sent anywhere');
  });
});

describe('revocation', () => {
  test('sends token and hint; 200 and 204 both succeed', async () => {
    for (const status of [200, 204]) {
      fake.requests.length = 0;
      fake.answer(() => ({ status, text: '' }));
      await revokeToken({ provider: provider(), client: CLIENT, token: 'rt_revoke_0015', tokenTypeHint: 'refresh_token', allowInsecure: true });
      const [r] = fake.requests;
      assert.equal(r.path, '/oauth/revoke');
      assert.equal(r.form.get('token'), 'rt_revoke_0015');
      assert.equal(r.form.get('token_type_hint'), 'refresh_token');
    }
  });

  test('an OAuth error is reported; 503 is transient', async () => {
    fake.answer(() => ({ status: 400, json: { error: 'unsupported_token_type' } }));
    let err = await rejection(revokeToken({ provider: provider(), client: CLIENT, token: 'rt_0016', tokenTypeHint: 'refresh_token', allowInsecure: true }));
    assert.equal(err.oauthError, 'unsupported_token_type');
    assertNoSecrets(err, [CLIENT.clientSecret, 'rt_0016']);

    fake.answer(() => ({ status: 503, text: 'busy' }));
    err = await rejection(revokeToken({ provider: provider(), client: CLIENT, token: 'rt_0016', tokenTypeHint: 'refresh_token', allowInsecure: true }));
    assert.equal(err.kind, 'unexpected_status');
    assert.ok(isTransient(err));
  });

  test('a provider without a revocation URL is a config error', async () => {
    const err = await rejection(
      revokeToken({
        provider: provider({ revocationUrl: undefined }),
        client: CLIENT,
        token: 't',
        tokenTypeHint: 'access_token',
        allowInsecure: true,
      }),
    );
    assert.equal(err.kind, 'config');
    assert.equal(fake.requests.length, 0);
  });
});
