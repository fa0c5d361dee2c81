// Read-only queries only the operator console needs: the overview's counts,
// recent failures, and the audit log paged (newest first).
import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';
import type { AccountRow } from './accounts.ts';
import type { AuditEntry } from './audit.ts';
import { decodeCursor, encodeCursor, type Page } from './cursor.ts';

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
      const items = rows.slice(0, opts.limit);
      const last = items[items.length - 1];
      return { items, nextCursor: rows.length > opts.limit && last ? encodeCursor({ t: last.created_at, id: last.id }) : null };
    },
  };
}
