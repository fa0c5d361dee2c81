// Opens the one Kysely database authlink runs on: embedded SQLite (default) or
// PostgreSQL (DATABASE_URL), and runs the migrations.
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import type { Pool, PoolClient } from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type KyselyConfig, type Migration } from 'kysely';
import type { DB } from './schema.ts';
import type { Metrics } from '../metrics/types.ts';
import { usePreparedStatements } from './pg-prepared.ts';
import { cachedStatements } from './sqlite-statements.ts';
import * as m001 from './migrations/001_initial.ts';
import * as m002 from './migrations/002_tool_router_sessions.ts';
import * as m003 from './migrations/003_webhooks.ts';
import * as m004 from './migrations/004_list_indexes.ts';
import * as m005 from './migrations/005_tool_access.ts';
import * as m006 from './migrations/006_hosted_flow_hardening.ts';
import * as m007 from './migrations/007_audit_details.ts';
import * as m008 from './migrations/008_tool_router_enabled.ts';
import * as m009 from './migrations/009_reconnect.ts';
import * as m010 from './migrations/010_webhooks_composio_v3.ts';
import * as m011 from './migrations/011_downloads.ts';
import * as m014 from './migrations/014_oauth1_link.ts';
import * as m016 from './migrations/016_credentials_view.ts';
import * as m017 from './migrations/017_alias_index_partial.ts';
import * as m012 from './migrations/012_egress_proxy.ts';
import * as m013 from './migrations/013_console_sessions.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface Database {
  db: Kysely<DB>;
  dialect: Dialect;
  describe: string; // where the data lives, without credentials
  pgSchema?: string;
  close(): Promise<void>;
}

export interface OpenOptions {
  databaseUrl?: string;
  sqliteFile?: string;
  /** PostgreSQL schema to use (tests isolate themselves this way); created when missing. */
  pgSchema?: string;
  poolSize?: number;
  /** PostgreSQL: named prepared statements (src/store/pg-prepared.ts); default on. */
  preparedStatements?: boolean;
  /** Query timing (a Kysely log hook) and, on PostgreSQL, pool waits; only when metrics are on. */
  metrics?: Metrics;
}

/** Kysely's log hook feeding authlink_store_query_* (no SQL text leaves this function, only its first keyword). */
function queryLog(metrics: Metrics | undefined): KyselyConfig['log'] {
  if (!metrics?.enabled) return undefined;
  return (event) => metrics.storeQuery(event.query.sql, event.queryDurationMillis / 1000, event.level === 'error');
}

/** Times every wait for a pool connection, and reports the pool's counters at scrape time. */
function watchPool(pool: Pool, metrics: Metrics | undefined): void {
  if (!metrics?.enabled) return;
  const connect = pool.connect.bind(pool) as () => Promise<PoolClient>;
  pool.connect = (async () => {
    const started = performance.now();
    try {
      return await connect();
    } finally {
      metrics.poolAcquire((performance.now() - started) / 1000);
    }
  }) as typeof pool.connect;
  metrics.watchPool?.({ total: () => pool.totalCount, idle: () => pool.idleCount, waiting: () => pool.waitingCount });
}

const migrations: Record<string, Migration> = {
  '001_initial': m001,
  '002_tool_router_sessions': m002,
  '003_webhooks': m003,
  '004_list_indexes': m004,
  '005_tool_access': m005,
  '006_hosted_flow_hardening': m006,
  '007_audit_details': m007,
  '008_tool_router_enabled': m008,
  '009_reconnect': m009,
  '010_webhooks_composio_v3': m010,
  '011_downloads': m011,
  '012_egress_proxy': m012,
  '013_console_sessions': m013,
  '014_oauth1_link': m014,
  '016_credentials_view': m016,
  '017_alias_index_partial': m017,
};

export async function openDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.databaseUrl) {
    // Loaded only here: a SQLite deployment never loads the PostgreSQL driver (start-up time, memory).
    const { default: pg } = await import('pg');
    if (opts.pgSchema) {
      const admin = new pg.Client({ connectionString: opts.databaseUrl });
      await admin.connect();
      try {
        await admin.query(`CREATE SCHEMA IF NOT EXISTS "${opts.pgSchema.replace(/"/g, '')}"`);
      } finally {
        await admin.end();
      }
    }
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: opts.poolSize ?? 10,
      ...(opts.pgSchema ? { options: `-c search_path=${opts.pgSchema}` } : {}),
    });
    watchPool(pool, opts.metrics);
    if (opts.preparedStatements !== false) usePreparedStatements(pool);
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }), log: queryLog(opts.metrics) });
    const u = new URL(opts.databaseUrl);
    return { db, dialect: 'postgres', describe: `postgres://${u.host}${u.pathname}`, pgSchema: opts.pgSchema, close: () => db.destroy() };
  }
  const file = opts.sqliteFile!;
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // 64 MiB of page cache instead of the default 2 MiB: the indexes a request walks stay in memory at a million accounts.
  // (A memory map was tried and measured worse at 1M accounts: page faults on a cold mapping cost more than the
  // preads they replace, and RSS grew to 800 MiB; docs/benchmarks.md, bench/results/mmap-trial.txt.)
  sqlite.pragma('cache_size = -65536');
  // Checkpoint every ~32 MiB of WAL instead of every 4 MiB: a checkpoint writes
  // each changed page once however often it changed, and syncs twice; at the
  // default it ran every ~80 link creations and was a sixth of their CPU.
  sqlite.pragma('wal_autocheckpoint = 8000');
  const db = new Kysely<DB>({ dialect: new SqliteDialect({ database: cachedStatements(sqlite) }), log: queryLog(opts.metrics) });
  return { db, dialect: 'sqlite', describe: file, close: () => db.destroy() };
}

/** Migration names, oldest first. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(migrations).sort();

/** Migrates to the latest version, or up or down to `opts.to` (a migration name; tests of a data migration use it). */
export async function migrate(database: Database, opts: { to?: string } = {}): Promise<string[]> {
  // Kysely looks for its bookkeeping tables in every schema; name ours so a
  // second schema on the same server (tests, tenants) is migrated on its own,
  // also when DATABASE_URL picks it only through search_path.
  const schema = database.dialect === 'postgres' ? (database.pgSchema ?? (await currentSchema(database.db))) : undefined;
  const migrator = new Migrator({
    db: database.db,
    ...(schema ? { migrationTableSchema: schema } : {}),
    provider: { getMigrations: async () => migrations },
    migrationTableName: 'authlink_migrations',
    migrationLockTableName: 'authlink_migrations_lock',
  });
  return repeatedWhileOtherSchemasVanish(schema, async () => {
    const { error, results } = opts.to ? await migrator.migrateTo(opts.to) : await migrator.migrateToLatest();
    if (error) throw error instanceof Error ? error : new Error(String(error));
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  });
}

/**
 * Kysely's migrator finds its tables by reading the columns of every schema
 * of the database, naming each schema to has_schema_privilege(): a schema
 * another client drops meanwhile (another tenant's, a finished test's) fails
 * that read with `schema "..." does not exist` (3F000). Ours exists, so
 * `run` is repeated (up to `attempts` times in all); a missing schema of our
 * own, or any other error, is thrown at once.
 */
export async function repeatedWhileOtherSchemasVanish<T>(ours: string | undefined, run: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const e = error as { code?: unknown; message?: unknown };
      const otherVanished = ours !== undefined && e?.code === '3F000' && typeof e.message === 'string' && !e.message.includes(`"${ours}"`);
      if (!otherVanished || attempt >= attempts) throw error;
    }
  }
}

export async function currentSchema(db: Kysely<DB>): Promise<string | undefined> {
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  return rows[0]?.schema ?? undefined;
}

export async function ping(db: Kysely<DB>): Promise<void> {
  await sql`select 1`.execute(db);
}
