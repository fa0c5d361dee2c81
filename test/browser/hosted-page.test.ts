// The hosted connect page in a real browser (headless Debian chromium driven by
// playwright-core): the OAuth2 consent screen through oidc-provider's
// devInteractions login/consent pages, the API-key form, and cancel. Every
// request, console message and CSP violation of the page is recorded.
// Screenshots of every step go to test-results/browser/ (git-ignored); the
// consent screen and the API-key form are also written to docs/images/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { forEachBackend } from '../helpers/backends.ts';
import { createLink, startOAuthWorld, type OAuthWorld } from '../helpers/link-flow.ts';
import {
  blockThirdParty,
  chromiumMissing,
  launchChromium,
  newContext,
  recordPage,
  REPO_ROOT,
  snap,
  startCallbackServer,
  type CallbackServer,
  type PageRecorder,
} from '../helpers/browser.ts';
import { openCredentials } from '../../src/services/account-view.ts';
import { hashSecret } from '../../src/crypto/tokens.ts';
import { STYLESHEET_PATH } from '../../src/link/views/style.ts';
import { toolkitLogo } from '../../src/toolkits/logos.ts';
import { api } from '../helpers/test-app.ts';

const SUITE = 'hosted connect page in a real browser';
const DOCS = path.join(REPO_ROOT, 'docs', 'images');

const missing = chromiumMissing();
if (missing) describe(SUITE, { skip: missing }, () => {});
else
  forEachBackend(SUITE, (backend) => {
    let w: OAuthWorld;
    let app: CallbackServer;
    let browser: Browser;
    const contexts: BrowserContext[] = [];

    before(async () => {
      [w, app, browser] = await Promise.all([startOAuthWorld(backend), startCallbackServer(), launchChromium()]);
    });
    after(async () => {
      await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
      await browser?.close();
      await Promise.all([w?.close(), app?.close()]);
    });

    /** A fresh browser profile with one recorded page; third-party hosts are blocked (and recorded). */
    async function openBrowser(): Promise<{ page: Page; rec: PageRecorder; blocked: string[] }> {
      const context = await newContext(browser);
      contexts.push(context);
      const blocked = await blockThirdParty(context);
      const page = await context.newPage();
      page.setDefaultTimeout(10_000);
      const rec = await recordPage(page);
      return { page, rec, blocked };
    }

    const shot = (name: string) => `${backend}-${name}`;
    const authlinkOrigin = () => w.t.config.publicUrl;
    const isAuthlink = (u: string) => u.startsWith(`${authlinkOrigin()}/`);

    /** Opens redirect_url like an end user: it must land on /link with the token gone from the address bar. */
    async function openLinkPage(page: Page, link: { redirect_url: string; link_token: string }) {
      const res = await page.goto(link.redirect_url);
      assert.equal(res?.status(), 200);
      assert.equal(page.url(), `${authlinkOrigin()}/link`, 'the token left the address bar');
      assert.ok(!page.url().includes(link.link_token));
      // The stylesheet really applied (a CSP or MIME problem would leave the card unstyled).
      const card = await page.locator('main.card').evaluate((el) => {
        const cs = getComputedStyle(el);
        return { maxWidth: cs.maxWidth, radius: cs.borderTopLeftRadius, bg: cs.backgroundColor, bodyBg: getComputedStyle(document.body).backgroundColor };
      });
      assert.deepEqual(card, { maxWidth: '440px', radius: '16px', bg: 'rgb(255, 255, 255)', bodyBg: 'rgb(243, 244, 246)' }, 'the stylesheet is applied');
    }

    /** What every flow must satisfy: same-origin only, no CSP report, no errors, the token never re-sent. */
    async function assertCleanPage(rec: PageRecorder, linkToken: string, opts: { providerOrigin?: string; expected400s?: string } = {}) {
      await rec.settle();
      assert.ok(
        rec.requests.some((r) => r.url === `${authlinkOrigin()}${STYLESHEET_PATH}`),
        'the stylesheet was requested',
      );
      // Nothing the hosted page loads or submits leaves 127.0.0.1.
      const fromAuthlink = rec.thirdParty().filter((r) => isAuthlink(r.frameUrl) || isAuthlink(r.url));
      assert.deepEqual(fromAuthlink, [], 'no third-party requests from authlink pages');
      // The only tolerated outside request is the test provider's own page: oidc-provider's
      // devInteractions template @imports Google Fonts (blocked here; not authlink's page).
      const others = rec
        .thirdParty()
        .filter((r) => !(opts.providerOrigin && r.frameUrl.startsWith(`${opts.providerOrigin}/`) && new URL(r.url).hostname === 'fonts.googleapis.com'));
      assert.deepEqual(others, [], 'no third-party requests at all');
      assert.deepEqual(rec.cspViolations, [], 'no securitypolicyviolation event');
      assert.deepEqual(rec.cspConsole(), [], 'no CSP report on the console');
      assert.deepEqual(rec.pageErrors, []);
      // Chromium logs every 4xx document as "Failed to load resource"; only the expected re-renders may show up.
      const is400 = (m: { text: string; url: string }) =>
        opts.expected400s !== undefined && m.url === `${authlinkOrigin()}${opts.expected400s}` && /status of 400 \(Bad Request\)/.test(m.text);
      assert.deepEqual(
        rec.console.filter((m) => m.type === 'error' && isAuthlink(m.url) && !is400(m)),
        [],
        'no console errors on authlink pages',
      );
      // Only the very first request carries the link token; no Referer ever leaks anything.
      const withToken = rec.requests.filter((r) => r.url.includes(linkToken) || r.referer?.includes(linkToken));
      assert.equal(withToken.length, 1, JSON.stringify(withToken));
      assert.deepEqual(
        rec.requests.filter((r) => r.referer && isAuthlink(r.frameUrl)),
        [],
        'authlink pages send no Referer',
      );
    }

    test('OAuth2: consent screen -> provider login and consent -> app callback with status=success; account ACTIVE', async () => {
      const link = await createLink(w.t, { auth_config_id: w.authConfigId, user_id: 'alice', callback_url: `${app.origin}/done?tab=integrations` });
      const { page, rec } = await openBrowser();

      await openLinkPage(page, link);
      const h1 = await page.locator('h1').innerText();
      assert.match(h1, /Test Project/);
      assert.match(h1, /Local OIDC/);
      assert.equal(await page.title(), 'Connect Local OIDC to Test Project');
      assert.deepEqual(await page.locator('ul.scopes code').allInnerTexts(), ['openid', 'offline_access', 'repo']);
      await snap(page, shot('oauth-1-consent'), { copyTo: backend === 'sqlite' ? path.join(DOCS, 'connect-oauth.png') : undefined });
      // The same screen in dark mode and on a phone-sized viewport (test-results only).
      await page.emulateMedia({ colorScheme: 'dark' });
      await snap(page, shot('oauth-1-consent-dark'));
      await page.emulateMedia({ colorScheme: 'light' });
      await page.setViewportSize({ width: 375, height: 740 });
      await snap(page, shot('oauth-1-consent-mobile'));
      await page.setViewportSize({ width: 1000, height: 800 });

      // Consent accepted: off to the provider (a 303 from POST /link/authorize, allowed by form-action).
      await page.getByRole('button', { name: 'Continue to Local OIDC' }).click();
      await page.waitForURL((u) => u.origin === w.op.issuer && /\/interaction\//.test(u.pathname));
      await page.locator('input[name="login"]').waitFor();
      await snap(page, shot('oauth-2-provider-login'));
      await page.locator('input[name="login"]').fill('alice');
      await page.locator('input[name="password"]').fill('any-password');
      await page.getByRole('button', { name: 'Sign-in' }).click();

      await page.waitForURL((u) => u.origin === w.op.issuer && /\/interaction\//.test(u.pathname) && u.pathname !== '/login');
      await page.getByRole('button', { name: 'Continue' }).waitFor();
      await snap(page, shot('oauth-3-provider-consent'));
      await page.getByRole('button', { name: 'Continue' }).click();

      // provider -> authlink's /api/v3.1/toolkits/auth/callback -> the app.
      await page.waitForURL((u) => u.origin === app.origin);
      await page.locator('#status').waitFor();
      await snap(page, shot('oauth-4-back-in-app'));
      const final = new URL(page.url());
      assert.equal(final.pathname, '/done');
      assert.equal(final.searchParams.get('tab'), 'integrations', "the app's own query is kept");
      assert.equal(final.searchParams.get('status'), 'success');
      assert.equal(final.searchParams.get('connected_account_id'), link.connected_account_id);
      assert.equal(final.searchParams.get('error'), null);
      assert.equal(app.hits.filter((h) => h.searchParams.get('connected_account_id') === link.connected_account_id).length, 1, 'the app was called back once');
      assert.ok(
        rec.requests.some((r) => r.url.startsWith(`${authlinkOrigin()}/api/v3.1/toolkits/auth/callback?`)),
        'went through authlink’s redirect URI',
      );

      const row = await w.t.runtime.store.accounts.get(w.t.projectId, link.connected_account_id);
      assert.equal(row?.status, 'ACTIVE');
      assert.equal(typeof openCredentials(w.t.runtime.keyRing, row!).access_token, 'string');
      assert.equal(w.op.counts.tokenByGrant.authorization_code, 1);

      await assertCleanPage(rec, link.link_token, { providerOrigin: w.op.issuer });
      // The link is spent: opening it again in the same browser says so.
      const again = await page.goto(link.redirect_url);
      assert.equal(again?.status(), 409);
      assert.match(await page.locator('main').innerText(), /already/i);
    });

    test("a built-in toolkit's logo (issue #17): inline SVG on the page, nothing fetched, no CSP report", async () => {
      const created = await api(w.t).post('/api/v3.1/auth_configs', {
        toolkit: { slug: 'stripe' },
        auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' },
      });
      assert.equal(created.status, 201, created.text);
      const link = await createLink(w.t, { auth_config_id: created.body.auth_config.id, user_id: 'logo-user' });
      const { page, rec } = await openBrowser();
      await openLinkPage(page, link);
      assert.equal(await page.locator('h1').innerText(), 'Connect your Stripe account');
      const mark = page.locator('.brand-row .logo svg path');
      assert.equal(await mark.getAttribute('fill'), `#${toolkitLogo('stripe')!.hex}`);
      const box = await page.locator('.brand-row .logo').boundingBox();
      assert.ok(box && box.width === 48 && box.height === 48, JSON.stringify(box));
      await snap(page, shot('logo-1-form'), { copyTo: backend === 'sqlite' ? path.join(DOCS, 'connect-logo.png') : undefined });
      await assertCleanPage(rec, link.link_token);
      assert.deepEqual(
        rec.requests.filter((r) => /\.svg|logos/.test(r.url)),
        [],
        'the logo is part of the page, not a request',
      );
    });

    test('API key: pre-filled workspace, password input, required + server-side validation, success; the key is never echoed', async () => {
      const link = await createLink(w.t, {
        auth_config_id: w.apiKeyAuthConfigId,
        user_id: 'bob',
        callback_url: `${app.origin}/done`,
        connection_data: { workspace: 'acme' },
      });
      const { page, rec } = await openBrowser();

      await openLinkPage(page, link);
      assert.equal(await page.locator('h1').innerText(), 'Connect your Echo API account');
      assert.match(await page.locator('.lead').innerText(), /Test Project/);
      const workspace = page.getByLabel('Workspace');
      const key = page.getByLabel('API key');
      assert.equal(await workspace.inputValue(), 'acme');
      assert.equal(await workspace.getAttribute('type'), 'text');
      assert.equal(await key.getAttribute('type'), 'password');
      assert.equal(await key.getAttribute('value'), null);
      assert.equal(await key.evaluate((el) => (el as HTMLInputElement).required), true);
      await snap(page, shot('apikey-1-form'), { copyTo: backend === 'sqlite' ? path.join(DOCS, 'connect-api-key.png') : undefined });

      const submit = page.getByRole('button', { name: 'Connect Echo API' });
      const posts = () => rec.requests.filter((r) => r.method === 'POST' && r.url === `${authlinkOrigin()}/link/submit`).length;

      // 1. Empty: the browser's own required-field validation stops the submit.
      await submit.click();
      assert.equal(await key.evaluate((el) => (el as HTMLInputElement).validity.valueMissing), true);
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'api_key', 'focus moved to the missing field');
      assert.equal(posts(), 0, 'nothing was posted');
      assert.equal(page.url(), `${authlinkOrigin()}/link`);

      // 2. Empty again with the attribute removed: the server re-renders with an error (400).
      await key.evaluate((el) => el.removeAttribute('required'));
      const [empty] = await Promise.all([page.waitForResponse((r) => r.url() === `${authlinkOrigin()}/link/submit`), submit.click()]);
      assert.equal(empty.status(), 400);
      await page.locator('.alert-error').waitFor();
      assert.match(await page.locator('.alert-error').innerText(), /API key is required/);
      assert.match(await page.title(), /^Error: /);
      assert.equal(await page.getByLabel('Workspace').inputValue(), 'acme', 'the pre-filled value survives the re-render');
      await snap(page, shot('apikey-2-required-error'));

      // 3. A key the server refuses (too long): the re-rendered page must not hand it back.
      const tooLong = `sk_long_${randomBytes(16).toString('hex')}`.padEnd(8200, 'x');
      await key.evaluate((el) => el.removeAttribute('required'));
      await key.fill(tooLong);
      const [long] = await Promise.all([page.waitForResponse((r) => r.url() === `${authlinkOrigin()}/link/submit`), submit.click()]);
      assert.equal(long.status(), 400);
      assert.match(await page.locator('.alert-error').innerText(), /API key is too long/);
      assert.equal(await page.getByLabel('API key').inputValue(), '', 'the secret field comes back empty');
      assert.ok(!(await page.content()).includes(tooLong.slice(0, 40)), 'the refused key is not in the page');
      await snap(page, shot('apikey-3-too-long-error'));

      // 4. A real key: success, back in the app.
      const secret = `sk_test_${randomBytes(18).toString('base64url')}`;
      await page.getByLabel('API key').fill(secret);
      await submit.click();
      await page.waitForURL((u) => u.origin === app.origin);
      await page.locator('#status').waitFor();
      await snap(page, shot('apikey-4-back-in-app'));
      const final = new URL(page.url());
      assert.equal(final.pathname, '/done');
      assert.equal(final.searchParams.get('status'), 'success');
      assert.equal(final.searchParams.get('connected_account_id'), link.connected_account_id);
      assert.ok(!page.url().includes(secret));
      assert.equal(posts(), 3);

      const row = await w.t.runtime.store.accounts.get(w.t.projectId, link.connected_account_id);
      assert.equal(row?.status, 'ACTIVE');
      assert.equal(JSON.parse(row!.data).workspace, 'acme');
      assert.equal(openCredentials(w.t.runtime.keyRing, row!).api_key, secret);
      assert.ok(!row!.credentials_enc!.includes(secret));

      await assertCleanPage(rec, link.link_token, { expected400s: '/link/submit' });
      // No HTML document the browser received, before or after any submit, holds a key.
      assert.ok(rec.documents.length >= 4, `documents seen: ${rec.documents.map((d) => `${d.status} ${d.url}`).join(', ')}`);
      for (const d of rec.documents) {
        assert.ok(!d.body.includes(secret), `${d.url} contains the key`);
        assert.ok(!d.body.includes(tooLong.slice(0, 40)), `${d.url} contains the refused key`);
      }
      assert.ok(!(await page.content()).includes(secret));
      // Only the POST bodies carried it, and only to authlink.
      assert.ok(rec.requests.every((r) => !r.url.includes(secret) && !r.referer?.includes(secret)));
    });

    test('issue #20 B: link-preview bots change nothing; the person who acts first owns the link; the same link forwarded to another browser gets "opened elsewhere"', async () => {
      const link = await createLink(w.t, { auth_config_id: w.authConfigId, user_id: 'dana', callback_url: `${app.origin}/done` });
      const linkRow = async () => (await w.t.runtime.store.links.byTokenHash(hashSecret(link.link_token)))!;

      // A preview bot / mail scanner: fetches the link (following redirects, keeping cookies) three times.
      const botContext = await newContext(browser);
      contexts.push(botContext);
      for (let i = 0; i < 3; i++) {
        const res = await botContext.request.get(link.redirect_url);
        assert.equal(res.status(), 200);
        assert.match(await res.text(), /Local OIDC/);
      }
      let row = await linkRow();
      assert.deepEqual(
        [row.browser_hash, row.opened_at, row.consumed_at, row.csrf_token],
        [null, null, null, null],
        'the bot bound, minted and consumed nothing',
      );

      // The person opens it and acts: from now on the link is this browser's.
      const person = await openBrowser();
      await openLinkPage(person.page, link);
      await person.page.getByRole('button', { name: 'Continue to Local OIDC' }).click();
      await person.page.waitForURL((u) => u.origin === w.op.issuer);
      row = await linkRow();
      assert.ok(row.browser_hash && row.opened_at, 'bound on the first POST');
      assert.equal(row.consumed_at, null);

      // The link, forwarded (or the bot, again): "opened in another browser", nothing changes.
      const other = await openBrowser();
      const res = await other.page.goto(link.redirect_url);
      assert.equal(res?.status(), 409);
      assert.match(await other.page.locator('main').innerText(), /another browser/);
      await snap(other.page, shot('forwarded-link-elsewhere'));
      assert.equal((await botContext.request.get(link.redirect_url)).status(), 409);
      assert.deepEqual(await linkRow(), row);

      // The person finishes at the provider and lands in the app, connected as themselves.
      await person.page.locator('input[name="login"]').fill('dana');
      await person.page.locator('input[name="password"]').fill('any-password');
      await person.page.getByRole('button', { name: 'Sign-in' }).click();
      await person.page.getByRole('button', { name: 'Continue' }).click();
      await person.page.waitForURL((u) => u.origin === app.origin);
      assert.equal(new URL(person.page.url()).searchParams.get('status'), 'success');
      const account = await w.t.runtime.store.accounts.get(w.t.projectId, link.connected_account_id);
      assert.equal(account?.status, 'ACTIVE');
      assert.equal(account?.user_id, 'dana');
      await assertCleanPage(person.rec, link.link_token, { providerOrigin: w.op.issuer });
    });

    test('cancel on the consent screen -> app callback with status=failed&error=cancelled; account FAILED', async () => {
      const link = await createLink(w.t, { auth_config_id: w.authConfigId, user_id: 'carol', callback_url: `${app.origin}/done` });
      const { page, rec } = await openBrowser();
      const providerHits = w.op.counts.authorization;
      await openLinkPage(page, link);
      await page.getByRole('button', { name: 'Cancel' }).click();
      await page.waitForURL((u) => u.origin === app.origin);
      await page.locator('#status').waitFor();
      await snap(page, shot('cancel-back-in-app'));
      const final = new URL(page.url());
      assert.equal(final.pathname, '/done');
      assert.equal(final.searchParams.get('status'), 'failed');
      assert.equal(final.searchParams.get('error'), 'cancelled');
      assert.equal(final.searchParams.get('connected_account_id'), link.connected_account_id);
      assert.equal(w.op.counts.authorization, providerHits, 'the provider was never reached');
      assert.ok(rec.requests.every((r) => !r.url.startsWith(`${w.op.issuer}/`)));

      const row = await w.t.runtime.store.accounts.get(w.t.projectId, link.connected_account_id);
      assert.equal(row?.status, 'FAILED');
      assert.equal(row?.status_reason, 'The user cancelled the connection');
      await assertCleanPage(rec, link.link_token);
    });
  });
