import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, html, raw, SafeHtml } from '../../src/views/escape.ts';

test('escapeHtml escapes & < > " \' and backtick', () => {
  assert.equal(escapeHtml(`&<>"'\``), '&amp;&lt;&gt;&quot;&#39;&#96;');
  assert.equal(escapeHtml('<script>alert(1)</script>'), '&lt;script&gt;alert(1)&lt;/script&gt;');
  assert.equal(escapeHtml('&amp;'), '&amp;amp;');
  assert.equal(escapeHtml('plain text é ✓'), 'plain text é ✓');
});

test('escapeHtml: null/undefined become empty, other values are stringified', () => {
  assert.equal(escapeHtml(null), '');
  assert.equal(escapeHtml(undefined), '');
  assert.equal(escapeHtml(0), '0');
  assert.equal(escapeHtml(false), 'false');
  assert.equal(escapeHtml({ toString: () => '<x>' }), '&lt;x&gt;');
});

test('html escapes every interpolation and returns SafeHtml', () => {
  const v = '"><img src=x onerror=alert(1)>';
  const out = html`<p title="${v}">${v}</p>`;
  assert.ok(out instanceof SafeHtml);
  assert.equal(out.toString(), `<p title="${escapeHtml(v)}">${escapeHtml(v)}</p>`);
});

test('html does not re-escape nested html or raw()', () => {
  const inner = html`<b>${'<i>'}</b>`;
  assert.equal(html`<p>${inner}${raw('<br>')}</p>`.toString(), '<p><b>&lt;i&gt;</b><br></p>');
});

test('html joins arrays, escaping non-SafeHtml items', () => {
  const items = ['<a>', 'b'].map((s) => html`<li>${s}</li>`);
  assert.equal(html`<ul>${items}</ul>`.toString(), '<ul><li>&lt;a&gt;</li><li>b</li></ul>');
  assert.equal(html`${['<x>', raw('<y>')]}`.toString(), '&lt;x&gt;<y>');
});

test('html renders null, undefined and false as nothing', () => {
  assert.equal(html`[${null}${undefined}${false}]`.toString(), '[]');
  assert.equal(html`${0}${true}`.toString(), '0true');
});

test('an object that merely looks like SafeHtml is escaped', () => {
  const fake = { value: '<script>alert(1)</script>', toString: () => '<script>alert(1)</script>' };
  assert.equal(html`${fake}`.toString(), '&lt;script&gt;alert(1)&lt;/script&gt;');
});
