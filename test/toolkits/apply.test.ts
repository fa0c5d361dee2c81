import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyCredentials } from '../../src/toolkits/apply.ts';
import { loadCatalog } from '../../src/toolkits/catalog.ts';
import { TemplateError } from '../../src/toolkits/template.ts';
import type { AuthMode, AuthScheme } from '../../src/toolkits/types.ts';

const catalog = loadCatalog();
const schemeOf = (slug: string, mode: AuthMode): AuthScheme => {
  const s = catalog.get(slug)?.auth_schemes.find((x) => x.mode === mode);
  assert.ok(s, `${slug} has a ${mode} scheme`);
  return s;
};
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

test('OAUTH2: bearer access token (github)', () => {
  assert.deepEqual(applyCredentials(schemeOf('github', 'OAUTH2'), { access_token: 'gho_abc', client_secret: 'never-sent' }), {
    headers: { Authorization: 'Bearer gho_abc' },
    query: {},
  });
});

test('OAUTH2: provider-specific header (shopify) and extra literal header (notion)', () => {
  assert.deepEqual(applyCredentials(schemeOf('shopify', 'OAUTH2'), { access_token: 'tok', subdomain: 'acme' }), {
    headers: { 'X-Shopify-Access-Token': 'tok' },
    query: {},
  });
  assert.deepEqual(applyCredentials(schemeOf('notion', 'OAUTH2'), { access_token: 'tok' }), {
    headers: { Authorization: 'Bearer tok', 'Notion-Version': '2022-06-28' },
    query: {},
  });
});

test('API_KEY: header key plus version header (anthropic)', () => {
  assert.deepEqual(applyCredentials(schemeOf('anthropic', 'API_KEY'), { api_key: 'sk-ant-1' }), {
    headers: { 'x-api-key': 'sk-ant-1', 'anthropic-version': '2023-06-01' },
    query: {},
  });
});

test('API_KEY: query parameters (trello)', () => {
  assert.deepEqual(applyCredentials(schemeOf('trello', 'API_KEY'), { api_key: 'k1', token: 't1' }), {
    headers: {},
    query: { key: 'k1', token: 't1' },
  });
});

test('API_KEY: bearer (stripe) and custom token format (pagerduty)', () => {
  assert.deepEqual(applyCredentials(schemeOf('stripe', 'API_KEY'), { api_key: 'sk_test_1' }), { headers: { Authorization: 'Bearer sk_test_1' }, query: {} });
  assert.deepEqual(applyCredentials(schemeOf('pagerduty', 'API_KEY'), { api_key: 'u+abc' }), {
    headers: { Authorization: 'Token token=u+abc', Accept: 'application/vnd.pagerduty+json;version=2' },
    query: {},
  });
});

test('API_KEY: basic rule with a templated user name (zendesk)', () => {
  const out = applyCredentials(schemeOf('zendesk', 'API_KEY'), { subdomain: 'acme', email: 'agent@acme.com', api_token: 'zt' });
  assert.deepEqual(out, { headers: { Authorization: `Basic ${b64('agent@acme.com/token:zt')}` }, query: {} });
});

test('BEARER_TOKEN: personal access token (github)', () => {
  assert.deepEqual(applyCredentials(schemeOf('github', 'BEARER_TOKEN'), { token: 'ghp_1' }), { headers: { Authorization: 'Bearer ghp_1' }, query: {} });
});

test('BASIC: account SID and auth token (twilio)', () => {
  assert.deepEqual(applyCredentials(schemeOf('twilio', 'BASIC'), { account_sid: 'AC123', auth_token: 'sec:ret' }), {
    headers: { Authorization: `Basic ${b64('AC123:sec:ret')}` },
    query: {},
  });
});

test('NO_AUTH: nothing is added (hackernews)', () => {
  assert.deepEqual(applyCredentials(schemeOf('hackernews', 'NO_AUTH'), { anything: 'x' }), { headers: {}, query: {} });
});

test('every missing value is named at once', () => {
  assert.throws(
    () => applyCredentials(schemeOf('trello', 'API_KEY'), {}),
    (e: unknown) => e instanceof TemplateError && e.kind === 'missing' && e.names.join() === 'api_key,token',
  );
});

test('header injection and ambiguous basic user names are refused', () => {
  assert.throws(
    () => applyCredentials(schemeOf('stripe', 'API_KEY'), { api_key: 'sk\r\nX-Evil: 1' }),
    (e: unknown) => e instanceof TemplateError && e.kind === 'unsafe',
  );
  assert.throws(
    () => applyCredentials(schemeOf('twilio', 'BASIC'), { account_sid: 'AC:1', auth_token: 'x' }),
    (e: unknown) => e instanceof TemplateError && e.kind === 'unsafe',
  );
});

test('every built-in scheme applies exactly its rules when all fields are filled', () => {
  for (const toolkit of catalog.list()) {
    for (const scheme of toolkit.auth_schemes) {
      const vars: Record<string, string> = { access_token: 'AT' };
      const { auth_config_creation: c, connected_account_initiation: i } = scheme.fields;
      for (const f of [...c.required, ...c.optional, ...i.required, ...i.optional]) vars[f.name] = `v-${f.name}`;
      const out = applyCredentials(scheme, vars);
      const where = `${toolkit.slug} ${scheme.mode}`;
      const headerNames = scheme.apply.map((r) => (r.in === 'basic' ? 'Authorization' : r.in === 'header' ? r.name : undefined)).filter(Boolean);
      const queryNames = scheme.apply.flatMap((r) => (r.in === 'query' ? [r.name] : []));
      assert.deepEqual(Object.keys(out.headers).sort(), headerNames.sort(), where);
      assert.deepEqual(Object.keys(out.query).sort(), queryNames.sort(), where);
      for (const v of [...Object.values(out.headers), ...Object.values(out.query)]) assert.doesNotMatch(v, /\{\{/, where);
    }
  }
});
