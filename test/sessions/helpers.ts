// A real authlink (SQLite file or PostgreSQL schema) with the echoapi toolkit
// pointing at a local upstream on 127.0.0.1 that echoes the credential it got.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { api, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { apiKeyToolkit, writeToolkitsDir } from '../helpers/toolkits.ts';
import type { Backend } from '../helpers/backends.ts';

export interface EchoUpstream {
  url: string;
  /** The X-Api-Key of every request received, in order. */
  keys: string[];
  close(): Promise<void>;
}

export async function startEchoUpstream(): Promise<EchoUpstream> {
  const keys: string[] = [];
  const server = http.createServer((req, res) => {
    const key = String(req.headers['x-api-key'] ?? '');
    keys.push(key);
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ api_key: key, method: req.method, path: req.url, body: body || null }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    keys,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface SessionWorld {
  t: TestApp;
  upstream: EchoUpstream;
  /** The echoapi auth config (API_KEY). */
  acId: string;
  /** An ACTIVE echoapi account made through the legacy create (PRIVATE) or the link service with credentials (SHARED). */
  account(
    userId: string,
    apiKey: string,
    opts?: { alias?: string; shared?: { allow_all_users?: boolean; allowed_user_ids?: string[]; not_allowed_user_ids?: string[] }; authConfigId?: string },
  ): Promise<string>;
  session(body: Record<string, unknown>, apiKey?: string): Promise<{ session_id: string; config_version: number; config: Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function startSessionWorld(backend: Backend): Promise<SessionWorld> {
  const upstream = await startEchoUpstream();
  const dir = writeToolkitsDir([apiKeyToolkit(upstream.url)]);
  const t = await startTestApp(backend, { env: { AUTHLINK_TOOLKITS_DIR: dir, AUTHLINK_PROXY_ALLOW_PRIVATE: '127.0.0.1' } });
  const ac = await api(t).post('/api/v3.1/auth_configs', { toolkit: { slug: 'echoapi' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' } });
  assert.equal(ac.status, 201, JSON.stringify(ac.body));
  const acId = ac.body.auth_config.id as string;
  return {
    t,
    upstream,
    acId,
    async account(userId, apiKey, opts = {}) {
      const authConfigId = opts.authConfigId ?? acId;
      if (opts.shared) {
        const r = await t.app.services.links.createLegacy(t.projectId, {
          authConfigId,
          userId,
          alias: opts.alias,
          accountType: 'SHARED',
          experimental: { acl_config_for_shared: opts.shared },
          stateVal: { api_key: apiKey },
        });
        assert.equal(r.status, 'ACTIVE');
        return r.accountId;
      }
      const res = await api(t).post('/api/v3.1/connected_accounts', {
        auth_config: { id: authConfigId },
        connection: { user_id: userId, alias: opts.alias, state: { authScheme: 'API_KEY', val: { api_key: apiKey } } },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.status, 'ACTIVE');
      return res.body.id as string;
    },
    async session(body, apiKey) {
      const res = await api(t, apiKey).post('/api/v3.1/tool_router/session', body);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body;
    },
    async close() {
      await t.close();
      await upstream.close();
    },
  };
}

/** The error envelope with request_id checked against the response header and left out. */
export function envelopeOf(res: { body: any; headers: Record<string, unknown> }) {
  assert.ok(res.body?.error, JSON.stringify(res.body));
  const { request_id, ...rest } = res.body.error;
  assert.equal(request_id, res.headers['x-request-id']);
  return rest;
}
