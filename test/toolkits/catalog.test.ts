import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BUILTIN_DIR, CatalogError, loadCatalog } from '../../src/toolkits/catalog.ts';
import type { ToolkitDef } from '../../src/toolkits/types.ts';

const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'authlink-toolkits-'));
after(() => rmSync(tmpRoot, { recursive: true, force: true }));
let dirs = 0;

/** A fresh directory holding the given files (strings verbatim, anything else as JSON). */
function dirWith(files: Record<string, unknown>): string {
  const dir = path.join(tmpRoot, String(dirs++));
  mkdirSync(dir);
  for (const [name, body] of Object.entries(files)) {
    writeFileSync(path.join(dir, name), typeof body === 'string' ? body : JSON.stringify(body, null, 2));
  }
  return dir;
}

/** A small valid toolkit: OAuth2 with a subdomain placeholder, plus an API key scheme. */
function acme(overrides: Record<string, unknown> = {}): Record<string, any> {
  const subdomain = { name: 'subdomain', display_name: 'Subdomain', description: 'acme for acme.acme.test', type: 'string', secret: false };
  return {
    slug: 'acme',
    name: 'Acme',
    description: 'Fictional provider',
    categories: ['test'],
    docs_url: 'https://docs.acme.test/oauth',
    base_url: 'https://{{subdomain}}.acme.test/api/v1',
    auth_schemes: [
      {
        mode: 'OAUTH2',
        name: 'OAuth 2.0',
        fields: {
          auth_config_creation: {
            required: [
              { name: 'client_id', display_name: 'Client ID', description: '', type: 'string', secret: false },
              { name: 'client_secret', display_name: 'Client secret', description: '', type: 'string', secret: true },
            ],
            optional: [],
          },
          connected_account_initiation: { required: [subdomain], optional: [] },
        },
        apply: [{ in: 'header', name: 'Authorization', value: 'Bearer {{access_token}}' }],
        oauth2: {
          authorization_url: 'https://{{subdomain}}.acme.test/oauth/authorize',
          token_url: 'https://{{subdomain}}.acme.test/oauth/token',
          default_scopes: ['read'],
          scope_separator: ' ',
          pkce: true,
          token_endpoint_auth_method: 'client_secret_basic',
        },
      },
      {
        mode: 'API_KEY',
        name: 'API key',
        fields: {
          auth_config_creation: { required: [], optional: [] },
          connected_account_initiation: {
            required: [subdomain, { name: 'api_key', display_name: 'API key', description: '', type: 'string', secret: true }],
            optional: [],
          },
        },
        apply: [{ in: 'header', name: 'X-Api-Key', value: '{{api_key}}' }],
      },
    ],
    ...overrides,
  };
}

/** The CatalogError's problem lines for one extra directory. */
function problemsFor(files: Record<string, unknown>): string[] {
  const dir = dirWith(files);
  try {
    loadCatalog({ extraDir: dir });
  } catch (e) {
    assert.ok(e instanceof CatalogError, String(e));
    for (const p of e.problems) assert.ok(e.message.includes(p), 'the message lists every problem');
    return e.problems.map((p) => p.replace(dir + path.sep, ''));
  }
  assert.fail('expected a CatalogError');
}

const builtinFiles = readdirSync(BUILTIN_DIR).filter((f) => f.endsWith('.json'));

test('every built-in toolkit file is valid and named after its slug', () => {
  const catalog = loadCatalog();
  assert.ok(catalog.size >= 42, `at least 42 built-ins, got ${catalog.size}`);
  assert.equal(catalog.size, builtinFiles.length);
  for (const file of builtinFiles) {
    const raw = JSON.parse(readFileSync(path.join(BUILTIN_DIR, file), 'utf8'));
    assert.equal(`${raw.slug}.json`, file);
    assert.equal(raw.$schema, '../../../docs/toolkit.schema.json', file);
    assert.match(raw.docs_url, /^https:\/\//, file);
  }
});

test('the required providers are all built in', () => {
  const catalog = loadCatalog();
  const wanted =
    'github gitlab bitbucket gmail googlecalendar googledrive googlesheets slack notion linear jira confluence asana trello hubspot salesforce outlook microsoft_teams onedrive dropbox box zoom discord figma airtable spotify twitter linkedin shopify zendesk intercom mailchimp clickup monday calendly stripe openai anthropic sendgrid twilio pagerduty sentry vercel supabase digitalocean';
  for (const slug of wanted.split(' ')) assert.ok(catalog.get(slug), slug);
});

test('built-in conventions: OAuth app fields, secrets, scheme order', () => {
  const secretish = /(key|secret|password|token)$/;
  for (const t of loadCatalog().list()) {
    const modes = t.auth_schemes.map((s) => s.mode);
    if (modes.includes('OAUTH2')) assert.equal(modes[0], 'OAUTH2', `${t.slug}: OAUTH2 first`);
    for (const s of t.auth_schemes) {
      const creation = s.fields.auth_config_creation;
      if (s.mode === 'OAUTH2') {
        assert.deepEqual(
          creation.required.map((f) => [f.name, f.secret]),
          [
            ['client_id', false],
            ['client_secret', true],
          ],
          t.slug,
        );
        assert.deepEqual(
          creation.optional.map((f) => f.name),
          ['scopes'],
          t.slug,
        );
      }
      for (const f of [...s.fields.connected_account_initiation.required, ...s.fields.connected_account_initiation.optional]) {
        if (secretish.test(f.name)) assert.equal(f.secret, true, `${t.slug}.${f.name} is secret`);
      }
    }
  }
});

test('Google toolkits share one OAuth pattern', () => {
  const catalog = loadCatalog();
  for (const slug of ['gmail', 'googlecalendar', 'googledrive', 'googlesheets']) {
    const o = catalog.get(slug)!.auth_schemes[0].oauth2!;
    assert.equal(o.authorization_url, 'https://accounts.google.com/o/oauth2/v2/auth');
    assert.equal(o.token_url, 'https://oauth2.googleapis.com/token');
    assert.equal(o.revocation_url, 'https://oauth2.googleapis.com/revoke');
    assert.deepEqual(o.authorize_params, { access_type: 'offline', prompt: 'consent' });
    assert.equal(o.pkce, true);
  }
});

test('list() is sorted by slug, get() finds by slug, $schema is dropped', () => {
  const catalog = loadCatalog();
  const slugs = catalog.list().map((t) => t.slug);
  assert.deepEqual(slugs, [...slugs].sort());
  assert.equal(catalog.get('github')?.name, 'GitHub');
  assert.equal(catalog.get('nope'), undefined);
  assert.equal('$schema' in catalog.get('github')!, false);
  assert.throws(
    () => {
      (catalog.get('github') as ToolkitDef).name = 'changed';
    },
    TypeError,
    'definitions are frozen: one caller cannot change them for all',
  );
});

test('an operator file adds a toolkit and overrides a built-in with the same slug', () => {
  const override = { ...acme(), slug: 'github', name: 'GitHub Enterprise (ours)' };
  const catalog = loadCatalog({ extraDir: dirWith({ 'acme.json': acme(), 'my-github.json': override, 'README.txt': 'ignored', '.hidden.json': '{' }) });
  const builtins = loadCatalog();
  assert.equal(catalog.size, builtins.size + 1);
  assert.equal(catalog.get('acme')?.auth_schemes[0].oauth2?.token_url, 'https://{{subdomain}}.acme.test/oauth/token');
  assert.equal(catalog.get('github')?.name, 'GitHub Enterprise (ours)');
  assert.equal(catalog.get('slack')?.name, builtins.get('slack')?.name);
});

test('a custom built-in directory replaces the shipped one', () => {
  const catalog = loadCatalog({ builtinDir: dirWith({ 'acme.json': acme() }) });
  assert.deepEqual(
    catalog.list().map((t) => t.slug),
    ['acme'],
  );
});

test('a broken file is reported with its name and the JSON path of the problem', () => {
  const bad = acme();
  bad.auth_schemes[0].oauth2.token_url = 'not a url';
  delete bad.auth_schemes[0].oauth2.pkce;
  const problems = problemsFor({ 'good.json': { ...acme(), slug: 'good' }, 'broken.json': bad });
  assert.ok(
    problems.some((p) => p.startsWith('broken.json: /auth_schemes/0/oauth2/token_url: ')),
    problems.join('\n'),
  );
  assert.ok(problems.includes('broken.json: /auth_schemes/0/oauth2/pkce: is required'), problems.join('\n'));
  assert.ok(
    problems.every((p) => p.startsWith('broken.json: ')),
    'the good file has no problems',
  );
});

test('problems in several files are all listed', () => {
  const problems = problemsFor({ 'a.json': { ...acme(), slug: 'Bad Slug' }, 'b.json': { ...acme(), slug: 'b', docs_url: 'nope' }, 'c.json': '{"slug": ' });
  assert.ok(problems.some((p) => p.startsWith('a.json: /slug: ')));
  assert.ok(problems.some((p) => p.startsWith('b.json: /docs_url: ')));
  assert.ok(
    problems.some((p) => /^c\.json: \/: not valid JSON: /.test(p)),
    problems.join('\n'),
  );
});

test('unknown keys are rejected at every level', () => {
  const t = acme({ sluggish: true });
  t.auth_schemes[0].oauth2.scope_seperator = ',';
  t.auth_schemes[0].oauth2.quirks = { token_type_mising: true };
  t.auth_schemes[1].fields.connected_account_initiation.required[1].secrett = true;
  t.auth_schemes[1].apply[0].extra = 1;
  const problems = problemsFor({ 'acme.json': t });
  for (const p of [
    '/sluggish',
    '/auth_schemes/0/oauth2/scope_seperator',
    '/auth_schemes/0/oauth2/quirks/token_type_mising',
    '/auth_schemes/1/fields/connected_account_initiation/required/1/secrett',
    '/auth_schemes/1/apply/0/extra',
  ]) {
    assert.ok(
      problems.some((line) => line.startsWith(`acme.json: ${p}: unknown key`)),
      `${p}\n${problems.join('\n')}`,
    );
  }
});

test('oauth2 is required for OAUTH2 and forbidden otherwise', () => {
  const t = acme();
  const settings = t.auth_schemes[0].oauth2;
  delete t.auth_schemes[0].oauth2;
  t.auth_schemes[1].oauth2 = settings;
  const problems = problemsFor({ 'acme.json': t });
  assert.ok(problems.includes('acme.json: /auth_schemes/0/oauth2: is required when mode is OAUTH2'), problems.join('\n'));
  assert.ok(problems.includes('acme.json: /auth_schemes/1/oauth2: is only allowed when mode is OAUTH2 or S2S_OAUTH2'), problems.join('\n'));
});

test('each mode takes its own settings block: S2S_OAUTH2 without a sign-in, OAUTH1 and GOOGLE_SERVICE_ACCOUNT theirs', () => {
  const t = acme();
  const oauth2 = t.auth_schemes[0].oauth2;
  t.auth_schemes = [
    { ...t.auth_schemes[0], mode: 'S2S_OAUTH2', oauth2: { ...oauth2, pkce: true } },
    { ...t.auth_schemes[1], mode: 'OAUTH1', apply: [{ in: 'oauth1' }, { in: 'query', name: 'token', value: '{{oauth_token}}' }] },
    {
      ...t.auth_schemes[1],
      mode: 'GOOGLE_SERVICE_ACCOUNT',
      apply: [{ in: 'oauth1' }],
      oauth1: {
        request_token_url: 'https://acme.test/rt',
        authorization_url: 'https://acme.test/a',
        access_token_url: 'https://acme.test/at',
        signature_method: 'HMAC-SHA1',
      },
    },
  ];
  const problems = problemsFor({ 'acme.json': t });
  for (const expected of [
    'acme.json: /auth_schemes/0/oauth2/authorization_url: is not used with S2S_OAUTH2 (no person signs in): leave it out',
    'acme.json: /auth_schemes/0/oauth2/pkce: must be false with S2S_OAUTH2 (PKCE belongs to the sign-in flow)',
    'acme.json: /auth_schemes/1/oauth1: is required when mode is OAUTH1',
    'acme.json: /auth_schemes/2/service_account: is required when mode is GOOGLE_SERVICE_ACCOUNT',
    'acme.json: /auth_schemes/2/oauth1: is only allowed when mode is OAUTH1',
    'acme.json: /auth_schemes/2/apply/0/in: "oauth1" signs requests of OAUTH1 schemes only',
  ]) {
    assert.ok(problems.includes(expected), `missing: ${expected}\n${problems.join('\n')}`);
  }
  assert.ok(!problems.some((p) => p.includes('/auth_schemes/1/apply')), 'an OAUTH1 scheme may sign and name {{oauth_token}}');
});

test('URL placeholders must name connected_account_initiation fields', () => {
  const t = acme({ base_url: 'https://{{subdomain}}.acme.test/{{region}}' });
  t.auth_schemes[0].oauth2.token_url = 'https://{{tenant}}.acme.test/token';
  const problems = problemsFor({ 'acme.json': t });
  assert.ok(
    problems.some((p) => p.startsWith('acme.json: /base_url: placeholder {{region}} is not a connected_account_initiation field')),
    problems.join('\n'),
  );
  assert.ok(
    problems.some((p) => p.startsWith('acme.json: /auth_schemes/0/oauth2/token_url: placeholder {{tenant}}')),
    problems.join('\n'),
  );
});

test('a host placeholder must sit under a fixed domain', () => {
  const problems = problemsFor({ 'acme.json': acme({ base_url: 'https://{{subdomain}}.test/api' }) });
  assert.ok(
    problems.some((p) => p.startsWith('acme.json: /base_url: a {{placeholder}} in the host')),
    problems.join('\n'),
  );
});

test('apply placeholders must name a field of the scheme (or access_token for OAUTH2)', () => {
  const t = acme();
  t.auth_schemes[1].apply[0].value = '{{access_token}}';
  const problems = problemsFor({ 'acme.json': t });
  assert.ok(problems.includes('acme.json: /auth_schemes/1/apply/0/value: placeholder {{access_token}} is not a field of this scheme'), problems.join('\n'));
});

test('duplicate field names, modes and slugs are caught', () => {
  const t = acme();
  t.auth_schemes[1].fields.connected_account_initiation.optional.push({ name: 'api_key', display_name: 'x', description: '', type: 'string', secret: true });
  t.auth_schemes.push({ ...t.auth_schemes[1], name: 'Another key' });
  const problems = problemsFor({ 'acme.json': t, 'acme2.json': acme() });
  assert.ok(
    problems.some((p) => p.startsWith('acme.json: /auth_schemes/1/fields/connected_account_initiation/optional/0/name: duplicate field name "api_key"')),
    problems.join('\n'),
  );
  assert.ok(
    problems.some((p) => p.startsWith('acme.json: /auth_schemes/2/mode: duplicate mode "API_KEY"')),
    problems.join('\n'),
  );
  assert.ok(
    problems.some((p) => p.startsWith('acme2.json: /slug: slug "acme" is already defined by ')),
    problems.join('\n'),
  );
});

test('reserved authorize parameters and malformed placeholders are rejected', () => {
  const t = acme();
  t.auth_schemes[0].oauth2.authorize_params = { redirect_uri: 'https://evil.test', audience: 'ok' };
  t.auth_schemes[1].apply[0].value = '{{ api_key }}';
  const problems = problemsFor({ 'acme.json': t });
  assert.ok(
    problems.some((p) => p.startsWith('acme.json: /auth_schemes/0/oauth2/authorize_params/redirect_uri: ')),
    problems.join('\n'),
  );
  assert.ok(
    problems.some((p) => p.startsWith('acme.json: /auth_schemes/1/apply/0/value: ')),
    problems.join('\n'),
  );
  assert.equal(problems.length, 2, problems.join('\n'));
});

test('a missing operator directory is an error, not an empty catalog', () => {
  assert.throws(
    () => loadCatalog({ extraDir: path.join(tmpRoot, 'does-not-exist') }),
    (e: unknown) => e instanceof CatalogError && /does-not-exist: \/: cannot read toolkit directory \(ENOENT\)/.test(e.message),
  );
});

test('the worked example in docs/toolkits.md is a valid toolkit', () => {
  const md = readFileSync(new URL('../../docs/toolkits.md', import.meta.url), 'utf8');
  const example = /```json\n([\s\S]*?)\n```/.exec(md)?.[1];
  assert.ok(example, 'docs/toolkits.md has a json example');
  const catalog = loadCatalog({ builtinDir: dirWith({}), extraDir: dirWith({ 'acme.json': example }) });
  assert.equal(catalog.get('acme')?.auth_schemes.length, 2);
});
