// A real headless Chromium for the browser tests (playwright-core driving the
// system's Debian chromium; no browser download), a recorder that watches
// everything a page does, and a tiny local "app" that receives the callback.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** The repository root (screenshots and docs images are written relative to it, whatever the cwd). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const CHROMIUM_PATH = process.env.AUTHLINK_TEST_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Why the browser suite cannot run here, or undefined when it can. */
export function chromiumMissing(): string | undefined {
  return fs.existsSync(CHROMIUM_PATH) ? undefined : `chromium not installed: apt-get install -y chromium (looked for ${CHROMIUM_PATH})`;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
}

/** A fresh profile (no cookies) with a fixed, docs-friendly viewport and light colours. */
export function newContext(browser: Browser): Promise<BrowserContext> {
  return browser.newContext({
    viewport: { width: 1000, height: 800 },
    deviceScaleFactor: 1,
    colorScheme: 'light',
    locale: 'en-US',
    javaScriptEnabled: true, // Playwright's own evaluate(); the hosted page ships no scripts
  });
}

/**
 * Aborts every request to a host other than 127.0.0.1 so the tests stay
 * offline and fast (they are still reported by the recorder's 'request'
 * events, so assertions can see them). Returns the URLs it blocked.
 */
export async function blockThirdParty(context: BrowserContext): Promise<string[]> {
  const blocked: string[] = [];
  await context.route(
    (url) => (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '127.0.0.1',
    (route) => {
      blocked.push(route.request().url());
      return route.abort('blockedbyclient');
    },
  );
  return blocked;
}

export interface RecordedRequest {
  method: string;
  url: string;
  resourceType: string;
  /** URL of the document the request was made from (for a navigation: the page being left). */
  frameUrl: string;
  referer?: string;
}

export interface CspViolation {
  documentURI: string;
  violatedDirective: string;
  blockedURI: string;
}

export interface PageRecorder {
  requests: RecordedRequest[];
  console: Array<{ type: string; text: string; url: string }>;
  cspViolations: CspViolation[];
  pageErrors: string[];
  /** Text of every HTML document the page received (redirect responses have none). */
  documents: Array<{ url: string; status: number; body: string }>;
  /** Requests whose host is not 127.0.0.1 (data:/about:/blob: URLs are not network requests). */
  thirdParty(): RecordedRequest[];
  /** Console messages that are CSP reports ("Refused to ... Content Security Policy"). */
  cspConsole(): string[];
  /** Waits until every document body seen so far has been read. */
  settle(): Promise<void>;
}

const CSP_MARKER = '__authlink_csp_violation__';

/**
 * Records every request, console message, uncaught error, HTML document and
 * CSP violation of `page`. Violations are caught twice: Chromium's own
 * "Refused to ..." console reports, and a `securitypolicyviolation` listener
 * added as an init script (run by the DevTools protocol, so the page's CSP
 * does not block it) that reports through a console message.
 */
export async function recordPage(page: Page): Promise<PageRecorder> {
  const rec: PageRecorder = {
    requests: [],
    console: [],
    cspViolations: [],
    pageErrors: [],
    documents: [],
    thirdParty() {
      return rec.requests.filter((r) => {
        const u = new URL(r.url);
        if (u.protocol === 'data:' || u.protocol === 'about:' || u.protocol === 'blob:') return false;
        return u.hostname !== '127.0.0.1';
      });
    },
    cspConsole() {
      return rec.console.filter((m) => /content security policy/i.test(m.text)).map((m) => `${m.url}: ${m.text}`);
    },
    async settle() {
      await Promise.all(pending);
    },
  };
  const pending: Promise<unknown>[] = [];
  await page.addInitScript((marker: string) => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(marker + JSON.stringify({ documentURI: e.documentURI, violatedDirective: e.violatedDirective, blockedURI: e.blockedURI }));
    });
  }, CSP_MARKER);
  page.on('request', (r) =>
    rec.requests.push({ method: r.method(), url: r.url(), resourceType: r.resourceType(), frameUrl: r.frame().url(), referer: r.headers().referer }),
  );
  page.on('console', (m) => {
    const text = m.text();
    if (text.startsWith(CSP_MARKER)) rec.cspViolations.push(JSON.parse(text.slice(CSP_MARKER.length)) as CspViolation);
    else rec.console.push({ type: m.type(), text, url: m.location().url });
  });
  page.on('pageerror', (e) => rec.pageErrors.push(String(e)));
  page.on('response', (r) => {
    const type = r.headers()['content-type'] ?? '';
    if (r.request().resourceType() !== 'document' || !type.startsWith('text/html') || (r.status() >= 300 && r.status() < 400)) return;
    pending.push(
      r.text().then(
        (body) => rec.documents.push({ url: r.url(), status: r.status(), body }),
        () => undefined, // the page navigated on before the body could be read
      ),
    );
  });
  return rec;
}

/** Saves a full-page screenshot to test-results/browser/<name>.png (git-ignored), optionally copies it (docs images), and returns its path. */
export async function snap(page: Page, name: string, opts: { fullPage?: boolean; copyTo?: string } = {}): Promise<string> {
  const dir = path.join(REPO_ROOT, 'test-results', 'browser');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: opts.fullPage ?? true, animations: 'disabled', caret: 'hide' });
  if (opts.copyTo) {
    fs.mkdirSync(path.dirname(opts.copyTo), { recursive: true });
    fs.copyFileSync(file, opts.copyTo);
  }
  return file;
}

export interface CallbackServer {
  /** http://127.0.0.1:<port> */
  origin: string;
  /** Every request it received (path + query), in order. */
  hits: URL[];
  close(): Promise<void>;
}

/** The "app": answers a small HTML page on every path and records the URLs it was sent to. */
export async function startCallbackServer(): Promise<CallbackServer> {
  const hits: URL[] = [];
  let origin = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    if (url.pathname === '/favicon.ico') {
      res.writeHead(204).end();
      return;
    }
    hits.push(url);
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Example app</title><link rel="icon" href="data:,"></head><body><h1>Back in the app</h1><p id="status">${escapeText(url.searchParams.get('status') ?? '')}</p></body></html>`,
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function escapeText(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
