import type { Kysely } from 'kysely';
import type { DB, WebhookDeliveriesTable, WebhookEndpointsTable, WebhookEventsTable } from './schema.ts';
import type { Dialect } from './db.ts';
import { decodeCursor, keysetPage, type Page } from './cursor.ts';

export type WebhookEndpointRow = WebhookEndpointsTable;
export type WebhookEventRow = WebhookEventsTable;
export type WebhookDeliveryRow = WebhookDeliveriesTable;

/** The outbox rows of one event: the event and a delivery per endpoint subscribed to it. */
export interface OutboxRows {
  event: WebhookEventRow;
  deliveries: WebhookDeliveryRow[];
}

export function webhooksRepo(db: Kysely<DB>, dialect: Dialect) {
  return {
    async insertEndpoint(row: WebhookEndpointRow): Promise<void> {
      await db.insertInto('webhook_endpoints').values(row).execute();
    },
    /**
     * Inserts the endpoint unless its project already has `max` (not deleted)
     * ones; false then. Creations in one project are serialized: on PostgreSQL
     * by locking the project row (two counts would both see room), on SQLite
     * by the one connection a transaction holds.
     */
    async insertEndpointWithin(row: WebhookEndpointRow, max: number): Promise<boolean> {
      const run = async (tx: Kysely<DB>) => {
        // NO KEY UPDATE: rows that only reference the project (FOR KEY SHARE) are not held up.
        if (dialect === 'postgres') await tx.selectFrom('projects').select('id').where('id', '=', row.project_id).forNoKeyUpdate().execute();
        const { n } = await tx
          .selectFrom('webhook_endpoints')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('project_id', '=', row.project_id)
          .where('deleted_at', 'is', null)
          .executeTakeFirstOrThrow();
        if (Number(n) >= max) return false;
        await tx.insertInto('webhook_endpoints').values(row).execute();
        return true;
      };
      return db.isTransaction ? run(db) : db.transaction().execute(run);
    },
    async getEndpoint(projectId: string, id: string): Promise<WebhookEndpointRow | undefined> {
      return db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('id', '=', id)
        .where('project_id', '=', projectId)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
    },
    async listEndpoints(projectId: string): Promise<WebhookEndpointRow[]> {
      return db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('deleted_at', 'is', null)
        .orderBy('created_at')
        .orderBy('id')
        .execute();
    },
    async updateEndpoint(projectId: string, id: string, patch: Partial<WebhookEndpointRow>): Promise<WebhookEndpointRow | undefined> {
      return db
        .updateTable('webhook_endpoints')
        .set(patch)
        .where('id', '=', id)
        .where('project_id', '=', projectId)
        .where('deleted_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
    },
    /** Enabled endpoints of a project; the caller filters by subscribed event type. */
    async enabledEndpoints(projectId: string): Promise<WebhookEndpointRow[]> {
      return db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('project_id', '=', projectId)
        .where('enabled', '=', 1)
        .where('deleted_at', 'is', null)
        .execute();
    },
    async insertEvent(row: WebhookEventRow): Promise<void> {
      await db.insertInto('webhook_events').values(row).execute();
    },
    async insertDeliveries(rows: WebhookDeliveryRow[]): Promise<void> {
      if (rows.length) await db.insertInto('webhook_deliveries').values(rows).execute();
    },
    async getEvent(id: string): Promise<WebhookEventRow | undefined> {
      return db.selectFrom('webhook_events').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async getDelivery(projectId: string, endpointId: string, id: string): Promise<WebhookDeliveryRow | undefined> {
      return db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('id', '=', id)
        .where('endpoint_id', '=', endpointId)
        .where('project_id', '=', projectId)
        .executeTakeFirst();
    },
    async listDeliveries(projectId: string, endpointId: string, cursor: string | undefined, limit: number): Promise<Page<WebhookDeliveryRow>> {
      let q = db.selectFrom('webhook_deliveries').selectAll().where('project_id', '=', projectId).where('endpoint_id', '=', endpointId);
      const after = decodeCursor(cursor);
      // A row value, not an OR: an index range on (project_id, endpoint_id, created_at, id).
      if (after) q = q.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.t, after.id)));
      const rows = await q
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit + 1)
        .execute();
      return keysetPage(rows, limit);
    },
    /**
     * Leases up to `limit` due deliveries for this worker in one statement,
     * none of `skipProjects` (those the worker has enough of in flight).
     * PostgreSQL skips rows other workers are leasing right now (FOR UPDATE SKIP
     * LOCKED); SQLite has a single writer, so the statement alone is atomic.
     */
    async leaseDue(owner: string, now: string, until: string, limit: number, skipProjects: readonly string[] = []): Promise<WebhookDeliveryRow[]> {
      return db
        .updateTable('webhook_deliveries')
        .set({ lease_owner: owner, lease_until: until })
        .where('id', 'in', (eb) => {
          let pick = eb
            .selectFrom('webhook_deliveries')
            .select('id')
            .where('status', '=', 'pending')
            .where('next_attempt_at', '<=', now)
            .where((w) => w.or([w('lease_until', 'is', null), w('lease_until', '<=', now)]))
            .orderBy('next_attempt_at')
            .limit(limit);
          if (skipProjects.length) pick = pick.where('project_id', 'not in', skipProjects);
          if (dialect === 'postgres') pick = pick.forUpdate().skipLocked();
          return pick;
        })
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
        .returningAll()
        .execute();
    },
    /** Gives leased deliveries back untouched (the worker cannot start them now): due again at once, for any worker. */
    async releaseLeases(owner: string, ids: readonly string[]): Promise<void> {
      if (!ids.length) return;
      await db
        .updateTable('webhook_deliveries')
        .set({ lease_owner: null, lease_until: null })
        .where('id', 'in', ids)
        .where('lease_owner', '=', owner)
        .execute();
    },
    /** Records an attempt's outcome, only while this worker still holds the lease. */
    async finishDelivery(id: string, owner: string, patch: Partial<WebhookDeliveryRow>): Promise<boolean> {
      const r = await db
        .updateTable('webhook_deliveries')
        .set({ ...patch, lease_owner: null, lease_until: null })
        .where('id', '=', id)
        .where('lease_owner', '=', owner)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async requeue(projectId: string, id: string, now: string): Promise<WebhookDeliveryRow | undefined> {
      return db
        .updateTable('webhook_deliveries')
        .set({ status: 'pending', attempts: 0, next_attempt_at: now, updated_at: now, lease_owner: null, lease_until: null })
        .where('id', '=', id)
        .where('project_id', '=', projectId)
        .returningAll()
        .executeTakeFirst();
    },
  };
}
