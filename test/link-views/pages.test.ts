import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderConsent, renderCredentialForm, renderResult, RESULT_HTTP_STATUS, type ResultKind } from '../../src/link/views/pages.ts';
import { STYLESHEET_PATH } from '../../src/link/views/style.ts';
import { consentVm, credentialVm, forms, scanTags, unsafeBits } from './helpers.ts';

const KINDS: ResultKind[] = ['success', 'failed', 'expired', 'used', 'invalid', 'cancelled'];

function allPages(): Array<[string, string]> {
  return [
    ['consent private', renderConsent(consentVm())],
    ['consent shared', renderConsent(consentVm({ accountType: 'SHARED', scopes: [] }))],
    ['credentials', renderCredentialForm(credentialVm())],
    ['credentials errors', renderCredentialForm(credentialVm({ accountType: 'SHARED', errors: ['Bad key'] }))],
    ['credentials no fields', renderCredentialForm(credentialVm({ fields: [] }))],
    ...KINDS.map((k): [string, string] => [`result ${k}`, renderResult({ kind: k, projectName: 'Acme', toolkitName: 'GitHub', message: 'm' })]),
    ...KINDS.map((k): [string, string] => [`result ${k} bare`, renderResult({ kind: k })]),
  ];
}

test('every page is a complete document with the stylesheet and no script', () => {
  for (const [name, out] of allPages()) {
    assert.ok(out.startsWith('<!doctype html>\n<html lang="en">'), name);
    assert.ok(out.includes('<meta charset="utf-8">'), name);
    assert.ok(out.includes('<meta name="viewport" content="width=device-width, initial-scale=1">'), name);
    assert.match(out, /<title>[^<]+<\/title>/, name);
    assert.ok(out.includes(`<link rel="stylesheet" href="${STYLESHEET_PATH}">`), name);
    assert.ok(out.includes('Secured by <strong>authlink</strong>'), name);
    assert.ok(!/<script/i.test(out), name);
    assert.ok(out.trimEnd().endsWith('</html>'), name);
  }
});

test('no page references another host (no src/href/action off-origin, no http URLs in attributes)', () => {
  for (const [name, out] of allPages()) {
    assert.deepEqual(unsafeBits(out), [], name);
    for (const tag of scanTags(out)) {
      for (const [attr, value] of tag.attrs) {
        assert.ok(!/^\s*(https?:)?\/\//i.test(value ?? ''), `${name}: <${tag.name} ${attr}="${value}">`);
      }
    }
  }
});

test('the only off-origin URL ever rendered is the given continueUrl, as a link', () => {
  const url = 'https://app.acme.example/done?x=1';
  const out = renderResult({ kind: 'success', continueUrl: url });
  const hrefs = scanTags(out).flatMap((t) => t.attrs.filter(([n]) => n === 'href' || n === 'src').map(([n, v]) => `${t.name} ${n}=${v}`));
  assert.deepEqual(hrefs, ['link href=data:,', `link href=${STYLESHEET_PATH}`, `a href=${url}`]);
});

test('every form is a POST carrying the CSRF token', () => {
  for (const out of [renderConsent(consentVm()), renderCredentialForm(credentialVm()), renderCredentialForm(credentialVm({ fields: [] }))]) {
    const fs = forms(out);
    assert.equal(fs.length, 2);
    for (const f of fs) {
      assert.match(f, /^<form method="post" action="[^"]+"[^>]*>/);
      assert.ok(f.includes('<input type="hidden" name="csrf" value="csrf-token-123">'), f);
    }
  }
  for (const k of KINDS) assert.equal(forms(renderResult({ kind: k })).length, 0);
});

test('consent: forms post to action and cancelAction with the right buttons', () => {
  const [main, cancel] = forms(renderConsent(consentVm()));
  assert.ok(main.includes('action="/link/lk_abc/consent"'));
  assert.ok(main.includes('<button type="submit" class="btn btn-primary">Continue to GitHub</button>'));
  assert.ok(cancel.includes('action="/link/lk_abc/cancel"'));
  assert.ok(cancel.includes('>Cancel</button>'));
});

test('consent: lists scopes, falls back to basic profile, explains shared accounts', () => {
  const out = renderConsent(consentVm());
  assert.ok(out.includes('Acme CRM wants to connect your GitHub account'));
  assert.ok(out.includes('<li><code>repo</code></li><li><code>read:user</code></li>'));
  assert.ok(!out.includes('basic GitHub profile'));
  assert.ok(!out.includes('Shared connection'));
  assert.ok(out.includes('user_42') && out.includes('work'));

  const shared = renderConsent(consentVm({ scopes: [], accountType: 'SHARED', alias: null }));
  assert.ok(shared.includes('Your basic GitHub profile'));
  assert.ok(shared.includes('Other users of Acme CRM may use this connection'));
  assert.ok(!shared.includes('Connection name'));
});

test('credential form: secret fields are password inputs without a value attribute', () => {
  const vm = credentialVm();
  vm.fields[0] = { ...vm.fields[0], value: 'sk_live_SUPERSECRET' };
  vm.fields.push({ name: 'password', display_name: 'Password', description: '', secret: true, required: false, value: 'hunter2' });
  const out = renderCredentialForm(vm);
  assert.ok(!out.includes('SUPERSECRET') && !out.includes('hunter2'));
  const inputs = scanTags(out).filter((t) => t.name === 'input' && t.attrs.some(([n, v]) => n === 'type' && v !== 'hidden'));
  const byName = new Map(inputs.map((t) => [t.attrs.find(([n]) => n === 'name')?.[1], new Map(t.attrs)]));
  for (const name of ['api_key', 'password']) {
    const a = byName.get(name)!;
    assert.equal(a.get('type'), 'password');
    assert.equal(a.get('autocomplete'), 'off');
    assert.equal(a.has('value'), false, name);
  }
  assert.equal(byName.get('api_key')!.has('required'), true);
  assert.equal(byName.get('password')!.has('required'), false);
  const text = byName.get('subdomain')!;
  assert.equal(text.get('type'), 'text');
  assert.equal(text.get('value'), 'acme');
  assert.equal(text.has('required'), false);
});

test('credential form: every input has a label; hints are linked', () => {
  const out = renderCredentialForm(credentialVm());
  const tags = scanTags(out);
  const labelFor = new Set(tags.filter((t) => t.name === 'label').map((t) => new Map(t.attrs).get('for')));
  for (const t of tags.filter((t) => t.name === 'input' && new Map(t.attrs).get('type') !== 'hidden')) {
    const a = new Map(t.attrs);
    assert.ok(labelFor.has(a.get('id')), `no label for ${a.get('name')}`);
    const hint = a.get('aria-describedby');
    assert.ok(hint && out.includes(`id="${hint}"`));
  }
  assert.ok(out.includes('>API Key</label>'));
  assert.ok(out.includes('Subdomain <span class="optional">(optional)</span></label>'));
});

test('credential form: errors are listed at the top only when given', () => {
  assert.ok(!renderCredentialForm(credentialVm()).includes('role="alert"'));
  assert.ok(!renderCredentialForm(credentialVm({ errors: [] })).includes('role="alert"'));
  const out = renderCredentialForm(credentialVm({ errors: ['API key is required', 'Subdomain is invalid'] }));
  assert.ok(out.includes('<li>API key is required</li><li>Subdomain is invalid</li>'));
  assert.ok(out.indexOf('role="alert"') < out.indexOf('<form'));
  assert.match(out, /<title>Error: /);
});

test('result pages: headline and next step per kind', () => {
  const expect: Record<ResultKind, [RegExp, RegExp]> = {
    success: [/<h1>GitHub connected<\/h1>/, /now connected to Acme/],
    failed: [/<h1>Couldn&#39;t connect GitHub<\/h1>/, /try again/],
    expired: [/<h1>This link has expired<\/h1>/, /Ask Acme for a new link/],
    used: [/<h1>This link has already been used<\/h1>/, /ask Acme for a new link/],
    invalid: [/<h1>This link isn&#39;t valid<\/h1>/, /ask Acme for a new one/],
    cancelled: [/<h1>Connection cancelled<\/h1>/, /nothing was shared with Acme/],
  };
  for (const kind of KINDS) {
    const out = renderResult({ kind, projectName: 'Acme', toolkitName: 'GitHub' });
    assert.match(out, expect[kind][0], kind);
    assert.match(out, expect[kind][1], kind);
    assert.equal(scanTags(out).filter((t) => t.name === 'a').length, 0, kind);
    const bare = renderResult({ kind });
    assert.ok(!bare.includes('undefined') && !bare.includes('null'), kind);
    assert.equal(typeof RESULT_HTTP_STATUS[kind], 'number');
  }
});

test('result pages: message and continue link', () => {
  const out = renderResult({ kind: 'failed', projectName: 'Acme', message: 'access_denied', continueUrl: '/back' });
  assert.ok(out.includes('<p>access_denied</p>'));
  assert.ok(out.includes('<a class="btn btn-primary" href="/back">Return to Acme</a>'));
  const bare = renderResult({ kind: 'success', continueUrl: 'https://app.example/' });
  assert.ok(bare.includes('href="https://app.example/">Return to the app</a>'));
});
