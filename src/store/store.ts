// The narrow storage interface every service uses. One implementation on
// Kysely serves both SQLite and PostgreSQL; the contract tests run it on both.
import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';
import type { Dialect } from './db.ts';
import { ping } from './db.ts';
import { projectsRepo } from './projects.ts';
import { apiKeysRepo } from './api-keys.ts';
import { authConfigsRepo } from './auth-configs.ts';
import { accountsRepo } from './accounts.ts';
import { linkSessionsRepo } from './link-sessions.ts';
import { auditRepo } from './audit.ts';
import { sessionsRepo } from './sessions.ts';
import { webhooksRepo } from './webhooks.ts';
import { verificationsRepo } from './verifications.ts';
import { downloadsRepo } from './downloads.ts';
import { consoleSessionsRepo } from './console-sessions.ts';
import { consoleReadsRepo } from './console-reads.ts';
import type { Announcer, Topic } from './invalidation.ts';

export interface Store {
  dialect: Dialect;
  projects: ReturnType<typeof projectsRepo>;
  apiKeys: ReturnType<typeof apiKeysRepo>;
  authConfigs: ReturnType<typeof authConfigsRepo>;
  accounts: ReturnType<typeof accountsRepo>;
  links: ReturnType<typeof linkSessionsRepo>;
  verifications: ReturnType<typeof verificationsRepo>;
  audit: ReturnType<typeof auditRepo>;
  sessions: ReturnType<typeof sessionsRepo>;
  webhooks: ReturnType<typeof webhooksRepo>;
  downloads: ReturnType<typeof downloadsRepo>;
  consoleSessions: ReturnType<typeof consoleSessionsRepo>;
  consoleReads: ReturnType<typeof consoleReadsRepo>;
  ping(): Promise<void>;
  /** Tells every process that `key` of `topic` changed (inside a transaction: once it commits). See invalidation.ts. */
  announce(topic: Topic, key: string): Promise<void>;
  /** Runs fn inside one database transaction, with a store bound to it. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
}

export function createStore(db: Kysely<DB>, dialect: Dialect, announcer?: Announcer): Store {
  return {
    dialect,
    projects: projectsRepo(db),
    apiKeys: apiKeysRepo(db),
    authConfigs: authConfigsRepo(db),
    accounts: accountsRepo(db),
    links: linkSessionsRepo(db, dialect),
    verifications: verificationsRepo(db),
    audit: auditRepo(db),
    sessions: sessionsRepo(db),
    webhooks: webhooksRepo(db, dialect),
    downloads: downloadsRepo(db),
    consoleSessions: consoleSessionsRepo(db),
    consoleReads: consoleReadsRepo(db),
    ping: () => ping(db),
    announce: async (topic, key) => announcer?.(db, topic, key),
    transaction: (fn) => db.transaction().execute((trx) => fn(createStore(trx, dialect, announcer))),
  };
}
