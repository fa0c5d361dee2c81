// Turns a Config into the running parts: the database (migrated), the key
// ring, the toolkit and tool catalogs and the managed OAuth apps. Used by `serve` and by
// every CLI command, so they all see the same store.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConfigError, type Config } from './config.ts';
import { currentSchema, openDatabase, migrate, type Database } from './store/db.ts';
import { type Announcer, createInvalidationHub, type InvalidationHub, localAnnouncer, pgAnnouncer } from './store/invalidation.ts';
import { type InvalidationListener, startInvalidationListener } from './store/listener.ts';
import { withReadCache } from './store/read-cache.ts';
import { createStore, type Store } from './store/store.ts';
import { createKeyRing, KeyRingError, parseKeys, type KeyRing } from './crypto/keyring.ts';
import { loadCatalog } from './toolkits/catalog.ts';
import { LOGO_PATH } from './toolkits/logos.ts';
import type { Catalog } from './toolkits/catalog.ts';
import { loadToolCatalog, type ToolCatalog } from './tools/catalog.ts';
import type { ManagedAuth } from './services/auth-configs.ts';
import { type Metrics, noopMetrics } from './metrics/types.ts';

export interface Runtime {
  database: Database;
  store: Store;
  keyRing: KeyRing;
  catalog: Catalog;
  tools: ToolCatalog;
  managedAuth: ManagedAuth;
  notices: string[]; // things the operator should read once (e.g. a generated key)
  /** Cache invalidations announced by every process (PostgreSQL) or this one (SQLite). */
  invalidation: InvalidationHub;
  /** PostgreSQL with `listen`: the LISTEN connection feeding `invalidation` (closed with the database). */
  listener?: InvalidationListener;
}

/** Embedded mode keeps a generated key beside the database (0600), made on first start. */
function embeddedKeySpec(dataDir: string, notices: string[]): string {
  const file = path.join(dataDir, 'encryption.key');
  if (!fs.existsSync(file)) {
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
    notices.push(`Generated an encryption key at ${file} (mode 0600). Back it up: stored credentials cannot be read without it.`);
  }
  return fs.readFileSync(file, 'utf8');
}

function loadKeyRing(config: Config, notices: string[]): KeyRing {
  let spec = config.encryptionKeys;
  if (!spec && config.encryptionKeysFile) spec = fs.readFileSync(config.encryptionKeysFile, 'utf8');
  if (!spec) spec = embeddedKeySpec(config.dataDir, notices);
  try {
    return createKeyRing(parseKeys(spec));
  } catch (e) {
    if (e instanceof KeyRingError) throw new ConfigError([`AUTHLINK_ENCRYPTION_KEY: ${e.message}`]);
    throw e;
  }
}

function loadManagedAuth(file: string | undefined, catalog: Catalog): ManagedAuth {
  if (!file) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError([`AUTHLINK_MANAGED_AUTH_FILE: cannot read ${file} as JSON (${(e as Error).message})`]);
  }
  const problems: string[] = [];
  const out: ManagedAuth = {};
  for (const [slug, creds] of Object.entries(parsed as Record<string, unknown>)) {
    const c = creds as Record<string, unknown>;
    if (!catalog.get(slug)) problems.push(`AUTHLINK_MANAGED_AUTH_FILE: unknown toolkit ${slug}`);
    else if (typeof c?.client_id !== 'string' || typeof c?.client_secret !== 'string')
      problems.push(`AUTHLINK_MANAGED_AUTH_FILE: ${slug} needs string client_id and client_secret`);
    else out[slug] = Object.fromEntries(Object.entries(c).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  }
  if (problems.length) throw new ConfigError(problems);
  return out;
}

export interface RuntimeOptions {
  migrate?: boolean;
  pgSchema?: string;
  metrics?: Metrics;
  /** Receive other processes' cache invalidations (a serving process; CLI commands only announce). */
  listen?: boolean;
}

export async function startRuntime(config: Config, opts: RuntimeOptions = {}): Promise<Runtime> {
  const notices: string[] = [];
  const keyRing = loadKeyRing(config, notices);
  const catalog = loadCatalog({ extraDir: config.toolkitsDir, logoUrl: (slug) => `${config.publicUrl}${LOGO_PATH}/${slug}.svg` });
  const tools = loadToolCatalog({ toolkits: catalog, extraDir: config.toolsDir });
  const managedAuth = loadManagedAuth(config.managedAuthFile, catalog);
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    sqliteFile: path.join(config.dataDir, 'authlink.db'),
    pgSchema: opts.pgSchema,
    metrics: opts.metrics,
    preparedStatements: config.pgPreparedStatements,
  });
  try {
    if (opts.migrate !== false) await migrate(database);
  } catch (e) {
    await database.close();
    throw e;
  }
  const invalidation = createInvalidationHub();
  let announcer: Announcer = localAnnouncer(invalidation);
  let listener: InvalidationListener | undefined;
  if (database.dialect === 'postgres') {
    // Scoped by schema: one database may hold several authlink schemas, and NOTIFY channels are per database.
    const scope = database.pgSchema ?? (await currentSchema(database.db)) ?? 'public';
    announcer = pgAnnouncer(scope);
    if (opts.listen) {
      listener = startInvalidationListener({
        connectionString: config.databaseUrl!,
        scope,
        hub: invalidation,
        metrics: opts.metrics ?? noopMetrics,
        log: (m) => process.stderr.write(`authlink: ${m}\n`),
      });
      // Normally a few ms; a listener that cannot connect yet keeps retrying while the TTLs cover for it.
      await Promise.race([listener.ready, new Promise((r) => setTimeout(r, 3000).unref())]);
      const closeDatabase = database.close;
      database.close = async () => {
        await listener!.close();
        await closeDatabase();
      };
    }
  }
  const store = withReadCache(createStore(database.db, database.dialect, announcer), { ttlMs: config.configCacheSeconds * 1000, hub: invalidation });
  return { database, store, keyRing, catalog, tools, managedAuth, notices, invalidation, listener };
}
