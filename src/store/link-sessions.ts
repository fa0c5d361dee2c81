import type { Kysely } from 'kysely';
import type { ConnectedAccountsTable, DB, LinkSessionsTable } from './schema.ts';
import type { Dialect } from './db.ts';
import type { OutboxRows } from './webhooks.ts';
import { BoundRows, compileByKey } from './compiled.ts';

export type LinkSessionRow = LinkSessionsTable;

interface NewLink {
  account: ConnectedAccountsTable;
  link: LinkSessionRow;
  /** The webhook event announcing the new account, when an endpoint subscribes to it. */
  outbox?: OutboxRows;
}

// Each statement of a link creation is compiled once per shape (row counts and
// columns), not built by Kysely on every call (issue #18); one set per store.
type LinkShapes = ReturnType<typeof linkShapes>;
function linkShapes() {
  return {
    pgLinks: compileByKey<DB>(),
    pgLinksWithEvents: compileByKey<DB>(),
    accounts: compileByKey<DB>(),
    links: compileByKey<DB>(),
    events: compileByKey<DB>(),
    deliveries: compileByKey<DB>(),
  };
}

/**
 * Accounts, their link sessions and their webhook outbox rows, all or none:
 * on PostgreSQL one statement (data-modifying CTEs, no BEGIN/COMMIT), on
 * SQLite multi-row inserts in one transaction (or in the caller's).
 */
async function insertMany(db: Kysely<DB>, dialect: Dialect, shapes: LinkShapes, items: NewLink[]): Promise<void> {
  const accounts = items.map((i) => i.account);
  const links = items.map((i) => i.link);
  const events = items.flatMap((i) => (i.outbox ? [i.outbox.event] : []));
  const deliveries = items.flatMap((i) => i.outbox?.deliveries ?? []);
  if (dialect === 'postgres') {
    const bound = new BoundRows();
    const [a, l] = [bound.rows(accounts), bound.rows(links)];
    const withLinks = (p: (i: number) => string) => db.with('account', (qb) => qb.insertInto('connected_accounts').values(a(p)).returning('id'));
    if (!events.length) {
      await shapes.pgLinks(db, bound, (p) => withLinks(p).insertInto('link_sessions').values(l(p)));
      return;
    }
    const [e, d] = [bound.rows(events), bound.rows(deliveries)];
    await shapes.pgLinksWithEvents(db, bound, (p) =>
      withLinks(p)
        .with('link', (qb) => qb.insertInto('link_sessions').values(l(p)).returning('id'))
        .with('event', (qb) => qb.insertInto('webhook_events').values(e(p)).returning('id'))
        .insertInto('webhook_deliveries')
        .values(d(p)),
    );
    return;
  }
  const insert = async <T extends keyof DB & string>(q: Kysely<DB>, run: ReturnType<typeof compileByKey<DB>>, table: T, rows: readonly object[]) => {
    const bound = new BoundRows();
    const marked = bound.rows(rows);
    await run(q, bound, (p) => q.insertInto(table).values(marked(p) as never));
  };
  const all = async (q: Kysely<DB>) => {
    await insert(q, shapes.accounts, 'connected_accounts', accounts);
    await insert(q, shapes.links, 'link_sessions', links);
    if (events.length) {
      await insert(q, shapes.events, 'webhook_events', events);
      await insert(q, shapes.deliveries, 'webhook_deliveries', deliveries);
    }
  };
  await (db.isTransaction ? all(db) : db.transaction().execute(all));
}

// A group's statements stay under SQLite's 32,766 bound parameters (PostgreSQL allows 65,535).
const MAX_GROUP_PARAMETERS = 30_000;

function parametersOf(item: NewLink): number {
  const { account, link, outbox } = item;
  const count = (row: object) => Object.keys(row).length;
  return count(account) + count(link) + (outbox ? count(outbox.event) + outbox.deliveries.reduce((n, d) => n + count(d), 0) : 0);
}

/**
 * Group insert: the links asked for in one event-loop turn are written
 * together (PostgreSQL: one statement, one parse, one round trip, one WAL
 * flush; SQLite: one transaction), which is most of what a link creation
 * costs the database. One row that fails (a taken alias) fails them all, so
 * then each link is inserted on its own and gets its own outcome.
 */
function batchedInsert(db: Kysely<DB>, dialect: Dialect, shapes: LinkShapes): (item: NewLink) => Promise<void> {
  type Pending = NewLink & { resolve: () => void; reject: (e: unknown) => void };
  const one = (p: Pending) => insertMany(db, dialect, shapes, [p]).then(p.resolve, p.reject);
  let queue: Pending[] = [];
  const flush = () => {
    const items = queue;
    queue = [];
    let chunk: Pending[] = [];
    let parameters = 0;
    const send = () => {
      const group = chunk;
      if (group.length === 1) void one(group[0]);
      else if (group.length > 1)
        void insertMany(db, dialect, shapes, group).then(
          () => {
            for (const p of group) p.resolve();
          },
          () => {
            for (const p of group) void one(p);
          },
        );
      chunk = [];
      parameters = 0;
    };
    for (const item of items) {
      const n = parametersOf(item);
      if (chunk.length && parameters + n > MAX_GROUP_PARAMETERS) send();
      chunk.push(item);
      parameters += n;
    }
    send();
  };
  return (item) =>
    new Promise<void>((resolve, reject) => {
      if (!queue.length) setImmediate(flush);
      queue.push({ ...item, resolve, reject });
    });
}

export function linkSessionsRepo(db: Kysely<DB>, dialect: Dialect) {
  // Inside a transaction the caller's statements come first: no grouping there.
  const shapes = linkShapes();
  const batch = db.isTransaction ? undefined : batchedInsert(db, dialect, shapes);
  return {
    /**
     * A new account, its link session and the outbox rows announcing it, all
     * or none. Outside a transaction the links asked for in one event-loop
     * turn are written together (see `batchedInsert`).
     */
    async insertWithAccount(account: ConnectedAccountsTable, link: LinkSessionRow, outbox?: OutboxRows): Promise<void> {
      const item = { account, link, outbox };
      await (batch ? batch(item) : insertMany(db, dialect, shapes, [item]));
    },
    /** A link for an account that already exists (a reconnect). */
    async insert(link: LinkSessionRow): Promise<void> {
      await db.insertInto('link_sessions').values(link).execute();
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
    /** Binds the link to the browser of the first person who acts on it; any later binding gets nothing. */
    async bindBrowser(id: string, browserHash: string, now: string): Promise<LinkSessionRow | undefined> {
      return db
        .updateTable('link_sessions')
        .set({ browser_hash: browserHash, opened_at: now })
        .where('id', '=', id)
        .where('browser_hash', 'is', null)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
    },
    /** A new authorization attempt: its state, PKCE verifier, and the auth config and client that started it. */
    async setOAuthState(
      id: string,
      started: { stateHash: string; verifierEnc: string | null; oauth1TemporaryEnc?: string | null; authConfigId: string; clientId: string },
    ): Promise<void> {
      await db
        .updateTable('link_sessions')
        .set({
          oauth_state_hash: started.stateHash,
          pkce_verifier_enc: started.verifierEnc,
          oauth1_temporary_enc: started.oauth1TemporaryEnc ?? null,
          oauth_auth_config_id: started.authConfigId,
          oauth_client_id: started.clientId,
        })
        .where('id', '=', id)
        .where('consumed_at', 'is', null)
        .execute();
    },
    /** A consumed link whose account waits for the app's verification lives as long as that (so the sweeper leaves it alone). */
    async extendExpiry(id: string, expiresAt: string): Promise<void> {
      await db.updateTable('link_sessions').set({ expires_at: expiresAt }).where('id', '=', id).where('expires_at', '<', expiresAt).execute();
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
