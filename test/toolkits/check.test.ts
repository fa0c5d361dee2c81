// Issue #17: `authlink toolkits check [dir]` — start-up's validation plus the
// catalog-quality rules of src/toolkits/check.ts, each problem naming file +
// JSON pointer. The built-in catalog must pass; a broken directory shows the
// exact problem of every rule.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUILTIN_DIR } from '../../src/toolkits/catalog.ts';
import { checkToolkitDir, registrableDomain } from '../../src/toolkits/check.ts';

const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'authlink-check-'));
after(() => rmSync(tmpRoot, { recursive: true, force: true }));
let dirs = 0;

function dirWith(files: Record<string, unknown>): string {
  const dir = path.join(tmpRoot, String(dirs++));
  mkdirSync(dir);
  for (const [name, body] of Object.entries(files)) writeFileSync(path.join(dir, name), typeof body === 'string' ? body : JSON.stringify(body, null, 2));
  return dir;
}

const field = (name: string, extra: Record<string, unknown> = {}) => ({ name, display_name: name, description: '', type: 'string', secret: false, ...extra });

/** A valid toolkit: OAuth2 on the provider's own domain, with a subdomain placeholder. */
function acme(slug: string, oauth2: Record<string, unknown> = {}, top: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    slug,
    name: 'Acme Cloud',
    description: 'Fictional provider',
    categories: ['test'],
    docs_url: 'https://docs.acme.test/oauth',
    base_url: 'https://{{subdomain}}.acme.test/api/v1',
    auth_schemes: [
      {
        mode: 'OAUTH2',
        name: 'OAuth 2.0',
        fields: {
          auth_config_creation: { required: [field('client_id'), field('client_secret', { secret: true })], optional: [] },
          connected_account_initiation: { required: [field('subdomain')], optional: [] },
        },
        apply: [{ in: 'header', name: 'Authorization', value: 'Bearer {{access_token}}' }],
        oauth2: {
          authorization_url: 'https://{{subdomain}}.acme.test/oauth/authorize',
          token_url: 'https://{{subdomain}}.acme.test/oauth/token',
          default_scopes: ['read'],
          scope_separator: ' ',
          pkce: true,
          token_endpoint_auth_method: 'client_secret_basic',
          ...oauth2,
        },
      },
    ],
    ...top,
  };
}

/** An API-key-only toolkit whose base_url takes the given initiation fields. */
function keyed(slug: string, base_url: string, required: object[], optional: object[] = []): Record<string, unknown> {
  return {
    slug,
    name: 'Keyed',
    description: 'Fictional provider',
    categories: ['test'],
    docs_url: 'https://docs.keyed.test/',
    base_url,
    auth_schemes: [
      {
        mode: 'API_KEY',
        name: 'API key',
        fields: { auth_config_creation: { required: [], optional: [] }, connected_account_initiation: { required, optional } },
        apply: [{ in: 'header', name: 'X-Key', value: '{{api_key}}' }],
      },
    ],
  };
}

/** Problems as "<file name>: <pointer>: <message>", the directory left out. */
const lines = (dir: string, result: ReturnType<typeof checkToolkitDir>) =>
  result.problems.map((p) => `${path.relative(dir, p.file) || '.'}: ${p.pointer}: ${p.message}`);

test('the built-in catalog passes every rule (the same check `authlink toolkits check` runs)', () => {
  const result = checkToolkitDir();
  assert.deepEqual(result.problems, []);
  assert.equal(result.builtin, true);
  assert.equal(result.toolkits.length, readdirSync(BUILTIN_DIR).filter((f) => f.endsWith('.json')).length);
  assert.ok(result.toolkits.length >= 253);
  assert.deepEqual(result.replaces, []);
});

test('registrable domains: two labels, three under a country-code second level, IP addresses whole', () => {
  assert.equal(registrableDomain('login.microsoftonline.com'), 'microsoftonline.com');
  assert.equal(registrableDomain('API.Example.co.uk:8443'), 'example.co.uk');
  assert.equal(registrableDomain('oauth.accounting.sage.com'), 'sage.com');
  assert.equal(registrableDomain('{{subdomain}}.zendesk.com'), 'zendesk.com');
  assert.equal(registrableDomain('{{subdomain}}.co.uk'), '{{subdomain}}.co.uk');
  assert.equal(registrableDomain('10.1.2.3'), '10.1.2.3');
  assert.equal(registrableDomain('example.io'), 'example.io');
});

test('a broken operator directory: every rule reports its exact problem, file + pointer + message', () => {
  const github = JSON.parse(readFileSync(path.join(BUILTIN_DIR, 'github.json'), 'utf8'));
  const dir = dirWith({
    // Start-up's own problems come through unchanged.
    'broken.json': '{"slug": ',
    'typo.json': acme('typo', { scope_seperator: ',' }),
    // https only
    'http.json': acme(
      'http_only',
      { token_url: 'http://{{subdomain}}.acme.test/oauth/token' },
      { docs_url: 'http://docs.acme.test/oauth', logo: 'http://cdn.example.com/a.png' },
    ),
    // hosts consistent with the provider's domains
    'hosts.json': acme('hosts', {
      token_url: 'https://login.evil.test/oauth/token',
      authorization_url: 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize',
      userinfo_url: 'https://api.acme.test/me',
    }),
    'suffix.json': acme('suffix', {}, { base_url: 'https://{{subdomain}}.co.uk/api' }),
    // scopes well-formed
    'scopes.json': acme('scopes', { default_scopes: ['read', 'read', 'a b', 'tea,cup', 'café', 'say"hi"', 'x+y'], scope_separator: '+' }),
    'separator.json': acme('separator', { default_scopes: ['read'], scope_separator: 'x' }),
    // URL placeholders: required fields or defaults that can fill the URL, never secrets
    'placeholders.json': keyed(
      'placeholders',
      'https://{{region}}.keyed.test/{{api_key}}',
      [field('api_key', { secret: true })],
      [field('region', { default: 'eu.api' })],
    ),
    'optional.json': keyed('optional', 'https://{{region}}.keyed.test/', [field('api_key', { secret: true })], [field('region')]),
    // slugs: Composio-style, not reserved, unique in the directory
    'slug.json': acme('acme__cloud'),
    'reserved.json': acme('composio'),
    'twin-1.json': acme('twin'),
    'twin-2.json': acme('twin'),
    // logos
    'icon.json': acme('iconic', {}, { icon: 'github' }),
    'nameless.json': acme('nameless', {}, { name: '—' }),
    // A copied built-in replaces it, keeps its bundled icon: no problem.
    'github.json': { ...github, $schema: undefined },
  });
  const result = checkToolkitDir(dir);
  assert.equal(result.builtin, false);
  assert.deepEqual(result.replaces, ['github']);
  const twin1 = path.join(dir, 'twin-1.json');
  assert.deepEqual(lines(dir, result), [
    `broken.json: /: not valid JSON: ${(() => {
      try {
        JSON.parse('{"slug": ');
      } catch (e) {
        return (e as Error).message;
      }
    })()}`,
    "hosts.json: /auth_schemes/0/oauth2/authorization_url: host login.microsoftonline.com is not on the provider's domains (acme.test (base_url)): an OAuth endpoint must share a registrable domain with base_url or docs_url, or be a sign-in domain src/toolkits/check.ts lists for one of them",
    "hosts.json: /auth_schemes/0/oauth2/token_url: host login.evil.test is not on the provider's domains (acme.test (base_url)): an OAuth endpoint must share a registrable domain with base_url or docs_url, or be a sign-in domain src/toolkits/check.ts lists for one of them",
    'http.json: /docs_url: must be https:// (got "http://docs.acme.test/oauth"): credentials, tokens and the pages users are sent to travel over it',
    'http.json: /logo: must be https:// (got "http://cdn.example.com/a.png"): credentials, tokens and the pages users are sent to travel over it',
    'http.json: /auth_schemes/0/oauth2/token_url: must be https:// (got "http://{{subdomain}}.acme.test/oauth/token"): credentials, tokens and the pages users are sent to travel over it',
    'icon.json: /icon: "github" has no effect: only the built-ins\' Simple Icons logos are bundled (npm run logos), so this toolkit gets the generated initials tile; set logo to an https URL, or leave icon out',
    'nameless.json: /name: "—" has no letter or digit, so its generated logo would read "?": name the toolkit, or set logo',
    'optional.json: /base_url: placeholder {{region}} names optional field "region" of auth_schemes/0 (API_KEY) with no default, so the URL could not be built',
    'placeholders.json: /base_url: placeholder {{api_key}} names secret field "api_key" of auth_schemes/0 (API_KEY): URLs are logged and hosts resolved in clear, so a secret belongs in an apply rule',
    'placeholders.json: /base_url: the default of {{region}} in auth_schemes/0 (API_KEY) cannot fill this URL: Value for {{region}} in the URL host must be a single hostname label (letters, digits and inner hyphens, at most 63)',
    'reserved.json: /slug: "composio" is reserved: it is the toolkit of the session meta tools (COMPOSIO_*)',
    'scopes.json: /auth_schemes/0/oauth2/default_scopes/2: must match ^[^\\s,]+$ (got "a b")',
    'scopes.json: /auth_schemes/0/oauth2/default_scopes/3: must match ^[^\\s,]+$ (got "tea,cup")',
    'scopes.json: /auth_schemes/0/oauth2/default_scopes: must NOT have duplicate items (items ## 1 and 0 are identical)',
    'scopes.json: /auth_schemes/0/oauth2/default_scopes/4: "café" has a character RFC 6749 (3.3) does not allow in a scope: " or \\, a control character or a non-ASCII one',
    'scopes.json: /auth_schemes/0/oauth2/default_scopes/5: "say\\"hi\\"" has a character RFC 6749 (3.3) does not allow in a scope: " or \\, a control character or a non-ASCII one',
    'scopes.json: /auth_schemes/0/oauth2/default_scopes/6: "x+y" contains the scope separator "+": the authorization URL would split it in two',
    'separator.json: /auth_schemes/0/oauth2/scope_separator: "x" holds a letter, digit or underscore, which scopes are made of: use " " or "," as the provider documents',
    'slug.json: /slug: "acme__cloud" is not a Composio-style slug: lowercase words of letters and digits joined by single underscores, starting with a letter (e.g. google_maps)',
    "suffix.json: /base_url: the host's registrable domain {{subdomain}}.co.uk holds a placeholder: a connection could pick the site its credentials go to (put the placeholder in front of the provider's own domain, e.g. {{subdomain}}.example.co.uk)",
    `twin-2.json: /slug: slug "twin" is already defined by ${twin1}`,
    'typo.json: /auth_schemes/0/oauth2/scope_seperator: unknown key (allowed: authorization_url, token_url, revocation_url, userinfo_url, issuer, subject, default_scopes, scope_separator, scope_param, authorize_params, pkce, token_endpoint_auth_method, quirks)',
  ]);
});

test("the same sign-in domain passes for the provider it belongs to: Microsoft's for a Graph toolkit, not for anyone else's", () => {
  const graph = acme('graph_like', {
    authorization_url: 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize',
    token_url: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
  });
  const dir = dirWith({ 'graph.json': { ...graph, base_url: 'https://graph.microsoft.com/v1.0', docs_url: 'https://learn.microsoft.com/graph' } });
  assert.deepEqual(checkToolkitDir(dir).problems, []);
  // docs_url alone makes the provider's domain too (the API may live elsewhere, e.g. googleapis.com).
  const docs = dirWith({
    'docs.json': acme('docs_domain', { token_url: 'https://oauth.docs-only.test/token' }, { docs_url: 'https://developer.docs-only.test/' }),
  });
  assert.deepEqual(checkToolkitDir(docs).problems, []);
  // ... unless the docs are on a platform anyone publishes on: github.com names no provider.
  const shared = dirWith({
    'shared.json': acme('shared_docs', { token_url: 'https://gist.github.com/oauth/token' }, { docs_url: 'https://github.com/acme/api-docs' }),
  });
  assert.deepEqual(lines(shared, checkToolkitDir(shared)), [
    "shared.json: /auth_schemes/0/oauth2/token_url: host gist.github.com is not on the provider's domains (acme.test (base_url)): an OAuth endpoint must share a registrable domain with base_url or docs_url, or be a sign-in domain src/toolkits/check.ts lists for one of them",
  ]);
});

test('built-in rules: a file is named after its slug, its icon is in logos.generated.json', () => {
  const dir = dirWith({ 'wrong-name.json': acme('acme'), 'github.json': acme('github', {}, { name: 'GitHub', icon: 'gitlab' }) });
  const result = checkToolkitDir(dir, true);
  assert.deepEqual(lines(dir, result), [
    'github.json: /icon: "gitlab" is not this toolkit\'s logo in src/toolkits/logos.generated.json: run npm run logos',
    "wrong-name.json: /slug: a built-in's file is named after its slug: rename wrong-name.json to acme.json",
  ]);
  assert.deepEqual(result.replaces, [], 'the built-ins replace nothing');
});

test('a missing directory is a problem, not an empty catalog', () => {
  const missing = path.join(tmpRoot, 'nope');
  assert.deepEqual(checkToolkitDir(missing).problems, [{ file: missing, pointer: '/', message: 'cannot read toolkit directory (ENOENT)' }]);
});

test('OAuth 1.0a and service-account endpoints get the same https and host rules, service-account scopes the same scope rules', () => {
  const base = acme('other_modes');
  const scheme = (base.auth_schemes as Record<string, unknown>[])[0];
  const { oauth2: _oauth2, ...common } = scheme;
  base.auth_schemes = [
    {
      ...common,
      mode: 'OAUTH1',
      apply: [{ in: 'oauth1' }],
      oauth1: {
        request_token_url: 'http://{{subdomain}}.acme.test/oauth/request_token',
        authorization_url: 'https://{{subdomain}}.acme.test/oauth/authorize',
        access_token_url: 'https://tokens.evil.test/oauth/access_token',
        signature_method: 'HMAC-SHA1',
      },
    },
    {
      ...common,
      mode: 'GOOGLE_SERVICE_ACCOUNT',
      fields: {
        auth_config_creation: { required: [], optional: [] },
        connected_account_initiation: { required: [field('subdomain'), field('credentials_json', { secret: true })], optional: [] },
      },
      service_account: { token_url: 'https://oauth2.evil.test/token', default_scopes: ['café'], scope_separator: ' ' },
    },
  ];
  const problems = checkToolkitDir(dirWith({ 'modes.json': base })).problems.map((p) => `${p.pointer}: ${p.message.split(':')[0]}`);
  assert.deepEqual(
    problems.sort(),
    [
      "/auth_schemes/0/oauth1/access_token_url: host tokens.evil.test is not on the provider's domains (acme.test (base_url))",
      '/auth_schemes/0/oauth1/request_token_url: must be https',
      '/auth_schemes/1/service_account/default_scopes/0: "café" has a character RFC 6749 (3.3) does not allow in a scope',
      "/auth_schemes/1/service_account/token_url: host oauth2.evil.test is not on the provider's domains (acme.test (base_url))",
    ].sort(),
  );
});
