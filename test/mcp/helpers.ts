// A world for the session MCP server: a real authlink listening on a real
// port, the in-process OAuth provider, and a stand-in upstream that records
// every request (so the credential a tool call carried shows which account
// ran it). Two test toolkits point at the stand-in: `localoidc` (OAuth2
// against the in-process provider) and `echoapi` (an API key typed into the
// hosted form), each with tools written to an AUTHLINK_TOOLS_DIR as an
// operator would.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Backend } from '../helpers/backends.ts';
import { createCookieClient, consentAndAuthorize, openLink, type OAuthWorld } from '../helpers/link-flow.ts';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.ts';
import { api, startTestApp, type TestApp, type TestAppOptions } from '../helpers/test-app.ts';
import { apiKeyToolkit, oidcToolkit, writeToolkitsDir } from '../helpers/toolkits.ts';
import { readSeen, type Seen } from '../tools/helpers.ts';

const tool = (slug: string, base: string, method: 'GET' | 'POST', p: string, args: Record<string, object> = {}) => ({
  slug,
  name: slug.toLowerCase().replace(/_/g, ' '),
  description: `Test tool ${slug}: calls ${method} ${p} on the stand-in upstream.`,
  docs_url: 'https://example.com/docs',
  tags: [],
  hints: { read_only: method === 'GET', destructive: false, idempotent: method === 'GET', open_world: false },
  scopes: [],
  input_parameters: {
    type: 'object',
    properties: Object.fromEntries(Object.entries(args).map(([k, v]) => [k, { ...v, description: `The ${k}` }])),
    required: Object.keys(args),
    additionalProperties: false,
  },
  output_parameters: { type: 'object' },
  request: { method, path: p },
  examples: [{ arguments: {}, request: { method, path: base + p }, response: { status: 200, body: {} } }],
});

/** The tool files: localoidc's and echoapi's tools against the stand-in. */
export function writeToolsDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authlink-mcp-tools-'));
  const files = {
    localoidc: [tool('LOCALOIDC_GET_ME', '/oidc', 'GET', '/me')],
    echoapi: [
      tool('ECHOAPI_GET_WHOAMI', '/echo', 'GET', '/whoami'),
      {
        ...tool('ECHOAPI_GET_ITEM', '/echo', 'GET', '/items/{{id}}', { id: { type: 'string' } }),
        examples: [{ arguments: { id: 'a' }, request: { method: 'GET', path: '/echo/items/a' }, response: { status: 200, body: {} } }],
      },
    ],
  };
  for (const [toolkit, tools] of Object.entries(files)) fs.writeFileSync(path.join(dir, `${toolkit}.json`), JSON.stringify({ toolkit, tools }));
  return dir;
}

/** The stand-in upstream: records every request; answers what `reply` says, possibly later (to see calls overlap). */
export interface Upstream {
  origin: string;
  requests: Seen[];
  reply: (req: Seen) => { status: number; body?: unknown } | Promise<{ status: number; body?: unknown }>;
  /** Requests being answered right now, and the most there ever were at once. */
  inFlight: number;
  maxInFlight: number;
  close(): Promise<void>;
}

async function startUpstream(): Promise<Upstream> {
  const up: Upstream = {
    origin: '',
    requests: [],
    reply: (req) => ({ status: 200, body: { path: req.path } }),
    inFlight: 0,
    maxInFlight: 0,
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    readSeen(req, async (seen) => {
      up.requests.push(seen);
      up.inFlight++;
      up.maxInFlight = Math.max(up.maxInFlight, up.inFlight);
      try {
        const r = await up.reply(seen);
        res.writeHead(r.status, r.body === undefined ? {} : { 'content-type': 'application/json' });
        res.end(r.body === undefined ? '' : JSON.stringify(r.body));
      } finally {
        up.inFlight--;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  up.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  up.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return up;
}

export interface McpWorld {
  t: TestApp;
  op: TestOidcProvider;
  upstream: Upstream;
  /** localoidc OAuth2 auth config. */
  oauthAc: string;
  /** echoapi API_KEY auth config. */
  keyAc: string;
  session(body: Record<string, unknown>, apiKey?: string): Promise<{ session_id: string; mcp: { type: string; url: string }; tool_router_tools: string[] }>;
  /** An ACTIVE echoapi account with this key: PRIVATE, or SHARED with an ACL. */
  keyAccount(
    userId: string,
    key: string,
    shared?: { allow_all_users?: boolean; allowed_user_ids?: string[]; not_allowed_user_ids?: string[] },
  ): Promise<string>;
  close(): Promise<void>;
}

export async function startMcpWorld(backend: Backend, opts: TestAppOptions = {}): Promise<McpWorld> {
  const upstream = await startUpstream();
  const op = await startOidcProvider({ accessTokenTtl: 600 });
  const toolkits = [
    { ...oidcToolkit(op), base_url: `${upstream.origin}/oidc` },
    { ...apiKeyToolkit(`${upstream.origin}/echo`), base_url: `${upstream.origin}/echo` },
  ];
  const t = await startTestApp(backend, {
    ...opts,
    listen: true,
    env: {
      AUTHLINK_TOOLKITS_DIR: writeToolkitsDir(toolkits),
      AUTHLINK_TOOLS_DIR: writeToolsDir(),
      AUTHLINK_ALLOW_INSECURE_OAUTH: '1',
      AUTHLINK_PROXY_ALLOW_PRIVATE: '127.0.0.1',
      ...opts.env,
    },
  });
  op.redirectUris = [`${t.config.publicUrl}/api/v3.1/toolkits/auth/callback`];
  const ac = await api(t).post('/api/v3.1/auth_configs', {
    toolkit: { slug: 'localoidc' },
    auth_config: { type: 'use_custom_auth', authScheme: 'OAUTH2', credentials: { client_id: op.clientId, client_secret: op.clientSecret } },
  });
  assert.equal(ac.status, 201, JSON.stringify(ac.body));
  const ak = await api(t).post('/api/v3.1/auth_configs', { toolkit: { slug: 'echoapi' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' } });
  assert.equal(ak.status, 201, JSON.stringify(ak.body));
  const keyAc = ak.body.auth_config.id as string;
  return {
    t,
    op,
    upstream,
    oauthAc: ac.body.auth_config.id,
    keyAc,
    async session(body, apiKey) {
      const res = await api(t, apiKey).post('/api/v3.1/tool_router/session', body);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body;
    },
    async keyAccount(userId, key, shared) {
      if (shared) {
        const r = await t.app.services.links.createLegacy(t.projectId, {
          authConfigId: keyAc,
          userId,
          accountType: 'SHARED',
          experimental: { acl_config_for_shared: shared },
          stateVal: { api_key: key },
        });
        assert.equal(r.status, 'ACTIVE');
        return r.accountId;
      }
      const res = await api(t).post('/api/v3.1/connected_accounts', {
        auth_config: { id: keyAc },
        connection: { user_id: userId, state: { authScheme: 'API_KEY', val: { api_key: key } } },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body.id as string;
    },
    async close() {
      await t.close();
      await op.close();
      await upstream.close();
    },
  };
}

/** The official MCP client, connected (initialize done) to `url` with the project key. */
export async function mcpClient(url: string, apiKey: string): Promise<Client> {
  const client = new Client({ name: 'authlink-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { 'x-api-key': apiKey } } }));
  return client;
}

/** A tool result's JSON text, parsed. */
export function resultOf(r: unknown): { successful: boolean; error: string | null; data: any; isError: boolean } {
  const res = r as { content: Array<{ type: string; text: string }>; isError?: boolean };
  assert.equal(res.content.length, 1);
  assert.equal(res.content[0].type, 'text');
  return { ...JSON.parse(res.content[0].text), isError: res.isError === true };
}

/** Completes an OAuth link in the browser stand-in (consent, provider login and consent, callback). */
export async function completeOAuthLink(w: McpWorld, redirectUrl: string): Promise<void> {
  const browser = createCookieClient();
  const callback = await consentAndAuthorize(browser, { t: w.t, op: w.op } as OAuthWorld, redirectUrl);
  const done = await browser.get(callback);
  assert.equal(done.status, 200, done.text.slice(0, 300));
}

/** Types an API key into the hosted form of an API-key link. */
export async function completeKeyLink(w: McpWorld, redirectUrl: string, key: string): Promise<void> {
  const browser = createCookieClient();
  const { csrf } = await openLink(browser, w.t, redirectUrl);
  const done = await browser.post(`${w.t.config.publicUrl}/link/submit`, { csrf, api_key: key });
  assert.ok(done.status === 200 || done.status === 303, `${done.status} ${done.text.slice(0, 300)}`);
}
