// A real OAuth2/OIDC authorization server for tests: oidc-provider 9 running
// in-process on 127.0.0.1 (port 0), with its built-in devInteractions login and
// consent pages so that either a real browser or driveOidcInteraction()
// (cookie-fetch.ts) can click through it.
//
// Redirect URIs: authlink's callback port is only known once authlink's test
// server is listening, so clients are NOT registered statically. They are
// served by a custom adapter for the `Client` model that builds the metadata
// from a live list on every lookup (oidc-provider caches client instances by a
// hash of their metadata, so a changed list takes effect on the next request).
// Either pass `redirectUris` up front, or after startup do
//   op.redirectUris = [`http://127.0.0.1:${port}/api/v3.1/toolkits/auth/callback`]
// (or op.redirectUris.push(...)); both mutate the same list.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync, randomBytes } from 'node:crypto';

export type TestAuthMethod = 'client_secret_basic' | 'client_secret_post';

export interface TestClientSpec {
  clientId?: string;
  clientSecret?: string;
  tokenEndpointAuthMethod?: TestAuthMethod; // default client_secret_basic
  redirectUris?: string[];
}

export interface StartOidcProviderOptions extends TestClientSpec {
  accessTokenTtl?: number; // seconds, default 60
  refreshTokenTtl?: number; // seconds, default 1 day
  rotateRefreshTokens?: boolean; // default true: every refresh returns a new refresh_token
  requirePkce?: boolean; // default false (PKCE accepted, not forced)
  clients?: TestClientSpec[]; // further clients besides the primary one described by the top-level fields
}

export interface TestClient {
  clientId: string;
  clientSecret: string;
  tokenEndpointAuthMethod: TestAuthMethod;
  redirectUris: string[]; // live: assign or mutate
}

export interface TestOidcProvider extends TestClient {
  issuer: string;
  authorizationUrl: string;
  tokenUrl: string;
  revocationUrl: string;
  userinfoUrl: string;
  scopes: string[]; // scopes the server knows
  clients: TestClient[]; // [primary, ...opts.clients]
  counts: { token: number; tokenByGrant: Record<string, number>; revocation: number; authorization: number };
  serverErrors: unknown[]; // oidc-provider 'server_error' events, for debugging a failing test
  /** The next token request (queued, one per call) gets this answer instead of reaching the server. */
  failNextToken(status: number, body?: object | string): void;
  /** The next token request waits until release() before the server handles it (races: act while a refresh is in flight). */
  holdNextToken(): { arrived: Promise<void>; release(): void };
  /** Tokens the server issued at its token endpoint, in order (to check what became of them later). */
  issued: Array<{ access_token?: string; refresh_token?: string }>;
  close(): Promise<void>;
}

export const TEST_SCOPES = ['openid', 'offline_access', 'profile', 'email', 'repo', 'read:user'];

// Valid in shape; used while a client's list is empty, because oidc-provider
// rejects a code-flow client with no redirect_uris at all.
const PLACEHOLDER_REDIRECT = 'http://127.0.0.1/redirect-uri-not-registered-yet';

export async function startOidcProvider(opts: StartOidcProviderOptions = {}): Promise<TestOidcProvider> {
  silenceOidcProviderNotices();
  const { Provider, createMemoryAdapter } = await loadOidcProvider();

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://127.0.0.1:${port}`;

  const clients = [opts, ...(opts.clients ?? [])].map((spec, i) => makeClient(spec, i));
  const byId = new Map(clients.map((c) => [c.clientId, c]));
  const memory = createMemoryAdapter();

  const rotate = opts.rotateRefreshTokens ?? true;
  const requirePkce = opts.requirePkce ?? false;
  const provider = new Provider(issuer, {
    adapter: (model: string) => (model === 'Client' ? clientAdapter(byId) : memory(model)),
    jwks: { keys: [signingKey()] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: TEST_SCOPES,
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // Put profile claims in the id_token too, so tests see id_token_claims with email/name.
    conformIdTokenClaims: false,
    async findAccount(_ctx: unknown, sub: string) {
      return {
        accountId: sub,
        async claims() {
          return { sub, email: `${sub}@example.test`, email_verified: true, name: `Test User ${sub}` };
        },
      };
    },
    features: {
      devInteractions: { enabled: true },
      revocation: { enabled: true, allowedPolicy: async () => true },
      userinfo: { enabled: true },
      // Server-to-server tokens for client-credentials toolkits (issue #17).
      clientCredentials: { enabled: true },
    },
    pkce: { required: () => requirePkce },
    issueRefreshToken: async () => true,
    rotateRefreshToken: () => rotate,
    clientBasedCORS: () => false,
    // Every TTL spelled out: the defaults print a notice when first used.
    ttl: {
      AccessToken: opts.accessTokenTtl ?? 60,
      AuthorizationCode: 60,
      ClientCredentials: 600,
      DeviceCode: 600,
      BackchannelAuthenticationRequest: 600,
      PreAuthorizedCode: 600,
      IdToken: 3600,
      RefreshToken: opts.refreshTokenTtl ?? 86_400,
      Interaction: 3600,
      Session: 86_400,
      Grant: 86_400,
    },
  });

  const counts: TestOidcProvider['counts'] = { token: 0, tokenByGrant: {}, revocation: 0, authorization: 0 };
  const bump = (grant: unknown) => {
    const g = typeof grant === 'string' && grant ? grant : 'unknown';
    counts.tokenByGrant[g] = (counts.tokenByGrant[g] ?? 0) + 1;
  };
  const serverErrors: unknown[] = [];
  provider.on('server_error', (_ctx: unknown, err: unknown) => {
    serverErrors.push(err);
  });

  const tokenPath = new URL(provider.urlFor('token')).pathname;
  const revocationPath = new URL(provider.urlFor('revocation')).pathname;
  const authorizationPath = new URL(provider.urlFor('authorization')).pathname;

  // Grant types of requests the server really handled: read from the body
  // oidc-provider parsed, in a Koa middleware placed before its own routes.
  provider.use(async (ctx: { method: string; path: string; oidc?: { body?: Record<string, unknown> } }, next: () => Promise<void>) => {
    try {
      await next();
    } finally {
      if (ctx.method === 'POST' && ctx.path === tokenPath) bump(ctx.oidc?.body?.grant_type);
    }
  });

  const failures: Array<{ status: number; body: object | string }> = [];
  const holds: Array<{ arrive: () => void; released: Promise<void> }> = [];
  const issued: TestOidcProvider['issued'] = [];
  const handler = provider.callback() as (req: IncomingMessage, res: ServerResponse) => void;
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'POST' && path === tokenPath) {
      counts.token++;
      const failure = failures.shift();
      if (failure) {
        void answerInjected(req, res, failure, bump);
        return;
      }
      recordIssued(res, issued);
      const hold = holds.shift();
      if (hold) {
        hold.arrive();
        void hold.released.then(() => handler(req, res));
        return;
      }
    } else if (req.method === 'POST' && path === revocationPath) {
      counts.revocation++;
    } else if (path === authorizationPath) {
      counts.authorization++;
    }
    handler(req, res);
  });

  const [primary] = clients;
  return {
    issuer,
    authorizationUrl: provider.urlFor('authorization'),
    tokenUrl: provider.urlFor('token'),
    revocationUrl: provider.urlFor('revocation'),
    userinfoUrl: provider.urlFor('userinfo'),
    scopes: [...TEST_SCOPES],
    clientId: primary.clientId,
    clientSecret: primary.clientSecret,
    tokenEndpointAuthMethod: primary.tokenEndpointAuthMethod,
    get redirectUris() {
      return primary.redirectUris;
    },
    set redirectUris(uris: string[]) {
      primary.redirectUris = uris;
    },
    clients,
    counts,
    serverErrors,
    failNextToken(status: number, body?: object | string) {
      failures.push({ status, body: body ?? { error: status >= 500 ? 'server_error' : 'invalid_grant' } });
    },
    holdNextToken() {
      let arrive!: () => void;
      let release!: () => void;
      const arrived = new Promise<void>((r) => {
        arrive = r;
      });
      const released = new Promise<void>((r) => {
        release = r;
      });
      holds.push({ arrive, released });
      return { arrived, release };
    },
    issued,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // keep-alive sockets of fetch's pool would hold close() open
      });
    },
  };
}

function makeClient(spec: TestClientSpec, index: number): TestClient {
  // The live list sits behind an accessor so both `c.redirectUris = [...]` and
  // `c.redirectUris.push(...)` change what the adapter serves.
  let uris = [...(spec.redirectUris ?? [])];
  return {
    clientId: spec.clientId ?? `test-client-${index}-${randomBytes(4).toString('hex')}`,
    clientSecret: spec.clientSecret ?? `cs_${randomBytes(24).toString('base64url')}`,
    tokenEndpointAuthMethod: spec.tokenEndpointAuthMethod ?? 'client_secret_basic',
    get redirectUris() {
      return uris;
    },
    set redirectUris(v: string[]) {
      uris = [...v];
    },
  };
}

function clientAdapter(byId: Map<string, TestClient>) {
  return {
    async find(id: string) {
      const c = byId.get(id);
      if (!c) return undefined;
      return {
        client_id: c.clientId,
        client_secret: c.clientSecret,
        redirect_uris: c.redirectUris.length ? [...c.redirectUris] : [PLACEHOLDER_REDIRECT],
        grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
        response_types: ['code'],
        token_endpoint_auth_method: c.tokenEndpointAuthMethod,
      };
    },
    async upsert() {
      throw new Error('test clients are fixed');
    },
    async destroy() {},
    async consume() {},
    async findByUid() {
      return undefined;
    },
    async findByUserCode() {
      return undefined;
    },
    async revokeByGrantId() {},
  };
}

/** Captures the JSON body of a token response as it is sent. */
function recordIssued(res: ServerResponse, into: TestOidcProvider['issued']): void {
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  (res as { end: (...args: unknown[]) => ServerResponse }).end = (...args: unknown[]) => {
    const [chunk] = args;
    if (res.statusCode === 200 && (typeof chunk === 'string' || Buffer.isBuffer(chunk))) {
      try {
        const body = JSON.parse(chunk.toString()) as { access_token?: string; refresh_token?: string };
        into.push({ access_token: body.access_token, refresh_token: body.refresh_token });
      } catch {
        // not JSON: nothing issued
      }
    }
    return end(...args);
  };
}

async function answerInjected(
  req: IncomingMessage,
  res: ServerResponse,
  failure: { status: number; body: object | string },
  bump: (grant: unknown) => void,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  bump(new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('grant_type'));
  const isText = typeof failure.body === 'string';
  res.writeHead(failure.status, {
    'content-type': isText ? 'text/plain' : 'application/json',
    'cache-control': 'no-store',
    ...(failure.status === 429 || failure.status === 503 ? { 'retry-after': '1' } : {}),
  });
  res.end(isText ? failure.body : JSON.stringify(failure.body));
}

function signingKey(): Record<string, unknown> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: randomBytes(6).toString('hex') };
}

// oidc-provider ships no type declarations and the repo has no @types for it;
// a specifier held in a variable makes TypeScript type the import as `any`
// without a global declaration file. Only what this helper uses is typed.
interface OidcProviderModule {
  Provider: new (
    issuer: string,
    config: Record<string, unknown>,
  ) => {
    urlFor(name: string): string;
    use(fn: (ctx: never, next: () => Promise<void>) => Promise<void>): unknown;
    on(event: string, fn: (...args: never[]) => void): unknown;
    callback(): unknown;
  };
  createMemoryAdapter: () => (model: string) => unknown;
}

let loaded: Promise<OidcProviderModule> | undefined;
function loadOidcProvider(): Promise<OidcProviderModule> {
  loaded ??= (async () => {
    const main = 'oidc-provider';
    // Its own in-memory adapter (a fresh store per provider); passing a factory
    // instead of the default class also avoids the "in-memory adapter" warning.
    const memoryAdapter = 'oidc-provider/lib/adapters/memory_adapter.js';
    const [mod, mem] = await Promise.all([import(main), import(memoryAdapter)]);
    return { Provider: mod.Provider ?? mod.default, createMemoryAdapter: mem.createMemoryAdapter };
  })();
  return loaded;
}

// oidc-provider prints "oidc-provider WARNING/NOTICE: ..." lines for quick-start
// features (devInteractions), for running on Node 20, and on first use of some
// defaults. They are expected in tests, so those lines (and only those) are
// dropped from console.warn/console.info. Installed once per process.
let silenced = false;
function silenceOidcProviderNotices(): void {
  if (silenced) return;
  silenced = true;
  // eslint-disable-next-line no-control-regex
  const isNotice = (a: unknown) => typeof a === 'string' && /^(\x1b\[[\d;]*m)?oidc-provider (WARNING|NOTICE):/.test(a);
  for (const level of ['warn', 'info'] as const) {
    const original = console[level].bind(console);
    console[level] = (...args: unknown[]) => {
      if (args.length === 1 && isNotice(args[0])) return;
      original(...args);
    };
  }
}
