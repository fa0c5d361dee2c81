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
import { startReceiver } from '../helpers/receiver.ts';
import { createLink } from '../helpers/link-flow.ts';
import { CONSOLE_STYLESHEET_PATH } from '../../src/console/views/style.ts';

const SUITE = 'operator console in a real browser';
const DOCS = path.join(REPO_ROOT, 'docs', 'images');

const missing = chromiumMissing();
if (missing) describe(SUITE, { skip: missing }, () => {});
else
  forEachBackend(SUITE, (backend) => {
    let w: ConsoleWorld;
    let browser: Browser;
    let receiver: Awaited<ReturnType<typeof startReceiver>>;
    const contexts: BrowserContext[] = [];

    before(async () => {
      receiver = await startReceiver();
      [w, browser] = await Promise.all([startConsoleWorld(backend, { listen: true, env: { AUTHLINK_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1' } }), launchChromium()]);
    });
    after(async () => {
      await Promise.all(contexts.map((c) => c.close().catch(() => undefined)));
      await browser?.close();
      await w?.close();
      await receiver?.close();
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

    test('the issue’s flow: create an auth config, subscribe a webhook, a user connects through a link, find and disable the account, see the delivery, revoke a key', async () => {
      const { page, rec, blocked } = await openBrowser({ width: 1000, height: 800 });
      const base = `${origin()}/console/projects/${w.t.projectId}`;
      await page.goto(`${origin()}/console/sign-in`);
      await page.getByLabel('API key or operator token').fill(w.t.apiKey);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(base);

      // Find the toolkit in the catalog: logos load same-origin.
      await page.getByRole('link', { name: 'Toolkits' }).click();
      await page.getByLabel('Name, slug or category').fill('echo');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.waitForURL(/toolkits\?q=echo$/);
      assert.equal(await page.locator('tbody tr').count(), 1);
      const logoWidth = await page
        .locator('img.logo')
        .first()
        .evaluate((img) => (img as HTMLImageElement).naturalWidth);
      assert.ok(logoWidth > 0, 'the logo loaded');
      await shot(page, 'toolkits');
      await page.getByRole('link', { name: 'Echo API' }).click();
      await page.waitForURL(`${base}/toolkits/echoapi`);
      await shot(page, 'toolkit');

      // Create an auth config through the form.
      await page.getByRole('link', { name: 'Create an auth config with API key' }).click();
      await page.getByLabel('Name (optional)').fill('Echo via console');
      await shot(page, 'auth-config-new');
      await page.getByRole('button', { name: 'Create auth config' }).click();
      await page.waitForURL(/auth-configs\/ac_[^?]+\?done=ac_created$/);
      const acId = /auth-configs\/(ac_[^?]+)/.exec(page.url())![1];
      assert.equal(await page.getByRole('status').textContent(), 'The auth config was created.');
      assert.equal((await w.t.runtime.store.authConfigs.get(w.t.projectId, acId))?.name, 'Echo via console');
      await shot(page, 'auth-config');
      await page.getByRole('link', { name: 'Auth configs' }).click();
      assert.ok((await page.locator('main').textContent())?.includes('Echo via console'));
      await shot(page, 'auth-configs');

      // Subscribe a local receiver to every event.
      await page.getByRole('link', { name: 'Webhooks' }).click();
      await page.getByLabel('URL').fill(receiver.url);
      await page.getByLabel('Every event but the opt-in ones (*)').check();
      await page.getByRole('button', { name: 'Subscribe' }).click();
      const secret = await page.getByLabel(/Signing secret for/).inputValue();
      assert.match(secret, /^whsec_/);
      assert.equal(await page.getByLabel(/Signing secret for/).getAttribute('readonly'), '');

      // A user connects through a link made with the API, in this same browser.
      const link = await createLink(w.t, { auth_config_id: acId, user_id: 'carol@example.com' });
      await page.goto(link.redirect_url);
      await page.getByLabel('API key').fill('sk_carol_abcdefghijklmnopqrstuv');
      await page.getByRole('button', { name: 'Connect Echo API' }).click();
      await page.getByRole('heading', { name: /connected/ }).waitFor();
      assert.equal((await w.t.runtime.store.accounts.get(w.t.projectId, link.connected_account_id))?.status, 'ACTIVE');

      // A tool-router session for the user: the console says which account it uses for the toolkit, and why.
      const sessionRes = await w.t.app.inject({
        method: 'POST',
        url: '/api/v3.1/tool_router/session',
        headers: { 'x-api-key': w.t.apiKey },
        payload: { user_id: 'carol@example.com', toolkits: { enable: ['echoapi', 'github'] } },
      });
      assert.equal(sessionRes.statusCode, 201);
      await page.goto(`${base}/sessions`);
      await page.getByRole('link', { name: sessionRes.json().session_id }).click();
      assert.ok((await page.locator('main').textContent())?.includes(link.connected_account_id), 'resolves to the new account');
      await shot(page, 'session');

      // Find the account by user id, disable it.
      await page.goto(`${base}/accounts`);
      await page.getByLabel('User id').fill('carol@example.com');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.getByRole('link', { name: 'carol@example.com' }).click();
      // Copy a reconnect link: made through the link service, shown once in a read-only field.
      await page.getByLabel('Where to send the user afterwards').fill('https://app.example.com/done');
      await page.getByRole('button', { name: 'Create a reconnect link' }).click();
      const reconnect = page.getByRole('textbox', { name: 'New reconnect link' });
      assert.ok((await reconnect.inputValue()).startsWith(`${origin()}/link/`));
      assert.equal(await reconnect.getAttribute('readonly'), '');
      await shot(page, 'account-reconnect');
      await page.getByRole('button', { name: 'Disable' }).click();
      await page.waitForURL(/done=disabled$/);
      assert.equal((await w.t.runtime.store.accounts.get(w.t.projectId, link.connected_account_id))?.is_disabled, 1);

      // The overview counts both links: the completed one, and the reconnect link nobody opened yet.
      await page.getByRole('link', { name: 'Overview' }).click();
      assert.equal(await page.locator('#funnel-day + .sr-only').textContent(), 'Last 24 hours: 2 created, 1 opened, 1 completed, 0 failed, 0 expired.');
      await shot(page, 'overview-funnel');

      // The deliveries: sent to the receiver, listed on the subscription, one opened with its payload.
      while ((await w.t.app.services.webhookWorker.runOnce()) > 0);
      assert.ok(receiver.types().includes('composio.connected_account.disabled'), receiver.types().join());
      await page.getByRole('link', { name: 'Webhooks' }).click();
      assert.ok(!(await page.content()).includes(secret), 'the secret is not shown again');
      await shot(page, 'webhooks');
      await page.getByRole('link', { name: receiver.url }).click();
      const disabledRow = page.locator('tbody tr', { hasText: 'composio.connected_account.disabled' });
      assert.equal(await disabledRow.locator('.badge').textContent(), 'SUCCEEDED');
      await shot(page, 'webhook');
      await disabledRow.getByRole('link').click();
      assert.ok((await page.locator('pre.payload').textContent())?.includes(link.connected_account_id));
      assert.ok(!(await page.content()).includes('sk_carol_abcdefghijklmnopqrstuv'), 'no credential in the payload');
      await page.getByRole('button', { name: 'Redeliver' }).click();
      await page.waitForURL(/done=redelivered$/);
      await shot(page, 'webhook-delivery');

      // Revoke a key.
      const extra = await w.t.app.services.apiKeys.create(w.t.projectId, 'to revoke', new Date());
      await page.getByRole('link', { name: 'API keys' }).click();
      await page.getByRole('button', { name: `Revoke key to revoke (${extra.record.key_prefix}…)` }).click();
      await page.waitForURL(/done=revoked$/);
      assert.ok((await w.t.runtime.store.apiKeys.get(extra.record.id))?.revoked_at);

      // Every new page reads at 320 px.
      await page.setViewportSize({ width: 320, height: 640 });
      for (const url of [
        `${base}/toolkits?q=echo`,
        `${base}/toolkits/echoapi`,
        `${base}/auth-configs`,
        `${base}/auth-configs/${acId}`,
        `${base}/auth-configs/new?toolkit=echoapi`,
        `${base}/webhooks`,
      ]) {
        await page.goto(url);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 0, `${url}: no horizontal scrolling at 320 px (overflow ${overflow}px)`);
      }

      await assertClean(rec, blocked);
    });
  });
