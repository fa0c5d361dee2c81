// Environment -> typed config, parsed once. Every problem is collected and
// reported together, each with how to fix it.
import path from 'node:path';
import { isIP } from 'node:net';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface Config {
  host: string;
  port: number;
  publicUrl: string; // no trailing slash
  dataDir: string;
  databaseUrl?: string; // postgres://... ; absent = embedded SQLite
  /** PostgreSQL: run queries as named prepared statements (off behind a pooler that cannot keep them, e.g. PgBouncer before 1.21 in transaction mode). */
  pgPreparedStatements: boolean;
  encryptionKeys?: string; // raw AUTHLINK_ENCRYPTION_KEY(S) value; parsed by the key ring
  encryptionKeysFile?: string;
  toolkitsDir?: string;
  /** Extra or overriding tool definitions (AUTHLINK_TOOLS_DIR). */
  toolsDir?: string;
  logLevel: LogLevel;
  linkTtlSeconds: number;
  rateLimitPerMinute: number;
  apiKeyCacheSeconds: number;
  configCacheSeconds: number;
  allowInsecureOAuth: boolean;
  managedAuthFile?: string;
  bodyLimitBytes: number;
  /** Whole request (headers + body) must arrive within this; else 408. */
  requestTimeoutMs: number;
  /** Request headers must arrive within this (<= requestTimeoutMs); else 408. */
  headersTimeoutMs: number;
  /** Idle time between requests on a kept-alive connection. */
  keepAliveTimeoutMs: number;
  /** A socket with no traffic either way for this long is closed (covers clients that stop reading). */
  connectionTimeoutMs: number;
  maxConnections: number;
  trustProxy: boolean;
  refreshSkewSeconds: number;
  sweepIntervalSeconds: number;
  sweepRefreshHorizonSeconds: number;
  proxyTimeoutMs: number;
  proxyMaxResponseBytes: number;
  /** Private/loopback targets the proxy may call: false = none, true = all, or hosts / IPs / CIDR ranges. */
  proxyAllowPrivate: boolean | string[];
  webhookAllowPrivate: boolean | string[];
  webhookTimeoutMs: number;
  webhookRetryDelaysMs: number[]; // delay before each retry; attempts = length + 1
  webhookSecretOverlapSeconds: number;
  webhookPollMs: number;
  /** How long a binary proxy answer stays downloadable (binary_data.url). */
  downloadTtlSeconds: number;
  /** Deliveries of one project in flight at once, per process. */
  webhookMaxInFlightPerProject: number;
  webhookMaxEndpointsPerProject: number;
  /** GET /metrics on the main port, behind `Authorization: Bearer <token>`; absent = not served there. */
  metricsToken?: string;
  /** Operator sign-in to the console at /console (all projects); absent = only project API keys can sign in. */
  consoleToken?: string;
  /** A second listener on 127.0.0.1 serving only /metrics (no token); absent = none. */
  metricsPort?: number;
  /** SIGTERM: /ready answers 503 this long before the listener closes, so load balancers stop sending. */
  shutdownDelayMs: number;
  /** SIGTERM: in-flight requests get this long to finish before their connections are closed. */
  shutdownTimeoutMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`authlink cannot start: ${problems.length} configuration problem(s):\n` + problems.map((p) => `  - ${p}`).join('\n'));
  }
}

export const MAX_LINK_TTL_SECONDS = 24 * 3600;
/** Webhook deliveries in flight at once in one process, all projects together. */
export const WEBHOOK_MAX_IN_FLIGHT = 256;

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, def: number, min: number, max: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push(`${name}=${JSON.stringify(raw)} is not an integer between ${min} and ${max}; unset it to use ${def}`);
    return def;
  }
  return n;
}

function intList(env: Env, name: string, def: number[], problems: string[]): number[] {
  const raw = env[name]?.trim();
  if (!raw) return def;
  const list = raw.split(',').map((s) => Number(s.trim()));
  if (!list.every((n) => Number.isInteger(n) && n >= 0)) {
    problems.push(`${name}=${JSON.stringify(raw)} must be a comma-separated list of milliseconds`);
    return def;
  }
  return list;
}

function flag(env: Env, name: string, problems: string[]): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '' || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  problems.push(`${name}=${JSON.stringify(raw)} must be 1/true or 0/false`);
  return false;
}

/** AUTHLINK_*_ALLOW_PRIVATE: unset/0 = none, 1 = all, else a comma list of hosts, IPs and CIDR ranges. */
function allowPrivate(env: Env, name: string, problems: string[]): boolean | string[] {
  const raw = env[name]?.trim();
  if (!raw || raw === '0' || raw === 'false') return false;
  if (raw === '1' || raw === 'true') return true;
  const entries = raw
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  for (const e of entries) {
    if (!e.includes('/')) continue;
    const [net, bits, extra] = e.split('/');
    const family = isIP(net);
    if (extra !== undefined || !family || !/^\d+$/.test(bits) || Number(bits) > (family === 4 ? 32 : 128)) {
      problems.push(`${name}: ${JSON.stringify(e)} is not a valid CIDR range (e.g. 10.0.0.0/8 or fd00::/8)`);
    }
  }
  return entries;
}

export function parseConfig(env: Env, cwd = process.cwd()): Config {
  const problems: string[] = [];
  const host = env.HOST || '127.0.0.1';
  const port = int(env, 'PORT', 3000, 0, 65535, problems);

  let publicUrl = (env.AUTHLINK_PUBLIC_URL || `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, '');
  try {
    const u = new URL(publicUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    if (u.search || u.hash) problems.push('AUTHLINK_PUBLIC_URL must not have a query or fragment');
  } catch {
    problems.push(`AUTHLINK_PUBLIC_URL=${JSON.stringify(env.AUTHLINK_PUBLIC_URL)} is not an absolute http(s) URL, e.g. https://auth.example.com`);
    publicUrl = `http://${host}:${port}`;
  }

  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must start with postgres:// or postgresql:// (unset it to use the embedded SQLite store)');
  }

  const logLevel = (env.LOG_LEVEL || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL=${JSON.stringify(env.LOG_LEVEL)} must be one of ${LOG_LEVELS.join(', ')}`);

  const encryptionKeys = env.AUTHLINK_ENCRYPTION_KEYS || env.AUTHLINK_ENCRYPTION_KEY || undefined;
  const encryptionKeysFile = env.AUTHLINK_ENCRYPTION_KEYS_FILE || undefined;
  if (databaseUrl && !encryptionKeys && !encryptionKeysFile) {
    problems.push(
      'AUTHLINK_ENCRYPTION_KEY is required with DATABASE_URL: generate one with `openssl rand -base64 32` and keep it safe (losing it loses every stored credential)',
    );
  }

  const proxyTimeoutMs = int(env, 'AUTHLINK_PROXY_TIMEOUT_MS', 30_000, 100, 600_000, problems);
  const config: Config = {
    host,
    port,
    publicUrl,
    dataDir: path.resolve(cwd, env.AUTHLINK_DATA_DIR || '.authlink'),
    databaseUrl,
    pgPreparedStatements: !env.AUTHLINK_PG_PREPARED_STATEMENTS || flag(env, 'AUTHLINK_PG_PREPARED_STATEMENTS', problems),
    encryptionKeys,
    encryptionKeysFile,
    toolkitsDir: env.AUTHLINK_TOOLKITS_DIR ? path.resolve(cwd, env.AUTHLINK_TOOLKITS_DIR) : undefined,
    toolsDir: env.AUTHLINK_TOOLS_DIR ? path.resolve(cwd, env.AUTHLINK_TOOLS_DIR) : undefined,
    logLevel,
    linkTtlSeconds: int(env, 'AUTHLINK_LINK_TTL_SECONDS', 600, 30, MAX_LINK_TTL_SECONDS, problems),
    rateLimitPerMinute: int(env, 'AUTHLINK_RATE_LIMIT_PER_MINUTE', 6000, 1, 10_000_000, problems),
    apiKeyCacheSeconds: int(env, 'AUTHLINK_API_KEY_CACHE_SECONDS', 30, 0, 3600, problems),
    configCacheSeconds: int(env, 'AUTHLINK_CONFIG_CACHE_SECONDS', 5, 0, 3600, problems),
    allowInsecureOAuth: flag(env, 'AUTHLINK_ALLOW_INSECURE_OAUTH', problems),
    managedAuthFile: env.AUTHLINK_MANAGED_AUTH_FILE ? path.resolve(cwd, env.AUTHLINK_MANAGED_AUTH_FILE) : undefined,
    bodyLimitBytes: int(env, 'AUTHLINK_BODY_LIMIT_BYTES', 1024 * 1024, 1024, 100 * 1024 * 1024, problems),
    requestTimeoutMs: int(env, 'AUTHLINK_REQUEST_TIMEOUT_MS', 30_000, 500, 600_000, problems),
    headersTimeoutMs: int(env, 'AUTHLINK_HEADERS_TIMEOUT_MS', 10_000, 500, 600_000, problems),
    keepAliveTimeoutMs: int(env, 'AUTHLINK_KEEP_ALIVE_TIMEOUT_MS', 72_000, 1000, 600_000, problems),
    connectionTimeoutMs: int(env, 'AUTHLINK_CONNECTION_TIMEOUT_MS', Math.max(120_000, 2 * proxyTimeoutMs + 30_000), 1000, 3_600_000, problems),
    maxConnections: int(env, 'AUTHLINK_MAX_CONNECTIONS', 10_000, 1, 1_000_000, problems),
    trustProxy: flag(env, 'AUTHLINK_TRUST_PROXY', problems),
    refreshSkewSeconds: int(env, 'AUTHLINK_REFRESH_SKEW_SECONDS', 60, 0, 3600, problems),
    sweepIntervalSeconds: int(env, 'AUTHLINK_SWEEP_INTERVAL_SECONDS', 30, 1, 3600, problems),
    sweepRefreshHorizonSeconds: int(env, 'AUTHLINK_SWEEP_REFRESH_HORIZON_SECONDS', 300, 0, 86400, problems),
    proxyTimeoutMs,
    proxyMaxResponseBytes: int(env, 'AUTHLINK_PROXY_MAX_RESPONSE_BYTES', 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024, problems),
    proxyAllowPrivate: allowPrivate(env, 'AUTHLINK_PROXY_ALLOW_PRIVATE', problems),
    webhookAllowPrivate: allowPrivate(env, 'AUTHLINK_WEBHOOK_ALLOW_PRIVATE', problems),
    webhookTimeoutMs: int(env, 'AUTHLINK_WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000, problems),
    webhookRetryDelaysMs: intList(
      env,
      'AUTHLINK_WEBHOOK_RETRY_DELAYS_MS',
      [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000],
      problems,
    ),
    webhookSecretOverlapSeconds: int(env, 'AUTHLINK_WEBHOOK_SECRET_OVERLAP_SECONDS', 86_400, 0, 30 * 86_400, problems),
    webhookPollMs: int(env, 'AUTHLINK_WEBHOOK_POLL_MS', 1000, 10, 60_000, problems),
    downloadTtlSeconds: int(env, 'AUTHLINK_DOWNLOAD_TTL_SECONDS', 600, 30, 86_400, problems),
    webhookMaxInFlightPerProject: int(env, 'AUTHLINK_WEBHOOK_MAX_IN_FLIGHT_PER_PROJECT', 8, 1, WEBHOOK_MAX_IN_FLIGHT, problems),
    webhookMaxEndpointsPerProject: int(env, 'AUTHLINK_WEBHOOK_MAX_ENDPOINTS_PER_PROJECT', 20, 1, 1000, problems),
    shutdownDelayMs: int(env, 'AUTHLINK_SHUTDOWN_DELAY_MS', 0, 0, 120_000, problems),
    shutdownTimeoutMs: int(env, 'AUTHLINK_SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000, problems),
  };
  if (config.headersTimeoutMs > config.requestTimeoutMs) {
    problems.push(
      `AUTHLINK_HEADERS_TIMEOUT_MS (${config.headersTimeoutMs}) must not be longer than AUTHLINK_REQUEST_TIMEOUT_MS (${config.requestTimeoutMs}): the headers are part of the request`,
    );
  }
  // A socket is silent while its request waits for a provider (up to two proxy attempts).
  if (config.connectionTimeoutMs <= 2 * config.proxyTimeoutMs) {
    problems.push(
      `AUTHLINK_CONNECTION_TIMEOUT_MS (${config.connectionTimeoutMs}) must be longer than twice AUTHLINK_PROXY_TIMEOUT_MS (${config.proxyTimeoutMs}), or proxied calls are cut while they wait for the provider`,
    );
  }
  const metricsToken = env.AUTHLINK_METRICS_TOKEN || undefined;
  if (metricsToken !== undefined && (metricsToken.length < 16 || /\s/.test(metricsToken)))
    problems.push('AUTHLINK_METRICS_TOKEN must be at least 16 characters without spaces: generate one with `openssl rand -hex 24`');
  if (env.AUTHLINK_METRICS_PORT) {
    config.metricsPort = int(env, 'AUTHLINK_METRICS_PORT', 0, 0, 65535, problems);
    if (config.metricsPort !== 0 && config.metricsPort === port) problems.push('AUTHLINK_METRICS_PORT must differ from PORT');
  }
  config.metricsToken = metricsToken;
  const consoleToken = env.AUTHLINK_CONSOLE_TOKEN || undefined;
  if (consoleToken !== undefined && (consoleToken.length < 24 || /\s/.test(consoleToken)))
    problems.push('AUTHLINK_CONSOLE_TOKEN must be at least 24 characters without spaces: generate one with `openssl rand -hex 32`');
  config.consoleToken = consoleToken;
  if (problems.length) throw new ConfigError(problems);
  return config;
}
