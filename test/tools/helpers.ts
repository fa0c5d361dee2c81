// A stand-in provider on 127.0.0.1 that records every request and answers
// what the test says, and a real authlink whose GitHub toolkit points at it.
import assert from 'node:assert/strict';
import type { KyselyPlugin } from 'kysely';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { api, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { writeToolkitsDir } from '../helpers/toolkits.ts';
import type { Backend } from '../helpers/backends.ts';
import { BUILTIN_DIR } from '../../src/toolkits/catalog.ts';
import type { ToolkitDef } from '../../src/toolkits/types.ts';

export interface Seen {
  method: string;
  /** Raw path, percent-encoding as received. */
  path: string;
  /** The query as a multimap (a repeated name is an array). */
  query: Record<string, string | string[]>;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | 'hang';

export interface StandIn {
  origin: string;
  requests: Seen[];
  /** What to answer; the default is 200 {"ok": true}. */
  reply: (req: Seen) => Reply;
  close(): Promise<void>;
}

export function multimap(pairs: Iterable<[string, string]>): Record<string, string | string[]> {
  const m: Record<string, string | string[]> = {};
  for (const [k, v] of pairs) {
    const cur = m[k];
    m[k] = cur === undefined ? v : Array.isArray(cur) ? [...cur, v] : [cur, v];
  }
  return m;
}

/** Reads a whole request and hands it over as a Seen: method, path, query (multi-valued), headers, body text. */
export function readSeen(req: http.IncomingMessage, onSeen: (seen: Seen) => void): void {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    onSeen({
      method: req.method ?? '',
      path: q === -1 ? raw : raw.slice(0, q),
      query: multimap(new URLSearchParams(q === -1 ? '' : raw.slice(q + 1))),
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    });
  });
}

export async function startStandIn(): Promise<StandIn> {
  const requests: Seen[] = [];
  const standIn: StandIn = {
    origin: '',
    requests,
    reply: () => ({ status: 200, body: { ok: true } }),
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    readSeen(req, (seen) => {
      requests.push(seen);
      const r = standIn.reply(seen);
      if (r === 'hang') return; // never answers; closeAllConnections ends it
      const body = r.body === undefined ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
      res.writeHead(r.status, { ...(r.body !== undefined && typeof r.body !== 'string' ? { 'content-type': 'application/json' } : {}), ...r.headers });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  standIn.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  standIn.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return standIn;
}

/** A built-in toolkit with its base_url moved to `origin`, keeping the real path (and its {{placeholders}}). */
export function toolkitAt(slug: string, origin: string): ToolkitDef {
  const def = JSON.parse(fs.readFileSync(path.join(BUILTIN_DIR, `${slug}.json`), 'utf8')) as ToolkitDef & { $schema?: string };
  delete def.$schema;
  const rest = /^https?:\/\/[^/]+(.*)$/.exec(def.base_url)?.[1] ?? '';
  return { ...def, base_url: origin + rest };
}

export interface ToolWorld {
  t: TestApp;
  upstream: StandIn;
  /** A GitHub auth config (personal access tokens: BEARER_TOKEN). */
  acId: string;
  /** An ACTIVE GitHub account with this token: PRIVATE, or SHARED with an ACL. */
  account(
    userId: string,
    token: string,
    opts?: { alias?: string; shared?: { allow_all_users?: boolean; allowed_user_ids?: string[]; not_allowed_user_ids?: string[] }; authConfigId?: string },
  ): Promise<string>;
  /** A new GitHub auth config. */
  authConfig(body?: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export async function startToolWorld(
  backend: Backend,
  opts: { env?: Record<string, string>; toolkits?: ToolkitDef[]; storePlugin?: KyselyPlugin } = {},
): Promise<ToolWorld> {
  const upstream = await startStandIn();
  const t = await startTestApp(backend, {
    env: {
      AUTHLINK_TOOLKITS_DIR: writeToolkitsDir([toolkitAt('github', upstream.origin), ...(opts.toolkits ?? [])]),
      AUTHLINK_PROXY_ALLOW_PRIVATE: '127.0.0.1',
      ...opts.env,
    },
    storePlugin: opts.storePlugin,
  });
  const authConfig = async (extra: Record<string, unknown> = {}) => {
    const ac = await api(t).post('/api/v3.1/auth_configs', {
      toolkit: { slug: 'github' },
      auth_config: { type: 'use_custom_auth', authScheme: 'BEARER_TOKEN', ...extra },
    });
    assert.equal(ac.status, 201, JSON.stringify(ac.body));
    return ac.body.auth_config.id as string;
  };
  const acId = await authConfig();
  return {
    t,
    upstream,
    acId,
    authConfig,
    async account(userId, token, opts = {}) {
      const authConfigId = opts.authConfigId ?? acId;
      if (opts.shared) {
        const r = await t.app.services.links.createLegacy(t.projectId, {
          authConfigId,
          userId,
          alias: opts.alias,
          accountType: 'SHARED',
          experimental: { acl_config_for_shared: opts.shared },
          stateVal: { token },
        });
        assert.equal(r.status, 'ACTIVE');
        return r.accountId;
      }
      const res = await api(t).post('/api/v3.1/connected_accounts', {
        auth_config: { id: authConfigId },
        connection: { user_id: userId, alias: opts.alias, state: { authScheme: 'BEARER_TOKEN', val: { token } } },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id as string;
    },
    async close() {
      await t.close();
      await upstream.close();
    },
  };
}
