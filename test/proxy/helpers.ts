// A real upstream on 127.0.0.1 for the proxy tests, small hand-written toolkit
// definitions, and a fake CredentialSource (the proxy's seam) that counts calls.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import zlib from 'node:zlib';
import { ApiError } from '../../src/errors.ts';
import type { ApplyRule, AuthMode, ToolkitDef } from '../../src/toolkits/types.ts';
import type { BinarySink, CredentialSource, UsableAccount } from '../../src/proxy/types.ts';
import { authConfigRow } from '../helpers/account-row.ts';

export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  socket: number;
}

export interface Upstream {
  port: number;
  origin: string;
  requests: SeenRequest[];
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

/**
 * Routes (any path prefix works, only the last segment matters):
 *   .../protected  401 unless "Authorization: Bearer fresh", then echo
 *   .../redirect   302 to https://evil.example/x
 *   .../slow       never answers (until the server closes)
 *   .../huge       2 MiB, chunked (no content-length)
 *   .../huge-declared  2 MiB with content-length
 *   .../bomb       gzip of 8 MiB of zeros (about 8 KiB on the wire)
 *   .../gzip       gzip'd JSON
 *   .../binary     a PNG header
 *   .../text       text/plain
 *   .../deep       JSON nested 20,000 levels deep
 *   .../cookies    set-cookie, keep-alive and a Connection-listed header
 *   .../status/NNN status NNN, empty body
 *   anything else  JSON echo {method, path, query, headers, body}
 */
export async function startUpstream(): Promise<Upstream> {
  const requests: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const socketIds = new WeakMap<Socket, number>();
  let connections = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, socket: socketIds.get(req.socket) ?? -1 });
      const u = new URL(req.url ?? '/', 'http://upstream');
      const last = u.pathname.split('/').pop() ?? '';
      const echo = () => {
        const payload = JSON.stringify({ method: req.method, path: u.pathname, query: u.search, headers: req.headers, body });
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'x-upstream': 'yes' });
        res.end(payload);
      };
      if (u.pathname.includes('/status/')) {
        res.writeHead(Number(last), { 'x-status': last });
        res.end();
      } else if (last === 'protected') {
        if (req.headers.authorization === 'Bearer fresh') echo();
        else {
          res.writeHead(401, { 'content-type': 'application/json', 'www-authenticate': 'Bearer error="invalid_token"' });
          res.end(JSON.stringify({ message: 'Bad credentials' }));
        }
      } else if (last === 'redirect') {
        res.writeHead(302, { location: 'https://evil.example/x' });
        res.end();
      } else if (last === 'slow') {
        // never answers; the server's close destroys the socket
      } else if (last === 'huge') {
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        const block = Buffer.alloc(64 * 1024, 0x61);
        let sent = 0;
        const pump = () => {
          while (sent < 32) {
            sent++;
            if (!res.write(block)) return void res.once('drain', pump);
          }
          res.end();
        };
        res.on('error', () => {});
        pump();
      } else if (last === 'huge-declared') {
        const big = Buffer.alloc(2 * 1024 * 1024, 0x61);
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(big.length) });
        res.on('error', () => {});
        res.end(big);
      } else if (last === 'bomb') {
        const gz = zlib.gzipSync(Buffer.alloc(8 * 1024 * 1024));
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(gz.length) });
        res.end(gz);
      } else if (last === 'gzip') {
        const gz = zlib.gzipSync(Buffer.from(JSON.stringify({ compressed: true, items: [1, 2, 3] })));
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': String(gz.length) });
        res.end(gz);
      } else if (last === 'binary') {
        res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(PNG.length) });
        res.end(PNG);
      } else if (last === 'deep') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(`{"a":${'['.repeat(20_000)}${']'.repeat(20_000)}}`);
      } else if (last === 'text') {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('héllo');
      } else if (last === 'cookies') {
        res.setHeader('set-cookie', ['a=1; HttpOnly', 'b=2']);
        res.setHeader('connection', 'keep-alive, x-hop');
        res.setHeader('keep-alive', 'timeout=5');
        res.setHeader('x-hop', 'per-connection');
        res.setHeader('x-ratelimit-remaining', '42');
        res.setHeader('content-type', 'application/json');
        res.end('{"ok":true}');
      } else {
        echo();
      }
    });
  });
  server.on('connection', (socket: Socket) => {
    connections++;
    socketIds.set(socket, connections);
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    origin: `http://127.0.0.1:${port}`,
    requests,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export function toolkit(slug: string, baseUrl: string, mode: AuthMode, apply: ApplyRule[]): ToolkitDef {
  return {
    slug,
    name: slug,
    description: `${slug} for the proxy tests`,
    categories: ['testing'],
    docs_url: 'https://example.com/docs',
    base_url: baseUrl,
    auth_schemes: [
      {
        mode,
        name: mode,
        fields: { auth_config_creation: { required: [], optional: [] }, connected_account_initiation: { required: [], optional: [] } },
        apply,
        ...(mode === 'OAUTH2'
          ? {
              oauth2: {
                authorization_url: 'https://auth.example.com/authorize',
                token_url: 'https://auth.example.com/token',
                default_scopes: [],
                scope_separator: ' ',
                pkce: true,
                token_endpoint_auth_method: 'client_secret_basic' as const,
              },
            }
          : {}),
      },
    ],
  };
}

export function account(
  id: string,
  def: ToolkitDef,
  credentials: Record<string, unknown>,
  data: Record<string, string> = {},
  projectId = 'pr_test',
): UsableAccount {
  const scheme = def.auth_schemes[0];
  const row = authConfigRow(projectId, {
    id: `ac_${def.slug}`,
    toolkit_slug: def.slug,
    name: def.name,
    auth_scheme: scheme.mode,
    created_at: '2025-01-01T00:00:00.000Z',
  });
  return { accountId: id, projectId, toolkitSlug: def.slug, resolved: { row, toolkit: def, scheme, scopes: [], values: {} }, credentials, data };
}

export interface FakeSource extends CredentialSource {
  calls: { get: string[]; refresh: string[] };
  accounts: Map<string, UsableAccount>;
  /** What refreshAfter401 returns for an account (default: undefined = cannot refresh). */
  refreshTo: Map<string, UsableAccount>;
}

export function fakeSource(list: UsableAccount[]): FakeSource {
  const accounts = new Map(list.map((a) => [a.accountId, a]));
  const refreshTo = new Map<string, UsableAccount>();
  const calls = { get: [] as string[], refresh: [] as string[] };
  return {
    calls,
    accounts,
    refreshTo,
    async get(projectId, accountId) {
      calls.get.push(accountId);
      const a = accounts.get(accountId);
      if (!a || a.projectId !== projectId) throw new ApiError('ConnectedAccountNotFound', `Connected account ${accountId} not found`);
      return a;
    },
    async refreshAfter401(_projectId, accountId) {
      calls.refresh.push(accountId);
      const next = refreshTo.get(accountId);
      if (next) accounts.set(accountId, next);
      return next;
    },
  };
}

/** Runs fn, expecting it to reject with an ApiError; returns that error. */
export async function rejection(fn: () => Promise<unknown>): Promise<ApiError> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

/** The proxy's seam for binary answers, in memory: what was saved, under which URL (the real one is src/services/downloads.ts). */
export function memoryDownloads(): BinarySink & { saved: Array<{ projectId: string; contentType: string; bytes: Buffer; url: string }> } {
  const saved: Array<{ projectId: string; contentType: string; bytes: Buffer; url: string }> = [];
  return {
    saved,
    async save(projectId, contentType, bytes) {
      const url = `http://downloads.test/dl_${saved.length}`;
      saved.push({ projectId, contentType, bytes, url });
      return { url, expires_at: '2030-01-01T00:00:00.000Z' };
    },
  };
}
