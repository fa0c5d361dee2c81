// Issue #17: toolkit logos, from Simple Icons, served by authlink itself —
// inline on the hosted pages, at GET /logos/<slug>.svg for API clients — so a
// page never fetches a third-party image.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generateLogos, LOGOS_FILE } from '../../scripts/logos.ts';
import { renderConsent } from '../../src/link/views/consent.ts';
import { renderCredentialForm } from '../../src/link/views/credential-form.ts';
import { logoFill, toolkitLogo } from '../../src/toolkits/logos.ts';
import { consentVm, credentialVm } from '../link-views/helpers.ts';
import { api, startTestApp, type TestApp } from '../helpers/test-app.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

test(`${LOGOS_FILE} is what npm run logos writes from the toolkit files and simple-icons`, async () => {
  const onDisk = readFileSync(new URL(LOGOS_FILE, `file://${root}`), 'utf8');
  assert.ok(onDisk === (await generateLogos(root)), `${LOGOS_FILE} is stale: run \`npm run logos\` and commit the result`);
  const logos = JSON.parse(onDisk).logos as Record<string, { hex: string; path: string }>;
  assert.ok(Object.keys(logos).length >= 140, 'most built-ins have a logo');
  for (const [slug, l] of Object.entries(logos)) {
    assert.match(l.hex, /^[0-9A-F]{6}$/, slug);
    assert.match(l.path, /^[MmLlHhVvCcSsQqTtAaZz0-9.,\s-]+$/, `${slug}: path data only`);
  }
});

test('a toolkit with a logo shows it inline on the hosted pages; one without keeps its letter badge', () => {
  const github = toolkitLogo('github')!;
  const consent = renderConsent(consentVm());
  assert.ok(
    consent.includes(
      `<span class="logo" aria-hidden="true"><svg width="28" height="28" viewBox="0 0 24 24" focusable="false"><path fill="#181717" d="${github.path}"/></svg></span>`,
    ),
  );
  const form = renderCredentialForm(credentialVm({ toolkit: { slug: 'close', name: 'Close' } }));
  assert.equal(toolkitLogo('close'), undefined);
  assert.ok(!form.includes('class="logo"'));
  assert.match(form, /<span class="monogram tone-\d+" aria-hidden="true">C<\/span>/);
  assert.ok(!/<img|https?:\/\/[^"]*\.svg/.test(consent + form), 'nothing is fetched');
});

test('near-white brand colours are drawn dark on the white tile', () => {
  assert.equal(logoFill('FFFFFF'), '#1f2328');
  assert.equal(logoFill('181717'), '#181717');
});

let t: TestApp;
before(async () => {
  t = await startTestApp('sqlite');
});
after(() => t.close());

const noKey = async (url: string) => {
  const res = await t.app.inject({ method: 'GET', url });
  return { status: res.statusCode, headers: res.headers, text: res.body, body: String(res.headers['content-type']).includes('json') ? res.json() : undefined };
};

test('GET /logos/<slug>.svg (no API key): the logo as SVG, cacheable, unable to run anything; other names are 404 in the envelope', async () => {
  const res = await noKey('/logos/github.svg');
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'image/svg+xml; charset=utf-8');
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal(res.headers['content-security-policy'], "default-src 'none'; sandbox");
  assert.equal(res.headers['cache-control'], 'public, max-age=86400');
  assert.equal(
    res.text,
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 24 24" width="24" height="24"><title>GitHub</title><path fill="#181717" d="${toolkitLogo('github')!.path}"/></svg>`,
  );
  for (const path of ['/logos/close.svg', '/logos/nope.svg', '/logos/github.png', '/logos/..%2Fgithub.svg', '/logos/GITHUB.svg']) {
    const miss = await noKey(path);
    assert.equal(miss.status, 404, path);
    assert.equal(miss.body.error.status, 404, path);
  }
});

test("toolkit listings give authlink's logo URL, or '' for a toolkit without one", async () => {
  const github = await api(t).get('/api/v3.1/toolkits/github');
  assert.equal(github.body.meta.logo, `${t.config.publicUrl}/logos/github.svg`);
  const close = await api(t).get('/api/v3.1/toolkits/close');
  assert.equal(close.body.meta.logo, '');
});
