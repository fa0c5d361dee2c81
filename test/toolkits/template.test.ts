import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fillTemplate, fillUrlTemplate, placeholders, TemplateError } from '../../src/toolkits/template.ts';

const isTemplateError = (kind: 'missing' | 'unsafe', names?: string[]) => (e: unknown) => {
  assert.ok(e instanceof TemplateError, `expected TemplateError, got ${String(e)}`);
  assert.equal(e.kind, kind);
  if (names) assert.deepEqual(e.names, names);
  return true;
};

test('placeholders lists names once, in order', () => {
  assert.deepEqual(placeholders('{{a}}-{{b_2}}-{{a}}'), ['a', 'b_2']);
  assert.deepEqual(placeholders('no placeholders'), []);
  assert.deepEqual(placeholders('{{ spaced }} {{Upper}}'), [], 'only the strict {{snake_case}} form is a placeholder');
});

test('fillTemplate replaces every placeholder', () => {
  assert.equal(fillTemplate('Bearer {{access_token}}', { access_token: 'abc' }), 'Bearer abc');
  assert.equal(fillTemplate('{{email}}/token:{{email}}', { email: 'a@b.c' }), 'a@b.c/token:a@b.c');
  assert.equal(fillTemplate('literal', {}), 'literal');
});

test('fillTemplate names every missing or empty placeholder', () => {
  assert.throws(() => fillTemplate('{{a}} {{b}} {{c}}', { a: 'x', b: '' }), isTemplateError('missing', ['b', 'c']));
  assert.throws(() => fillTemplate('{{a}}', { a: undefined }), /No value for placeholder \{\{a\}\}/);
});

test('fillTemplate ignores inherited properties', () => {
  assert.throws(() => fillTemplate('{{constructor}}', {}), isTemplateError('missing', ['constructor']));
  assert.throws(() => fillTemplate('{{__proto__}}', {}), isTemplateError('missing', ['__proto__']));
});

test('fillUrlTemplate fills host labels and encodes path and query values', () => {
  assert.equal(fillUrlTemplate('https://{{subdomain}}.myshopify.com/admin', { subdomain: 'acme-store' }), 'https://acme-store.myshopify.com/admin');
  assert.equal(
    fillUrlTemplate('https://api.atlassian.com/ex/jira/{{cloud_id}}', { cloud_id: '11223344-a1b2-3b33-c444-def123456789' }),
    'https://api.atlassian.com/ex/jira/11223344-a1b2-3b33-c444-def123456789',
  );
  assert.equal(fillUrlTemplate('https://x.example.com/p/{{id}}?q={{q}}', { id: 'a%2Fb', q: 'a&b=c' }), 'https://x.example.com/p/a%252Fb?q=a%26b%3Dc');
});

test('fillUrlTemplate rejects values that would change the host', () => {
  const t = 'https://{{subdomain}}.zendesk.com/api/v2';
  for (const hostile of [
    'evil.com#',
    'evil.com/',
    'evil.com?',
    'user@evil.com',
    'evil.com:8080',
    'a.b',
    'evil.com\\',
    ' acme',
    'ac me',
    'acme\n',
    '-acme',
    'x'.repeat(64),
    '%2e',
  ]) {
    assert.throws(() => fillUrlTemplate(t, { subdomain: hostile }), isTemplateError('unsafe', ['subdomain']), JSON.stringify(hostile));
  }
});

test('fillUrlTemplate rejects values that would restructure the path or query', () => {
  const t = 'https://api.atlassian.com/ex/jira/{{cloud_id}}?x={{q}}';
  for (const hostile of ['../admin', '..', '.', 'a/b', 'a?b', 'a#b', 'a@b', 'a:b', 'a b', 'a\tb', 'a\\b']) {
    assert.throws(() => fillUrlTemplate(t, { cloud_id: hostile, q: 'ok' }), isTemplateError('unsafe'), `path ${JSON.stringify(hostile)}`);
  }
  for (const hostile of ['a/b', 'a#b', 'a b']) {
    assert.throws(() => fillUrlTemplate(t, { cloud_id: 'ok', q: hostile }), isTemplateError('unsafe', ['q']), `query ${JSON.stringify(hostile)}`);
  }
});

test('fillUrlTemplate error messages do not echo the value', () => {
  try {
    fillUrlTemplate('https://{{subdomain}}.example.com', { subdomain: 'secret-value.evil.com' });
    assert.fail('should throw');
  } catch (e) {
    assert.ok(e instanceof TemplateError);
    assert.doesNotMatch(e.message, /secret-value/);
    assert.match(e.message, /\{\{subdomain\}\}/);
  }
});

test('fillUrlTemplate reports missing values before anything else', () => {
  assert.throws(() => fillUrlTemplate('https://{{a}}.example.com/{{b}}', {}), isTemplateError('missing', ['a', 'b']));
});

test('fillUrlTemplate refuses non-http templates', () => {
  assert.throws(() => fillUrlTemplate('ftp://{{a}}.example.com', { a: 'x' }), TemplateError);
});
