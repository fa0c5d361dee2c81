import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MONOGRAM_PALETTE, STYLESHEET, STYLESHEET_PATH } from '../../src/link/views/style.ts';
import { monogram, monogramLetter, toneIndex } from '../../src/link/views/components.ts';

function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

test('stylesheet path', () => {
  assert.equal(STYLESHEET_PATH, '/link/assets/style.css');
});

test('stylesheet makes no requests of its own', () => {
  assert.ok(!/url\(/i.test(STYLESHEET));
  assert.ok(!/@import|@font-face/i.test(STYLESHEET));
  assert.ok(!/https?:/i.test(STYLESHEET));
  assert.ok(!STYLESHEET.includes('</'));
});

test('monogram palette: a class per colour, white text readable on each (WCAG AA)', () => {
  MONOGRAM_PALETTE.forEach((c, i) => {
    assert.ok(STYLESHEET.includes(`.tone-${i}{background:${c}}`));
    const ratio = 1.05 / (luminance(c) + 0.05);
    assert.ok(ratio >= 4.5, `${c}: ${ratio.toFixed(2)}`);
  });
});

test('monogram: first letter, colour derived from slug, stable', () => {
  assert.equal(monogramLetter('github'), 'G');
  assert.equal(monogramLetter('  (éclair)'), 'É');
  assert.equal(monogramLetter('365 Online'), '3');
  assert.equal(monogramLetter('—'), '?');
  assert.equal(toneIndex('github'), toneIndex('github'));
  const tones = new Set(['github', 'slack', 'notion', 'gmail', 'stripe', 'linear', 'jira', 'hubspot'].map(toneIndex));
  assert.ok(tones.size > 3, 'slugs should spread across the palette');
  for (const t of tones) assert.ok(t >= 0 && t < MONOGRAM_PALETTE.length);
  assert.equal(monogram('github', 'GitHub').toString(), `<span class="monogram tone-${toneIndex('github')}" aria-hidden="true">G</span>`);
});
