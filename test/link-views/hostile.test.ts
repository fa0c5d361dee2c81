// Every view-model string reaches the page only escaped, and can't change the
// page's tag/attribute structure.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml } from '../../src/views/escape.ts';
import {
  renderConsent,
  renderCredentialForm,
  renderResult,
  type ConsentVm,
  type CredentialFormVm,
  type ResultKind,
  type ResultVm,
} from '../../src/link/views/pages.ts';
import { JS_URLS, PAYLOADS, consentVm, credentialVm, scanTags, structure, unsafeBits } from './helpers.ts';

interface Case<V> {
  field: string;
  set: (vm: V, v: string) => V;
  /** false when the value is deliberately not rendered at all. */
  shown: boolean;
}

const SHARED_FIELDS = <V extends ConsentVm | CredentialFormVm>(): Array<Case<V>> => [
  { field: 'projectName', set: (vm, v) => ({ ...vm, projectName: v }), shown: true },
  { field: 'toolkit.slug', set: (vm, v) => ({ ...vm, toolkit: { ...vm.toolkit, slug: v } }), shown: false },
  { field: 'toolkit.name', set: (vm, v) => ({ ...vm, toolkit: { ...vm.toolkit, name: v } }), shown: true },
  { field: 'userId', set: (vm, v) => ({ ...vm, userId: v }), shown: true },
  { field: 'alias', set: (vm, v) => ({ ...vm, alias: v }), shown: true },
  { field: 'csrfToken', set: (vm, v) => ({ ...vm, csrfToken: v }), shown: true },
];

const CONSENT_CASES: Array<Case<ConsentVm>> = [
  ...SHARED_FIELDS<ConsentVm>(),
  { field: 'toolkit.description', set: (vm, v) => ({ ...vm, toolkit: { ...vm.toolkit, description: v } }), shown: true },
  { field: 'scopes[]', set: (vm, v) => ({ ...vm, scopes: ['repo', v] }), shown: true },
];

const setField = (vm: CredentialFormVm, i: number, patch: object): CredentialFormVm => ({
  ...vm,
  fields: vm.fields.map((f, j) => (j === i ? { ...f, ...patch } : f)),
});

const CREDENTIAL_CASES: Array<Case<CredentialFormVm>> = [
  ...SHARED_FIELDS<CredentialFormVm>(),
  { field: 'schemeName', set: (vm, v) => ({ ...vm, schemeName: v }), shown: true },
  { field: 'errors[]', set: (vm, v) => ({ ...vm, errors: ['first', v] }), shown: true },
  { field: 'fields[secret].name', set: (vm, v) => setField(vm, 0, { name: v }), shown: true },
  { field: 'fields[secret].display_name', set: (vm, v) => setField(vm, 0, { display_name: v }), shown: true },
  { field: 'fields[secret].description', set: (vm, v) => setField(vm, 0, { description: v }), shown: true },
  { field: 'fields[secret].value', set: (vm, v) => setField(vm, 0, { value: v }), shown: false },
  { field: 'fields[text].name', set: (vm, v) => setField(vm, 1, { name: v }), shown: true },
  { field: 'fields[text].display_name', set: (vm, v) => setField(vm, 1, { display_name: v }), shown: true },
  { field: 'fields[text].description', set: (vm, v) => setField(vm, 1, { description: v }), shown: true },
  { field: 'fields[text].value', set: (vm, v) => setField(vm, 1, { value: v }), shown: true },
];

const KINDS: ResultKind[] = ['success', 'failed', 'expired', 'used', 'invalid', 'cancelled'];
const RESULT_CASES: Array<Case<ResultVm>> = [
  { field: 'projectName', set: (vm, v) => ({ ...vm, projectName: v }), shown: true },
  { field: 'message', set: (vm, v) => ({ ...vm, message: v }), shown: true },
];
// Only success/failed/used mention the toolkit.
const TOOLKIT_SHOWN = new Set<ResultKind>(['success', 'failed', 'used']);

function check<V>(render: (vm: V) => string, base: V, c: Case<V>, label: string): void {
  const reference = structure(render(c.set(base, 'benign-value')));
  for (const payload of PAYLOADS) {
    const out = render(c.set(base, payload));
    const where = `${label} ${c.field} = ${JSON.stringify(payload)}`;
    assert.ok(!out.includes(payload), `raw payload present: ${where}`);
    if (c.shown) assert.ok(out.includes(escapeHtml(payload)), `escaped payload missing: ${where}`);
    else assert.ok(!out.includes(escapeHtml(payload)), `value should not be rendered: ${where}`);
    assert.deepEqual(unsafeBits(out), [], where);
    assert.deepEqual(structure(out), reference, `structure changed: ${where}`);
  }
}

test('consent: hostile values are escaped in every field', () => {
  for (const accountType of ['PRIVATE', 'SHARED'] as const) {
    for (const c of CONSENT_CASES) check(renderConsent, consentVm({ accountType }), c, `consent/${accountType}`);
  }
});

test('credential form: hostile values are escaped in every field', () => {
  for (const accountType of ['PRIVATE', 'SHARED'] as const) {
    for (const c of CREDENTIAL_CASES) check(renderCredentialForm, credentialVm({ accountType }), c, `credentials/${accountType}`);
  }
});

test('result: hostile values are escaped in every field, for every kind', () => {
  for (const kind of KINDS) {
    const base: ResultVm = { kind, projectName: 'Acme CRM', toolkitName: 'GitHub', message: 'detail' };
    for (const c of RESULT_CASES) check(renderResult, base, c, `result/${kind}`);
    check(renderResult, base, { field: 'toolkitName', set: (vm, v) => ({ ...vm, toolkitName: v }), shown: TOOLKIT_SHOWN.has(kind) }, `result/${kind}`);
  }
});

test('form actions: script-bearing URLs are refused', () => {
  for (const url of JS_URLS) {
    assert.throws(() => renderConsent(consentVm({ action: url })), TypeError, url);
    assert.throws(() => renderConsent(consentVm({ cancelAction: url })), TypeError, url);
    assert.throws(() => renderCredentialForm(credentialVm({ action: url })), TypeError, url);
    assert.throws(() => renderCredentialForm(credentialVm({ cancelAction: url })), TypeError, url);
  }
});

test('form actions: odd but http(s)-resolving URLs are rendered escaped', () => {
  for (const payload of PAYLOADS) {
    const url = `/link/x?p=${payload}`;
    for (const out of [renderConsent(consentVm({ action: url, cancelAction: url })), renderCredentialForm(credentialVm({ action: url, cancelAction: url }))]) {
      assert.ok(!out.includes(payload));
      const actions = scanTags(out)
        .filter((t) => t.name === 'form')
        .map((t) => t.attrs.find(([n]) => n === 'action')?.[1]);
      assert.deepEqual(actions, [escapeHtml(url), escapeHtml(url)]);
    }
  }
});

test('result continueUrl: script-bearing URLs are dropped, others escaped', () => {
  for (const kind of KINDS) {
    for (const url of JS_URLS) {
      const out = renderResult({ kind, projectName: 'Acme', continueUrl: url });
      assert.equal(scanTags(out).filter((t) => t.name === 'a').length, 0, url);
      assert.ok(!/javascript:|vbscript:|data:text/i.test(out), url);
    }
    const url = 'https://app.example/cb?x="><script>alert(1)</script>&y=\'';
    const out = renderResult({ kind, continueUrl: url });
    assert.ok(!out.includes(url));
    assert.ok(out.includes(`href="${escapeHtml(url)}"`));
    assert.deepEqual(unsafeBits(out, [escapeHtml(url)]), []);
  }
});
