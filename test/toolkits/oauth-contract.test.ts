// Issue #17: a contract test per built-in OAuth toolkit, generated from the
// catalog. Each toolkit's hosts are rewritten to one stand-in provider on
// 127.0.0.1 (test/oauth/fake-token-server.ts); the real src/oauth functions
// build its authorize URL and send its code exchange, refresh and revocation,
// and what goes on the wire is checked against what the toolkit file
// declares: scope separator and parameter, PKCE, extra authorize parameters,
// client authentication. The stand-in answers in the shape of the toolkit's
// declared quirks (no token_type, comma-separated scopes, tokens nested under
// a key, rotating refresh tokens), which the client must undo. A failure names
// the toolkit. Client credentials schemes (no authorization_url) are not
// covered here (test/oauth/client-credentials.test.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { buildAuthorizeUrl, exchangeCode, newPkce, newState, oauthProviderFromSettings, refreshTokens, revokeToken } from '../../src/oauth/index.ts';
import { loadCatalog } from '../../src/toolkits/catalog.ts';
import { fillUrlTemplate } from '../../src/toolkits/template.ts';
import type { AuthScheme, OAuth2Settings, ToolkitDef } from '../../src/toolkits/types.ts';
import { type CannedAnswer, type FakeTokenServer, type RecordedRequest, startFakeTokenServer } from '../oauth/fake-token-server.ts';

const REDIRECT = 'http://127.0.0.1:1/api/v3.1/toolkits/auth/callback';
const NOW = new Date('2030-01-01T00:00:00.000Z');

/** Every built-in scheme that signs a person in (authorization code flow), with its toolkit. */
const cases: { toolkit: ToolkitDef; scheme: AuthScheme; oauth2: OAuth2Settings }[] = loadCatalog()
  .list()
  .flatMap((toolkit) => toolkit.auth_schemes.flatMap((scheme) => (scheme.oauth2?.authorization_url ? [{ toolkit, scheme, oauth2: scheme.oauth2 }] : [])));

let fake: FakeTokenServer;
/** What the stand-in answers, per toolkit slug (the first path segment of every rewritten URL). */
const answers = new Map<string, (req: RecordedRequest) => CannedAnswer>();
before(async () => {
  fake = await startFakeTokenServer((req) => {
    const slug = req.path.split('/')[1];
    return answers.get(slug)?.(req) ?? { status: 500, text: `no answer for ${req.path}` };
  });
});
after(() => fake.close());

/** Connection fields a person would give: a label for each required field, defaults for the others. */
function connectionVars(scheme: AuthScheme): Record<string, string> {
  const { required, optional } = scheme.fields.connected_account_initiation;
  const vars: Record<string, string> = {};
  for (const f of required) vars[f.name] = `${f.name.replace(/_/g, '-')}1`;
  for (const f of optional) if (f.default !== undefined) vars[f.name] = f.default;
  return vars;
}

const b64url = (buf: Buffer) => buf.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/** A token endpoint answer in the shape the toolkit's quirks declare. */
function tokenAnswer(oauth2: OAuth2Settings, tokens: { access_token: string; refresh_token?: string }, scopes: string[], nested: boolean): CannedAnswer {
  const quirks = oauth2.quirks ?? {};
  const body: Record<string, unknown> = { ...tokens, expires_in: 3600 };
  if (!quirks.token_type_missing) body.token_type = 'Bearer';
  if (scopes.length) body.scope = scopes.join(quirks.scopes_comma_separated ? ',' : ' ');
  const key = quirks.token_response_nested_in;
  // e.g. Slack user tokens: the top level carries another (bot) token, which must not be taken.
  if (key && nested) return { json: { ok: true, access_token: 'top-level-decoy', token_type: 'bot', [key]: { id: 'U1', ...body } } };
  return { json: body };
}

/** The rewritten URL's path for an original URL template: /<slug><original path>. */
const standInPath = (slug: string, template: string, vars: Record<string, string>) => `/${slug}${new URL(fillUrlTemplate(template, vars)).pathname}`;

describe('OAuth contract per built-in toolkit (authorize URL, code exchange, refresh, revocation)', () => {
  test('the catalog has authorization-code OAuth toolkits to check', () => {
    assert.ok(cases.length >= 130, `${cases.length} OAuth toolkits`);
  });

  for (const { toolkit, scheme, oauth2 } of cases) {
    const slug = toolkit.slug;
    test(`${slug}: ${oauth2.scope_param ?? 'scope'} joined by ${JSON.stringify(oauth2.scope_separator)}, PKCE ${oauth2.pkce ? 'on' : 'off'}, ${oauth2.token_endpoint_auth_method}${Object.keys(oauth2.quirks ?? {}).length ? `, quirks ${Object.keys(oauth2.quirks ?? {}).join(' ')}` : ''}`, async () => {
      const vars = connectionVars(scheme);
      // The real fillUrlTemplate fills the toolkit's placeholders; then the host goes to the stand-in.
      const provider = oauthProviderFromSettings(oauth2, (template) => {
        const real = new URL(fillUrlTemplate(template, vars));
        return `${fake.origin}/${slug}${real.pathname}${real.search}`;
      });
      const client = { clientId: `client-${slug}`, clientSecret: `secret-${slug}` };
      const requests = () => fake.requests.filter((r) => r.path.startsWith(`/${slug}/`));
      const scopes = oauth2.default_scopes;

      // -- authorize URL
      const state = newState();
      const pkce = await newPkce();
      const url = new URL(
        buildAuthorizeUrl({
          provider,
          client,
          redirectUri: REDIRECT,
          scopes,
          state,
          codeChallenge: oauth2.pkce ? pkce.challenge : undefined,
          allowInsecure: true,
        }),
      );
      const q = url.searchParams;
      assert.equal(`${url.origin}${url.pathname}`, `${fake.origin}${standInPath(slug, oauth2.authorization_url!, vars)}`);
      assert.equal(q.get('response_type'), 'code');
      assert.equal(q.get('client_id'), client.clientId);
      assert.equal(q.get('redirect_uri'), REDIRECT);
      assert.equal(q.get('state'), state);
      const scopeParam = oauth2.scope_param ?? 'scope';
      if (scopes.length) {
        assert.equal(q.get(scopeParam), scopes.join(oauth2.scope_separator), `scopes in ${scopeParam}, joined by the declared separator`);
        assert.ok(!url.search.includes('+'), 'a space is sent as %20, never +');
      } else assert.equal(q.get(scopeParam), null, 'no scopes declared: none sent');
      if (scopeParam !== 'scope') assert.equal(q.get('scope'), null, `scopes go in ${scopeParam} only`);
      if (oauth2.pkce) {
        assert.equal(q.get('code_challenge'), b64url(createHash('sha256').update(pkce.verifier).digest()), 'S256 of the kept verifier');
        assert.equal(q.get('code_challenge_method'), 'S256');
      } else {
        assert.equal(q.get('code_challenge'), null);
        assert.equal(q.get('code_challenge_method'), null);
      }
      for (const [k, v] of Object.entries(oauth2.authorize_params ?? {})) assert.equal(q.get(k), v, `authorize_params.${k}`);
      // Fixed parameters of the file's own authorization URL stay (e.g. BambooHR's request=authorize).
      for (const [k, v] of new URL(fillUrlTemplate(oauth2.authorization_url!, vars)).searchParams) assert.equal(q.get(k), v, `${k} of authorization_url`);

      // -- code exchange
      const tokenPath = standInPath(slug, oauth2.token_url, vars);
      const rotates = oauth2.quirks?.refresh_token_rotates === true;
      answers.set(slug, (req) =>
        req.form.get('grant_type') === 'authorization_code'
          ? tokenAnswer(oauth2, { access_token: `at-1-${slug}`, refresh_token: `rt-1-${slug}` }, scopes, true)
          : req.form.get('grant_type') === 'refresh_token'
            ? tokenAnswer(oauth2, { access_token: `at-2-${slug}`, ...(rotates ? { refresh_token: `rt-2-${slug}` } : {}) }, scopes, false)
            : { status: 200, text: '' },
      );
      const callback = new URL(REDIRECT);
      callback.searchParams.set('code', `code-${slug}`);
      callback.searchParams.set('state', state);
      if (provider.issuer) callback.searchParams.set('iss', provider.issuer); // RFC 9207: the declared issuer is required
      const tokens = await exchangeCode({
        provider,
        client,
        redirectUri: REDIRECT,
        callbackUrl: callback,
        expectedState: state,
        codeVerifier: oauth2.pkce ? pkce.verifier : undefined,
        requestedScopes: scopes,
        allowInsecure: true,
        now: () => NOW,
      });
      const [exchange] = requests();
      assert.equal(exchange.method, 'POST');
      assert.equal(exchange.path, tokenPath);
      assert.equal(exchange.form.get('grant_type'), 'authorization_code');
      assert.equal(exchange.form.get('code'), `code-${slug}`);
      assert.equal(exchange.form.get('redirect_uri'), REDIRECT);
      assert.equal(exchange.form.get('code_verifier'), oauth2.pkce ? pkce.verifier : null, 'code_verifier iff PKCE');
      const assertClientAuth = (r: RecordedRequest, what: string) => {
        if (oauth2.token_endpoint_auth_method === 'client_secret_basic') {
          assert.equal(r.headers.authorization, basic(client.clientId, client.clientSecret), `${what}: HTTP Basic`);
          assert.equal(r.form.get('client_secret'), null, `${what}: no secret in the body`);
        } else {
          assert.equal(r.headers.authorization, undefined, `${what}: no Authorization header`);
          assert.equal(r.form.get('client_id'), client.clientId, `${what}: client_id in the body`);
          assert.equal(r.form.get('client_secret'), client.clientSecret, `${what}: client_secret in the body`);
        }
      };
      assertClientAuth(exchange, 'code exchange');
      assert.deepEqual(
        {
          access_token: tokens.access_token,
          token_type: tokens.token_type,
          refresh_token: tokens.refresh_token,
          scope: tokens.scope,
          expires_at: tokens.expires_at,
        },
        { access_token: `at-1-${slug}`, token_type: 'bearer', refresh_token: `rt-1-${slug}`, scope: [...scopes], expires_at: '2030-01-01T01:00:00.000Z' },
        'the token response, its quirks undone',
      );

      // -- refresh
      const refreshed = await refreshTokens({ provider, client, refreshToken: `rt-1-${slug}`, allowInsecure: true, now: () => NOW, scopesIfMissing: scopes });
      const refresh = requests()[1];
      assert.equal(refresh.path, tokenPath);
      assert.equal(refresh.form.get('grant_type'), 'refresh_token');
      assert.equal(refresh.form.get('refresh_token'), `rt-1-${slug}`);
      assert.equal(refresh.form.get('code_verifier'), null);
      assertClientAuth(refresh, 'refresh');
      assert.equal(refreshed.access_token, `at-2-${slug}`);
      assert.equal(refreshed.token_type, 'bearer');
      assert.deepEqual(refreshed.scope, [...scopes]);
      assert.equal(
        refreshed.refresh_token,
        rotates ? `rt-2-${slug}` : undefined,
        rotates ? 'the rotated refresh token is returned' : 'none returned: keep the old one',
      );

      // -- revocation
      if (oauth2.revocation_url) {
        await revokeToken({ provider, client, token: `at-2-${slug}`, tokenTypeHint: 'access_token', allowInsecure: true });
        const revoke = requests()[2];
        assert.equal(revoke.path, standInPath(slug, oauth2.revocation_url, vars));
        assert.equal(revoke.form.get('token'), `at-2-${slug}`);
        assert.equal(revoke.form.get('token_type_hint'), 'access_token');
        assert.equal(revoke.form.get('grant_type'), null);
        assertClientAuth(revoke, 'revocation');
      }
      assert.equal(requests().length, oauth2.revocation_url ? 3 : 2, 'nothing else was sent');
    });
  }
});
