// Read-only queries only the operator console needs: the overview's counts,
// recent failures, and the audit log paged (newest first).
import { type Kysely, sql } from 'kysely';
import type { DB, ToolRouterSessionsTable } from './schema.ts';
import type { AccountRow } from './accounts.ts';
import type { AuditEntry } from './audit.ts';
import type { WebhookDeliveryRow, WebhookEventRow } from './webhooks.ts';
import { decodeCursor, keysetPage, type Page } from './cursor.ts';

export interface LinkFunnel {
  created: number;
  opened: number;
  completed: number;
  failed: number;
  expired: number;
}

export function consoleReadsRepo(db: Kysely<DB>) {
  return {
    /** Live connected accounts of a project per status. */
    async accountsByStatus(projectId: string): Promise<Map<string, number>> {
      const rows = await db
        .selectFrom('connected_accounts')
        .select(['status', (eb) => eb.fn.countAll<string | number>().as('n')])
        .where('project_id', '=', projectId)
        .where('deleted_at', 'is', null)
        .groupBy('status')
        .execute();
      return new Map(rows.map((r) => [r.status, Number(r.n)]));
    },
    async authConfigCount(projectId: string): Promise<number> {
      const row = await db
        .selectFrom('auth_configs')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .where('project_id', '=', projectId)
        .where('deleted_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    /** The live accounts that most recently ended FAILED or EXPIRED, newest first. */
    async recentFailures(projectId: string, limit: number): Promise<AccountRow[]> {
      return db
        .selectFrom('connected_accounts')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('deleted_at', 'is', null)
        .where('status', 'in', ['FAILED', 'EXPIRED'])
        .orderBy('updated_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
    },
    /**
     * The link funnel of the links created since `since` (a cohort, from the
     * stored link sessions and their accounts): created; opened (the person
     * acted on the page); completed (used, and its account did not end FAILED);
     * failed (used, and its account ended FAILED: refused, cancelled, or the
     * provider said no); expired (never used, past its expiry at `now`).
     */
    async linkFunnel(projectId: string, since: string, now: string): Promise<LinkFunnel> {
      const n = (v: unknown) => Number(v ?? 0);
      const row = await db
        .selectFrom('link_sessions as l')
        .leftJoin('connected_accounts as a', (j) => j.onRef('a.id', '=', 'l.connected_account_id').onRef('a.project_id', '=', 'l.project_id'))
        .where('l.project_id', '=', projectId)
        .where('l.created_at', '>=', since)
        .select([
          (eb) => eb.fn.countAll<string | number>().as('created'),
          sql<string | number>`sum(case when l.opened_at is not null then 1 else 0 end)`.as('opened'),
          sql<string | number>`sum(case when l.consumed_at is not null and a.status <> 'FAILED' then 1 else 0 end)`.as('completed'),
          sql<string | number>`sum(case when l.consumed_at is not null and a.status = 'FAILED' then 1 else 0 end)`.as('failed'),
          sql<string | number>`sum(case when l.consumed_at is null and l.expires_at <= ${now} then 1 else 0 end)`.as('expired'),
        ])
        .executeTakeFirstOrThrow();
      return { created: n(row.created), opened: n(row.opened), completed: n(row.completed), failed: n(row.failed), expired: n(row.expired) };
    },
    /** Live accounts whose token refresh keeps failing (transient errors: authlink retries at next_refresh_at), most failures first. */
    async failingRefreshes(projectId: string, limit: number): Promise<AccountRow[]> {
      return db
        .selectFrom('connected_accounts')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('deleted_at', 'is', null)
        .where('refresh_failures', '>', 0)
        .orderBy('refresh_failures', 'desc')
        .orderBy('id')
        .limit(limit)
        .execute();
    },
    /** The project's dead webhook deliveries: how many, and the latest ones with their event type. */
    async deadDeliveries(projectId: string, limit: number): Promise<{ count: number; latest: Array<WebhookDeliveryRow & { type: string | null }> }> {
      const count = await db
        .selectFrom('webhook_deliveries')
        .select((eb) => eb.fn.countAll<string | number>().as('n'))
        .where('project_id', '=', projectId)
        .where('status', '=', 'dead')
        .executeTakeFirstOrThrow();
      const latest = await db
        .selectFrom('webhook_deliveries as d')
        .innerJoin('webhook_endpoints as e', (j) => j.onRef('e.id', '=', 'd.endpoint_id').onRef('e.project_id', '=', 'd.project_id'))
        .leftJoin('webhook_events as v', 'v.id', 'd.event_id')
        .selectAll('d')
        .select('v.type')
        .where('d.project_id', '=', projectId)
        .where('d.status', '=', 'dead')
        .where('e.deleted_at', 'is', null)
        .orderBy('d.updated_at', 'desc')
        .orderBy('d.id', 'desc')
        .limit(limit)
        .execute();
      return { count: Number(count.n), latest };
    },
    /**
     * The outbox events about one account, newest first (written only while the
     * project had a subscription for them). Events carry no account column:
     * the payload's data.id names it, found by a pattern and then checked.
     */
    async accountEvents(projectId: string, accountId: string, limit: number): Promise<WebhookEventRow[]> {
      const rows = await db
        .selectFrom('webhook_events')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('payload', 'like', `%"data":{"id":"${accountId.replace(/[%\\]/g, '')}"%`)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.filter((r) => {
        try {
          return (JSON.parse(r.payload) as { data?: { id?: unknown } }).data?.id === accountId;
        } catch {
          return false;
        }
      });
    },
    /** A page of the project's tool-router sessions, newest first, optionally of one user (keyset on created_at, id). */
    async sessionsPage(projectId: string, opts: { cursor?: string; limit: number; userId?: string }): Promise<Page<ToolRouterSessionsTable>> {
      let q = db.selectFrom('tool_router_sessions').selectAll().where('project_id', '=', projectId);
      if (opts.userId) q = q.where('user_id', '=', opts.userId);
      const after = decodeCursor(opts.cursor);
      if (after) q = q.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.t, after.id)));
      const rows = await q
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(opts.limit + 1)
        .execute();
      return keysetPage(rows, opts.limit);
    },
    /** Live accounts with this alias (case-insensitive), narrowed by the other filters, newest first: an alias names few accounts, so no paging. */
    async accountsByAlias(projectId: string, f: { alias: string; userId?: string; toolkit?: string; status?: string }, limit: number): Promise<AccountRow[]> {
      let q = db
        .selectFrom('connected_accounts')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('deleted_at', 'is', null)
        .where(sql<boolean>`lower(alias) = ${f.alias.toLowerCase()}`);
      if (f.userId) q = q.where('user_id', '=', f.userId);
      if (f.toolkit) q = q.where('toolkit_slug', '=', f.toolkit);
      if (f.status) q = q.where('status', '=', f.status);
      return q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    },
    /** The wire type of each of these events of the project, by event id. */
    async eventTypes(projectId: string, ids: string[]): Promise<Map<string, string>> {
      if (!ids.length) return new Map();
      const rows = await db
        .selectFrom('webhook_events')
        .select(['id', 'type'])
        .where('project_id', '=', projectId)
        .where('id', 'in', [...new Set(ids)])
        .execute();
      return new Map(rows.map((r) => [r.id, r.type]));
    },
    /** A page of the project's audit log, newest first (keyset on created_at, id); `targetId` narrows it to one object. */
    async auditPage(projectId: string, opts: { cursor?: string; limit: number; targetId?: string }): Promise<Page<AuditEntry>> {
      let q = db.selectFrom('audit_log').selectAll().where('project_id', '=', projectId);
      if (opts.targetId) q = q.where('target_id', '=', opts.targetId);
      const after = decodeCursor(opts.cursor);
      if (after) q = q.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.t, after.id)));
      const rows = await q
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(opts.limit + 1)
        .execute();
      return keysetPage(rows, opts.limit);
    },
  };
}
