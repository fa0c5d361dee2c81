// Issue #17: toolkit logos, from Simple Icons, served by authlink itself —
// inline on the hosted pages, at GET /logos/<slug>.svg for API clients — so a
// page never fetches a third-party image.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadCatalog } from '../../src/toolkits/catalog.ts';
import { fileURLToPath } from 'node:url';
import { generateLogos, LOGOS_FILE } from '../../scripts/logos.ts';
import { renderConsent } from '../../src/link/views/consent.ts';
import { renderCredentialForm } from '../../src/link/views/credential-form.ts';
import { FALLBACK_PALETTE, fallbackLogo, initials, logoFill, paletteIndex, toolkitLogo, toolkitLogoSvg } from '../../src/toolkits/logos.ts';
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

test('a toolkit with a logo shows it inline on the hosted pages; one without shows its generated tile as the letter badge (same initials and colour)', () => {
  const github = toolkitLogo('github')!;
  const consent = renderConsent(consentVm());
  assert.ok(
    consent.includes(
      `<span class="logo" aria-hidden="true"><svg width="28" height="28" viewBox="0 0 24 24" focusable="false"><path fill="#181717" d="${github.path}"/></svg></span>`,
    ),
  );
  const form = renderCredentialForm(credentialVm({ toolkit: { slug: 'close', name: 'Close' } }));
  assert.equal(toolkitLogo('close'), undefined);
  // The served tile's initials and colour, as the page's badge: tone-N is FALLBACK_PALETTE[N] (style.ts).
  assert.match(form, new RegExp(`<span class="monogram tone-${paletteIndex('close')}" aria-hidden="true">C</span>`));
  const wide = renderCredentialForm(credentialVm({ toolkit: { slug: 'zoho_crm_x', name: 'Zoho CRM X' } }));
  assert.match(wide, new RegExp(`<span class="monogram tone-${paletteIndex('zoho_crm_x')}" aria-hidden="true">ZC</span>`));
  assert.ok(!/<img|https?:\/\/[^"]*\.svg/.test(consent + form), 'nothing is fetched');
});

test('generated tile: up to two initials of the name, a colour fixed by the slug, the hosted page palette', () => {
  assert.equal(initials('Google Calendar'), 'GC');
  assert.equal(initials('monday.com'), 'MC');
  assert.equal(initials('GitHub'), 'G');
  assert.equal(initials('Zoho CRM Plus'), 'ZC');
  assert.equal(initials('  (éclair) bar'), 'ÉB');
  assert.equal(initials('365 Online'), '3O');
  assert.equal(initials('—'), '?');
  assert.equal(fallbackLogo({ slug: 'close', name: 'Close' }).fill, fallbackLogo({ slug: 'close', name: 'Other name' }).fill);
  const fills = new Set(
    ['close', 'freshdesk', 'salesforce', 'slack', 'openai', 'outlook', 'zoho_crm', 'pipedrive'].map((slug) => fallbackLogo({ slug, name: 'x' }).fill),
  );
  assert.ok(fills.size >= 4, `slugs spread over the palette (${[...fills].join(', ')})`);
});

test('the served SVG escapes every value a toolkit file gives (name, initials)', () => {
  const svg = toolkitLogoSvg({ slug: 'acme_not_builtin', name: `<script>"&'x` });
  assert.ok(
    svg.startsWith(
      '<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 24 24" width="24" height="24"><title>&#60;script&#62;&#34;&#38;&#39;x</title><rect ',
    ),
  );
  assert.ok(!svg.includes('<script'), svg);
  const tag = toolkitLogoSvg({ slug: 'acme_not_builtin', name: '<b> & <i>' });
  assert.match(tag, />BI<\/text><\/svg>$/);
  assert.ok(toolkitLogoSvg({ slug: 'x', name: 'A&B' }).includes('>AB</text>'));
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
  for (const path of ['/logos/nope.svg', '/logos/github.png', '/logos/..%2Fgithub.svg', '/logos/GITHUB.svg', '/logos/close.svg.svg']) {
    const miss = await noKey(path);
    assert.equal(miss.status, 404, path);
    assert.equal(miss.body.error.status, 404, path);
  }
});

test('GET /logos/<slug>.svg of a toolkit Simple Icons does not carry: the generated tile, same headers', async () => {
  const res = await noKey('/logos/close.svg');
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-type'], 'image/svg+xml; charset=utf-8');
  assert.equal(res.headers['x-content-type-options'], 'nosniff');
  assert.equal(res.headers['content-security-policy'], "default-src 'none'; sandbox");
  assert.equal(res.headers['cache-control'], 'public, max-age=86400');
  assert.equal(
    res.text,
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 24 24" width="24" height="24"><title>Close</title><rect width="24" height="24" rx="5.5" fill="${FALLBACK_PALETTE[paletteIndex('close')]}"/><text x="12" y="12" dy=".35em" text-anchor="middle" font-family="system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif" font-size="13" font-weight="700" fill="#fff">C</text></svg>`,
  );
});

test("every toolkit's listing gives authlink's logo URL, and that URL answers an SVG", async () => {
  const github = await api(t).get('/api/v3.1/toolkits/github');
  assert.equal(github.body.meta.logo, `${t.config.publicUrl}/logos/github.svg`);
  const close = await api(t).get('/api/v3.1/toolkits/close');
  assert.equal(close.body.meta.logo, `${t.config.publicUrl}/logos/close.svg`);
  const slugs = t.runtime.catalog.list().map((k) => k.slug);
  assert.ok(slugs.length >= 253);
  for (const slug of slugs) {
    const listed = t.runtime.catalog.get(slug)!.logo;
    assert.equal(listed, `${t.config.publicUrl}/logos/${slug}.svg`, slug);
    const res = await noKey(new URL(listed!).pathname);
    assert.equal(res.status, 200, slug);
    assert.match(
      res.text,
      /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" role="img" viewBox="0 0 24 24" width="24" height="24"><title>[^<]+<\/title><(path|rect) /,
      slug,
    );
  }
});

test("an operator toolkit without `logo` gets the generated tile's URL; one with its own `logo` keeps it", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'authlink-logos-'));
  try {
    const base = JSON.parse(readFileSync(new URL('src/toolkits/builtin/close.json', `file://${root}`), 'utf8'));
    writeFileSync(path.join(dir, 'mine.json'), JSON.stringify({ ...base, slug: 'my_crm', name: 'My CRM' }));
    writeFileSync(path.join(dir, 'own.json'), JSON.stringify({ ...base, slug: 'own_logo', name: 'Own', logo: 'https://cdn.example.com/own.png' }));
    const catalog = loadCatalog({ extraDir: dir, logoUrl: (slug) => `https://auth.example.com/logos/${slug}.svg` });
    assert.equal(catalog.get('my_crm')!.logo, 'https://auth.example.com/logos/my_crm.svg');
    assert.equal(catalog.get('own_logo')!.logo, 'https://cdn.example.com/own.png');
    assert.match(toolkitLogoSvg(catalog.get('my_crm')!), /<title>My CRM<\/title>.*>MC<\/text><\/svg>$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
