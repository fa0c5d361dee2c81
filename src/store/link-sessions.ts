import type { Kysely } from 'kysely';
import type { ConnectedAccountsTable, DB, LinkSessionsTable } from './schema.ts';
import type { Dialect } from './db.ts';

export type LinkSessionRow = LinkSessionsTable;

interface NewLink {
  account: ConnectedAccountsTable;
  link: LinkSessionRow;
}

/**
 * Accounts and their link sessions, all or none: on PostgreSQL one statement
 * (a data-modifying CTE, no BEGIN/COMMIT), on SQLite two multi-row inserts in
 * one transaction (or in the caller's).
 */
async function insertMany(db: Kysely<DB>, dialect: Dialect, items: NewLink[]): Promise<void> {
  const accounts = items.map((i) => i.account);
  const links = items.map((i) => i.link);
  if (dialect === 'postgres') {
    await db.with('account', (qb) => qb.insertInto('connected_accounts').values(accounts).returning('id')).insertInto('link_sessions').values(links).execute();
    return;
  }
  const both = async (q: Kysely<DB>) => {
    await q.insertInto('connected_accounts').values(accounts).execute();
    await q.insertInto('link_sessions').values(links).execute();
  };
  await (db.isTransaction ? both(db) : db.transaction().execute(both));
}

const MAX_BATCH = 100; // 39 parameters a link: well under PostgreSQL's 65,535 and SQLite's 32,766

/**
 * Group insert: the links asked for in one event-loop turn are written
 * together (PostgreSQL: one statement, one parse, one round trip, one WAL
 * flush; SQLite: one transaction), which is most of what a link creation
 * costs the database. One row that fails (a taken alias) fails them all, so
 * then each link is inserted on its own and gets its own outcome.
 */
function batchedInsert(db: Kysely<DB>, dialect: Dialect): (item: NewLink) => Promise<void> {
  type Pending = NewLink & { resolve: () => void; reject: (e: unknown) => void };
  const one = (p: Pending) => insertMany(db, dialect, [p]).then(p.resolve, p.reject);
  let queue: Pending[] = [];
  const flush = () => {
    const items = queue;
    queue = [];
    for (let i = 0; i < items.length; i += MAX_BATCH) {
      const chunk = items.slice(i, i + MAX_BATCH);
      if (chunk.length === 1) void one(chunk[0]);
      else void insertMany(db, dialect, chunk).then(() => chunk.forEach((p) => p.resolve()), () => chunk.forEach(one));
    }
  };
  return (item) =>
    new Promise<void>((resolve, reject) => {
      if (!queue.length) setImmediate(flush);
      queue.push({ ...item, resolve, reject });
    });
}

export function linkSessionsRepo(db: Kysely<DB>, dialect: Dialect) {
  // Inside a transaction the caller's statements come first: no grouping there.
  const batch = db.isTransaction ? undefined : batchedInsert(db, dialect);
  return {
    async insert(row: LinkSessionRow): Promise<void> {
      await db.insertInto('link_sessions').values(row).execute();
    },
    /**
     * A new account and its link session, both or neither. Outside a
     * transaction the links asked for in one event-loop turn are written
     * together (see `batchedInsert`).
     */
    async insertWithAccount(account: ConnectedAccountsTable, link: LinkSessionRow): Promise<void> {
      await (batch ? batch({ account, link }) : insertMany(db, dialect, [{ account, link }]));
    },
    async byTokenHash(hash: string): Promise<LinkSessionRow | undefined> {
      return db.selectFrom('link_sessions').selectAll().where('token_hash', '=', hash).executeTakeFirst();
    },
    async byId(id: string): Promise<LinkSessionRow | undefined> {
      return db.selectFrom('link_sessions').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async byStateHash(hash: string): Promise<LinkSessionRow | undefined> {
      return db.selectFrom('link_sessions').selectAll().where('oauth_state_hash', '=', hash).executeTakeFirst();
    },
    /** Binds the link to the first browser that opens it; later opens from elsewhere get nothing. */
    async bindBrowser(id: string, browserHash: string, csrfToken: string, now: string): Promise<LinkSessionRow | undefined> {
      return db
        .updateTable('link_sessions')
        .set({ browser_hash: browserHash, csrf_token: csrfToken, opened_at: now })
        .where('id', '=', id)
        .where('browser_hash', 'is', null)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
    },
    async setOAuthState(id: string, stateHash: string, verifierEnc: string | null): Promise<void> {
      await db.updateTable('link_sessions').set({ oauth_state_hash: stateHash, pkce_verifier_enc: verifierEnc }).where('id', '=', id).where('consumed_at', 'is', null).execute();
    },
    /** Single use: exactly one caller gets the row back, whatever the concurrency. */
    async consume(id: string, now: string): Promise<LinkSessionRow | undefined> {
      return db
        .updateTable('link_sessions')
        .set({ consumed_at: now })
        .where('id', '=', id)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
    },
  };
}
