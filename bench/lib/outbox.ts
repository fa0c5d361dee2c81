// What link_webhook left in the webhook outbox, read straight from the store
// (the API lists deliveries page by page and does not say which account an
// event is about): the accounts its links created, and its subscription's
// deliveries by outcome.
import SQLite from 'better-sqlite3';
import type { Authlink } from './authlink.ts';
import { withClient } from './pg.ts';

export interface OutboxCounts {
  /** Accounts whose user_id starts with the scenario's prefix: one per link created. */
  accounts: number;
  /** Delivery rows of the subscription: one per announced event. */
  deliveries: number;
  succeeded: number;
  pending: number;
  dead: number;
  /** Deliveries with a failed attempt (pending for a retry, or dead). */
  failed: number;
}

const ACCOUNTS = 'select count(*) as n from connected_accounts where project_id = ? and user_id like ?';
const DELIVERIES = `select status, count(*) as n, sum(case when last_error is null then 0 else 1 end) as failed
  from webhook_deliveries where project_id = ? and endpoint_id = ? group by status`;

/** `?` placeholders as PostgreSQL's $1, $2, ... */
function numbered(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

type StatusRow = { status: string; n: number | string; failed: number | string | null };

async function query(a: Authlink, userPrefix: string, endpointId: string): Promise<{ accounts: number; byStatus: StatusRow[] }> {
  const like = `${userPrefix}%`;
  if (a.sqliteFile) {
    const db = new SQLite(a.sqliteFile, { readonly: true, fileMustExist: true });
    try {
      const { n } = db.prepare(ACCOUNTS).get(a.projectId, like) as { n: number };
      return { accounts: n, byStatus: db.prepare(DELIVERIES).all(a.projectId, endpointId) as StatusRow[] };
    } finally {
      db.close();
    }
  }
  if (!a.pgUrl) throw new Error('outbox: the world has neither a SQLite file nor a PostgreSQL URL');
  return withClient(a.pgUrl, async (c) => ({
    accounts: Number((await c.query(numbered(ACCOUNTS), [a.projectId, like])).rows[0].n),
    byStatus: (await c.query(numbered(DELIVERIES), [a.projectId, endpointId])).rows,
  }));
}

export async function outboxCounts(a: Authlink, userPrefix: string, endpointId: string): Promise<OutboxCounts> {
  const { accounts, byStatus } = await query(a, userPrefix, endpointId);
  const of = (status: string) => Number(byStatus.find((r) => r.status === status)?.n ?? 0);
  return {
    accounts,
    deliveries: byStatus.reduce((sum, r) => sum + Number(r.n), 0),
    succeeded: of('succeeded'),
    pending: of('pending'),
    dead: of('dead'),
    failed: byStatus.reduce((sum, r) => sum + Number(r.failed ?? 0), 0),
  };
}
