// The operator console over app.inject(): a one-cookie "browser" that signs
// in, reads pages, and posts forms with the page's CSRF token; plus a world
// with the echoapi toolkit and accounts made through the API.
import assert from 'node:assert/strict';
import { api, startTestApp, type TestApp, type TestAppOptions } from '../helpers/test-app.ts';
import { apiKeyToolkit, writeToolkitsDir } from '../helpers/toolkits.ts';
import type { Backend } from '../helpers/backends.ts';

export interface Res {
  status: number;
  text: string;
  headers: Record<string, string | string[] | number | undefined>;
  location?: string;
}

export interface ConsoleClient {
  /** The cookie header value this client sends (name=value), or undefined. */
  cookie?: string;
  get(url: string): Promise<Res>;
  post(url: string, form: Record<string, string>, headers?: Record<string, string>): Promise<Res>;
  /** Signs in with `secret`; asserts success and returns the cookie's Set-Cookie line. */
  signIn(secret: string): Promise<string>;
  /** The CSRF token of a page this client can see. */
  csrf(url?: string): Promise<string>;
}

function setCookieOf(headers: Res['headers']): string[] {
  const raw = headers['set-cookie'];
  return raw === undefined ? [] : Array.isArray(raw) ? raw : [String(raw)];
}

export function csrfIn(html: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(html);
  assert.ok(m, 'the page has a CSRF field');
  return m[1];
}

let clients = 0;

/**
 * A client with its own (injected, not real) remote address, so that the
 * sign-in rate limit, which counts per address, only meets the test that
 * is about it (that test passes one `ip` to several clients).
 */
export function consoleClient(t: TestApp, opts: { ip?: string } = {}): ConsoleClient {
  clients++;
  const remoteAddress = opts.ip ?? `127.0.${Math.floor(clients / 250) % 250}.${(clients % 250) + 2}`;
  const client: ConsoleClient = {
    cookie: undefined,
    async get(url) {
      return send('GET', url);
    },
    async post(url, form, headers = {}) {
      return send('POST', url, new URLSearchParams(form).toString(), { 'content-type': 'application/x-www-form-urlencoded', ...headers });
    },
    async signIn(secret) {
      const res = await client.post('/console/sign-in', { secret });
      assert.equal(res.status, 303, res.text.slice(0, 400));
      assert.equal(res.location, '/console');
      const line = setCookieOf(res.headers).find((l) => /authlink_console=cs_/.test(l));
      assert.ok(line, 'a session cookie was set');
      return line;
    },
    async csrf(url = '/console/projects') {
      const res = await client.get(url);
      if (res.status === 303 && res.location) return client.csrf(res.location);
      assert.equal(res.status, 200, res.text.slice(0, 400));
      return csrfIn(res.text);
    },
  };
  async function send(method: 'GET' | 'POST', url: string, payload?: string, headers: Record<string, string> = {}): Promise<Res> {
    const res = await t.app.inject({ method, url, payload, remoteAddress, headers: { ...headers, ...(client.cookie ? { cookie: client.cookie } : {}) } });
    for (const line of setCookieOf(res.headers)) {
      const [pair, ...attrs] = line.split(';');
      if (!/^(__Host-)?authlink_console=/.test(pair)) continue;
      const cleared = attrs.some((a) => /^\s*max-age=0$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || pair.endsWith('=');
      client.cookie = cleared ? undefined : pair;
    }
    return { status: res.statusCode, text: res.body, headers: res.headers, location: res.headers.location as string | undefined };
  }
  return client;
}

export interface ConsoleWorld {
  t: TestApp;
  acId: string;
  /** An ACTIVE echoapi account made through the API (project key `apiKey`, default the first project's). */
  account(userId: string, secret: string, opts?: { apiKey?: string; acId?: string; alias?: string }): Promise<string>;
  /** An echoapi auth config in the project of `apiKey`. */
  authConfig(apiKey: string): Promise<string>;
  close(): Promise<void>;
}

export async function startConsoleWorld(backend: Backend, opts: TestAppOptions = {}): Promise<ConsoleWorld> {
  const dir = writeToolkitsDir([apiKeyToolkit('http://127.0.0.1:9/echo')]);
  const t = await startTestApp(backend, { ...opts, env: { AUTHLINK_TOOLKITS_DIR: dir, ...opts.env } });
  const authConfig = async (apiKey: string) => {
    const ac = await api(t, apiKey).post('/api/v3.1/auth_configs', {
      toolkit: { slug: 'echoapi' },
      auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' },
    });
    assert.equal(ac.status, 201, JSON.stringify(ac.body));
    return ac.body.auth_config.id as string;
  };
  const acId = await authConfig(t.apiKey);
  return {
    t,
    acId,
    authConfig,
    async account(userId, secret, o = {}) {
      const res = await api(t, o.apiKey ?? t.apiKey).post('/api/v3.1/connected_accounts', {
        auth_config: { id: o.acId ?? acId },
        connection: { user_id: userId, alias: o.alias, state: { authScheme: 'API_KEY', val: { api_key: secret, workspace: 'ws-visible' } } },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id as string;
    },
    close: () => t.close(),
  };
}

/** A mutable clock for expiry tests. */
export function testClock(start = Date.now()) {
  let offsetMs = 0;
  return {
    now: () => new Date(start + offsetMs),
    advance(seconds: number) {
      offsetMs += seconds * 1000;
    },
  };
}
