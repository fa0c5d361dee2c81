// Cache invalidation across processes (issue #16). A write to something other
// processes cache (a revoked API key; a project, auth config or webhook
// endpoint) is announced; every process, this one included, drops its cached
// entry when the announcement arrives.
//
// PostgreSQL: the announcement is a NOTIFY sent on the writing connection, so
// inside a transaction it goes out when (and only if) the transaction commits;
// each process LISTENs on one dedicated connection (src/store/listener.ts).
// SQLite is one process: the announcement goes straight to the local hub.
// The caches' TTLs stay as the fallback for when the channel is down.
import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.ts';

/** What can be announced. The read cache owns the first three; the API key service the last. */
export type Topic = 'projects' | 'authConfigs' | 'endpoints' | 'apiKeys';
const TOPICS: readonly string[] = ['projects', 'authConfigs', 'endpoints', 'apiKeys'];

export const CHANNEL = 'authlink_invalidate';

export interface InvalidationSubscriber {
  /** One entry changed somewhere. */
  changed(topic: Topic, key: string): void;
  /** Announcements may have been missed (the listener reconnected): drop everything. */
  flush(): void;
}

/** The in-process fan-out: the listener (or a local announcement) in, the caches out. */
export interface InvalidationHub {
  subscribe(s: InvalidationSubscriber): () => void;
  changed(topic: Topic, key: string): void;
  flush(): void;
}

export function createInvalidationHub(): InvalidationHub {
  const subscribers = new Set<InvalidationSubscriber>();
  return {
    subscribe(s) {
      subscribers.add(s);
      return () => subscribers.delete(s);
    },
    changed(topic, key) {
      for (const s of subscribers) s.changed(topic, key);
    },
    flush() {
      for (const s of subscribers) s.flush();
    },
  };
}

/** Sends an announcement on the given connection (a transaction's, when inside one). */
export type Announcer = (db: Kysely<DB>, topic: Topic, key: string) => Promise<void>;

/**
 * PostgreSQL: NOTIFY on the shared channel. `scope` (the schema) is in the
 * payload because channels are per database, and one database may hold several
 * authlink schemas (tests, tenants): a listener ignores other scopes.
 */
export function pgAnnouncer(scope: string): Announcer {
  return async (db, topic, key) => {
    await sql`select pg_notify(${CHANNEL}, ${encodeMessage(scope, topic, key)})`.execute(db);
  };
}

/** SQLite (one process): straight to the local hub. */
export function localAnnouncer(hub: InvalidationHub): Announcer {
  return async (_db, topic, key) => hub.changed(topic, key);
}

export function encodeMessage(scope: string, topic: Topic, key: string): string {
  return JSON.stringify([scope, topic, key]);
}

/** The announcement in a NOTIFY payload, or undefined when it is for another scope or not ours. */
export function decodeMessage(scope: string, payload: string | undefined): { topic: Topic; key: string } | undefined {
  try {
    const v = JSON.parse(payload ?? '') as unknown;
    if (!Array.isArray(v) || v.length !== 3 || v[0] !== scope || !TOPICS.includes(v[1]) || typeof v[2] !== 'string') return undefined;
    return { topic: v[1] as Topic, key: v[2] };
  } catch {
    return undefined;
  }
}
