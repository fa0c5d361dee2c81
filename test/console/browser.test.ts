// The operator console in a real browser (headless Debian chromium driven by
// playwright-core, as test/browser/hosted-page.test.ts): sign in with a
// project key, find an account by user id, open it, disable it, create and
// revoke an API key, read the audit log, sign out, all with the keyboard-
// and script-free HTML forms. Every request, console message and CSP
// violation is recorded: nothing may leave 127.0.0.1 and nothing may be
// refused by the CSP. Screenshots go to test-results/browser/; on the SQLite
// run they also go to docs/images/console-*.png when missing there, or always
// with AUTHLINK_UPDATE_DOCS_IMAGES=1 (the pages show ids and times, so
// rewriting them on every run would leave the tree changed after each test).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { forEachBackend } from '../helpers/backends.ts';
import { blockThirdParty, chromiumMissing, launchChromium, newContext, recordPage, REPO_ROOT, snap, type PageRecorder } from '../helpers/browser.ts';
import { startConsoleWorld, type ConsoleWorld } from './helpers.ts';
import { CONSOLE_STYLESHEET_PATH } from '../../src/console/views/style.ts';

const SUITE = 'operator console in a real browser';
const DOCS = path.join(REPO_ROOT, 'docs', 'images');

const missing = chromiumMissing();
if (missing) describe(SUITE, { skip: missing }, () => {});
else
  forEachBackend(SUITE, (backend) => {
    let w: ConsoleWorld;
    let browser: Browser;
    const contexts: BrowserContext[] = [];

    before(async () => {
      [w, browser] = await Promise.all([startConsoleWorld(backend, { listen: true }), launchChromium()]);
    });
    after(async () => {
      await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
      await browser?.close();
      await w?.close();
    });

    async function openBrowser(viewport?: { width: number; height: number }): Promise<{ page: Page; rec: PageRecorder; blocked: string[] }> {
      const context = await newContext(browser);
      contexts.push(context);
      const blocked = await blockThirdParty(context);
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      page.setDefaultTimeout(10_000);
      return { page, rec: await recordPage(page), blocked };
    }

    const origin = () => w.t.config.publicUrl;
    const docsImage = (name: string) => {
      const file = path.join(DOCS, `console-${name}.png`);
      return backend === 'sqlite' && (process.env.AUTHLINK_UPDATE_DOCS_IMAGES === '1' || !fs.existsSync(file)) ? file : undefined;
    };
    const shot = (page: Page, name: string) => snap(page, `${backend}-console-${name}`, { copyTo: docsImage(name) });

    async function assertClean(rec: PageRecorder, blocked: string[]) {
      await rec.settle();
      assert.ok(
        rec.requests.some((r) => r.url === `${origin()}${CONSOLE_STYLESHEET_PATH}`),
        'the stylesheet was requested',
      );
      assert.deepEqual(rec.thirdParty(), [], 'no third-party requests');
      assert.deepEqual(blocked, []);
      assert.deepEqual(rec.cspViolations, [], 'no securitypolicyviolation event');
      assert.deepEqual(rec.cspConsole(), [], 'no CSP report on the console');
      assert.deepEqual(rec.pageErrors, []);
      assert.deepEqual(
        rec.console.filter((m) => m.type === 'error'),
        [],
        'no console errors',
      );
      assert.deepEqual(
        rec.requests.filter((r) => r.referer),
        [],
        'no Referer is sent',
      );
      // The API key never appears in a URL.
      assert.deepEqual(
        rec.requests.filter((r) => r.url.includes(w.t.apiKey)),
        [],
      );
    }

    test('sign in, find an account by user id, disable it, create and revoke a key, read the audit log, sign out', async () => {
      const accountId = await w.account('alice@example.com', 'sk_browser_abcdefghijklmnop', { alias: 'work' });
      await w.account('bob@example.com', 'sk_browser_qrstuvwxyz012345');
      const { page, rec, blocked } = await openBrowser();

      // Signed out: the console sends the browser to the sign-in page.
      await page.goto(`${origin()}/console`);
      assert.equal(page.url(), `${origin()}/console/sign-in`);
      assert.equal(await page.title(), 'Sign in · authlink console');
      // The first Tab reaches the skip link.
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
      await shot(page, 'sign-in');

      // The stylesheet applies (a CSP or MIME problem would leave the page unstyled).
      const panelBg = await page
        .locator('.panel')
        .first()
        .evaluate((el) => getComputedStyle(el).backgroundColor);
      assert.equal(panelBg, 'rgb(255, 255, 255)');

      await page.getByLabel('API key or operator token').fill(w.t.apiKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${origin()}/console/projects/${w.t.projectId}`);
      assert.equal(await page.title(), 'Overview · Test Project · authlink console');
      assert.equal(await page.locator('a[href$="status=ACTIVE"]').textContent(), '2');
      await shot(page, 'overview');

      await page.getByRole('link', { name: 'Connected accounts' }).click();
      await page.getByLabel('User id').fill('alice@example.com');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.waitForURL(/user_id=alice%40example.com/);
      assert.equal(await page.locator('tbody tr').count(), 1);
      await shot(page, 'accounts');

      await page.getByRole('link', { name: 'alice@example.com' }).click();
      await page.waitForURL(`${origin()}/console/projects/${w.t.projectId}/accounts/${accountId}`);
      assert.ok((await page.locator('main').textContent())?.includes('********mnop'), 'masked credential shown');
      assert.ok(!(await page.content()).includes('sk_browser_abcdefghijklmnop'), 'never in clear');

      await page.getByRole('button', { name: 'Disable' }).click();
      await page.waitForURL(/done=disabled$/);
      assert.equal(await page.getByRole('status').textContent(), 'The account is disabled.');
      assert.equal(await page.locator('.badge.st-DISABLED').count(), 1);
      assert.equal((await w.t.runtime.store.accounts.get(w.t.projectId, accountId))?.is_disabled, 1);
      await shot(page, 'account');

      // Readable at 320 px: nothing wider than the screen.
      await page.setViewportSize({ width: 320, height: 640 });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `no horizontal scrolling at 320 px (overflow ${overflow}px)`);
      await shot(page, 'account-narrow');
      await page.setViewportSize({ width: 1000, height: 800 });

      await page.getByRole('link', { name: 'API keys' }).click();
      await page.getByLabel('Name').fill('ci pipeline');
      await page.getByRole('button', { name: 'Create key' }).click();
      const newKey = (await page.locator('#new-key-value').textContent()) ?? '';
      assert.match(newKey, /^ak_[A-Za-z0-9_-]+$/);
      const keyRow = await w.t.runtime.store.apiKeys.listByProject(w.t.projectId).then((ks) => ks.find((k) => k.name === 'ci pipeline'));
      assert.ok(keyRow);
      await page.getByRole('button', { name: `Revoke key ci pipeline (${keyRow.key_prefix}…)` }).click();
      await page.waitForURL(/done=revoked$/);
      assert.equal(await page.getByRole('status').textContent(), 'The key was revoked.');
      assert.ok((await w.t.runtime.store.apiKeys.get(keyRow.id))?.revoked_at);
      assert.ok(!(await page.content()).includes(newKey), 'the key is not shown again');
      await shot(page, 'keys');

      await page.getByRole('link', { name: 'Audit log' }).click();
      const actions = await page.locator('tbody tr td:nth-child(2)').allTextContents();
      assert.deepEqual(actions.slice(0, 3), ['api_key.revoked', 'api_key.created', 'connected_account.disabled']);
      await shot(page, 'audit');

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(`${origin()}/console/sign-in?signed_out=1`);
      assert.equal(await page.getByRole('status').textContent(), 'You are signed out.');
      // The session is gone: the console asks to sign in again.
      await page.goto(`${origin()}/console/projects/${w.t.projectId}/accounts`);
      assert.equal(page.url(), `${origin()}/console/sign-in`);
      const cookies = await page.context().cookies();
      assert.deepEqual(
        cookies.filter((c) => c.name.includes('console')),
        [],
      );

      await assertClean(rec, blocked);
    });
  });
