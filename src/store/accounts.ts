import type { Kysely } from 'kysely';
import type { ConnectedAccountsTable, DB } from './schema.ts';
import { decodeCursor, encodeCursor, filterTag, listingTotal, type Page } from './cursor.ts';
import { compileByKey, compileOnce } from './compiled.ts';

export type AccountRow = ConnectedAccountsTable;
export type AccountPatch = Partial<
  Omit<AccountRow, 'id' | 'project_id' | 'auth_config_id' | 'toolkit_slug' | 'user_id' | 'account_type' | 'created_at' | 'word_id'>
>;

/**
 * What a listing reads of each account: what the API shows of it (services'
 * view()), the ciphertext only to check the stored masked view against, and
 * none of the refresh bookkeeping. Turning a column into a JS value is most of
 * what a listed row costs, so a page reads only these (issue #18).
 */
export const LISTED_COLUMNS = [
  'id',
  'project_id',
  'auth_config_id',
  'toolkit_slug',
  'user_id',
  'alias',
  'word_id',
  'account_type',
  'acl',
  'status',
  'status_reason',
  'is_disabled',
  'data',
  'credentials_enc',
  'credentials_view',
  'granted_scopes',
  'created_at',
  'updated_at',
] as const satisfies ReadonlyArray<keyof AccountRow>;
export type ListedAccountRow = Pick<AccountRow, (typeof LISTED_COLUMNS)[number]>;

export interface AccountQuery {
  projectId: string;
  userIds?: string[];
  toolkitSlugs?: string[];
  statuses?: string[];
  authConfigIds?: string[];
  ids?: string[];
  accountTypes?: string[];
  orderBy: 'created_at' | 'updated_at';
  direction: 'asc' | 'desc';
  cursor?: string;
  limit: number;
}

/** The list filters of AccountQuery and the column each one matches (`in` its values). */
const LIST_FILTERS = [
  ['userIds', 'user_id'],
  ['toolkitSlugs', 'toolkit_slug'],
  ['statuses', 'status'],
  ['authConfigIds', 'auth_config_id'],
  ['ids', 'id'],
  ['accountTypes', 'account_type'],
] as const satisfies ReadonlyArray<readonly [keyof AccountQuery, keyof AccountRow]>;

export function accountsRepo(db: Kysely<DB>) {
  // Every credential read and proxied call starts here (issue #18).
  // A list page and its count, compiled once per filter shape (which filters, how many values each, cursor, order).
  const listShapes = compileByKey<DB>(128);
  const getLive = compileOnce(db, (q, p: (name: 'id' | 'projectId') => string) =>
    q.selectFrom('connected_accounts').selectAll().where('id', '=', p('id')).where('project_id', '=', p('projectId')).where('deleted_at', 'is', null),
  );
  return {
    async insert(row: AccountRow): Promise<void> {
      await db.insertInto('connected_accounts').values(row).execute();
    },
    async get(projectId: string, id: string): Promise<AccountRow | undefined> {
      return (await getLive({ id, projectId }))[0];
    },
    /**
     * Conditional update: only applies when the row is live and (if given) in
     * one of `fromStatuses`, so concurrent state changes cannot both win.
     */
    async update(projectId: string, id: string, patch: AccountPatch, fromStatuses?: string[], expectedAcl?: string | null): Promise<AccountRow | undefined> {
      let q = db.updateTable('connected_accounts').set(patch).where('id', '=', id).where('project_id', '=', projectId).where('deleted_at', 'is', null);
      if (fromStatuses) q = q.where('status', 'in', fromStatuses);
      // Compare-and-set on the ACL: a change computed from an ACL another write has replaced meanwhile does not apply.
      if (expectedAcl !== undefined) q = expectedAcl === null ? q.where('acl', 'is', null) : q.where('acl', '=', expectedAcl);
      return q.returningAll().executeTakeFirst();
    },
    /** Live connected accounts of a project per toolkit (GET /toolkits?sort_by=usage). */
    async countByToolkit(projectId: string): Promise<Map<string, number>> {
      const rows = await db
        .selectFrom('connected_accounts')
        .select(['toolkit_slug', (eb) => eb.fn.countAll<string | number>().as('n')])
        .where('project_id', '=', projectId)
        .where('deleted_at', 'is', null)
        .groupBy('toolkit_slug')
        .execute();
      return new Map(rows.map((r) => [r.toolkit_slug, Number(r.n)]));
    },
    async countByAuthConfigs(projectId: string, authConfigIds: string[]): Promise<Map<string, number>> {
      if (!authConfigIds.length) return new Map();
      const rows = await db
        .selectFrom('connected_accounts')
        .select(['auth_config_id', (eb) => eb.fn.countAll<string | number>().as('n')])
        .where('project_id', '=', projectId)
        .where('auth_config_id', 'in', authConfigIds)
        .where('deleted_at', 'is', null)
        .groupBy('auth_config_id')
        .execute();
      return new Map(rows.map((r) => [r.auth_config_id, Number(r.n)]));
    },
    /**
     * Keyset page on (orderBy, id): stable under inserts and O(limit). The
     * total is counted for the first page only and carried in the cursor, so
     * a later page costs no count(*) (it reports the first page's total).
     */
    async list(q: AccountQuery): Promise<Page<ListedAccountRow> & { total: number }> {
      // Values by position: the project, each filter's values, then the page's own (cursor, limit).
      const values: unknown[] = [q.projectId];
      const filters = LIST_FILTERS.flatMap(([field, column]) => {
        const given = q[field];
        if (!given?.length) return [];
        const from = values.length;
        values.push(...given);
        return [{ column, from, n: given.length }];
      });
      const filterKey = filters.map((f) => `${f.column}*${f.n}`).join(',');
      const matching = (p: (i: number) => string) => {
        let b = db.selectFrom('connected_accounts').where('project_id', '=', p(0)).where('deleted_at', 'is', null);
        for (const f of filters)
          b = b.where(
            f.column,
            'in',
            Array.from({ length: f.n }, (_, k) => p(f.from + k)),
          );
        return b;
      };
      const after = decodeCursor(q.cursor);
      const col = q.orderBy;
      const cmp = q.direction === 'desc' ? '<' : '>';
      const at = values.length;
      if (after) values.push(after.t, after.id);
      values.push(q.limit + 1);
      const rows = await listShapes(db, { key: `${filterKey}|${after ? cmp : ''}|${col} ${q.direction}`, values }, (p) => {
        let page = matching(p).select(LISTED_COLUMNS);
        // A row value, not `col < t OR (col = t AND id < i)`: both databases turn it into an index range.
        if (after) page = page.where((eb) => eb(eb.refTuple(col, 'id'), cmp, eb.tuple(p(at), p(at + 1))));
        return page
          .orderBy(col, q.direction)
          .orderBy('id', q.direction)
          .limit(p(values.length - 1) as unknown as number);
      });
      const items = rows.slice(0, q.limit);
      const last = items[items.length - 1];
      const f = filterTag({ projectId: q.projectId, ...Object.fromEntries(LIST_FILTERS.map(([field]) => [field, q[field]])) });
      const total = await listingTotal(after, f, async () => {
        const [counted] = await listShapes(db, { key: `${filterKey}|count`, values }, (p) =>
          matching(p).select((eb) => eb.fn.countAll<string | number>().as('n')),
        );
        return Number(counted.n);
      });
      return { items, total, nextCursor: rows.length > q.limit && last ? encodeCursor({ t: last[col], id: last.id, n: total, f }) : null };
    },
    /**
     * Takes the refresh lease when free or timed out: one refresher per account
     * across processes. Only a live ACTIVE account can be leased: a deleted,
     * revoked or expired one has nothing left to refresh.
     */
    async acquireRefreshLease(projectId: string, id: string, owner: string, now: string, until: string): Promise<AccountRow | undefined> {
      return db
        .updateTable('connected_accounts')
        .set({ refresh_lock_owner: owner, refresh_lock_until: until })
        .where('id', '=', id)
        .where('project_id', '=', projectId)
        .where('deleted_at', 'is', null)
        .where('status', '=', 'ACTIVE')
        .where((eb) => eb.or([eb('refresh_lock_until', 'is', null), eb('refresh_lock_until', '<=', now)]))
        .returningAll()
        .executeTakeFirst();
    },
    /**
     * Writes the refresh outcome and frees the lease, only if this owner still
     * holds it and the account is still live and ACTIVE: a refresh that raced
     * a delete or a revoke must not write tokens into the dead row.
     */
    async finishRefresh(projectId: string, id: string, owner: string, patch: AccountPatch): Promise<AccountRow | undefined> {
      return db
        .updateTable('connected_accounts')
        .set({ ...patch, refresh_lock_owner: null, refresh_lock_until: null })
        .where('id', '=', id)
        .where('project_id', '=', projectId)
        .where('refresh_lock_owner', '=', owner)
        .where('deleted_at', 'is', null)
        .where('status', '=', 'ACTIVE')
        .returningAll()
        .executeTakeFirst();
    },
    /**
     * A completed reconnect replaces the credential of a live account in any
     * state, but only while nobody holds its refresh lease: a refresh or a
     * revocation in flight finishes first (its write would otherwise land on
     * top of the new credential), then the caller tries again.
     */
    async applyReconnect(projectId: string, id: string, patch: AccountPatch, now: string): Promise<AccountRow | undefined> {
      return db
        .updateTable('connected_accounts')
        .set(patch)
        .where('id', '=', id)
        .where('project_id', '=', projectId)
        .where('deleted_at', 'is', null)
        .where((eb) => eb.or([eb('refresh_lock_until', 'is', null), eb('refresh_lock_until', '<=', now)]))
        .returningAll()
        .executeTakeFirst();
    },
    /** Frees this owner's lease whatever became of the account (nothing else is written). */
    async releaseRefreshLease(projectId: string, id: string, owner: string): Promise<void> {
      await db
        .updateTable('connected_accounts')
        .set({ refresh_lock_owner: null, refresh_lock_until: null })
        .where('id', '=', id)
        .where('project_id', '=', projectId)
        .where('refresh_lock_owner', '=', owner)
        .execute();
    },
    /** ACTIVE OAuth accounts whose token expires before `horizon` and whose backoff has passed. */
    async dueForRefresh(now: string, horizon: string, limit: number): Promise<Pick<AccountRow, 'id' | 'project_id'>[]> {
      return db
        .selectFrom('connected_accounts')
        .select(['id', 'project_id'])
        .where('status', '=', 'ACTIVE')
        .where('token_expires_at', 'is not', null)
        .where('token_expires_at', '<=', horizon)
        .where('is_disabled', '=', 0)
        .where('deleted_at', 'is', null)
        .where((eb) => eb.or([eb('next_refresh_at', 'is', null), eb('next_refresh_at', '<=', now)]))
        .orderBy('token_expires_at')
        .limit(limit)
        .execute();
    },
    /**
     * INITIATED accounts none of whose links is still valid: never opened, not
     * finished, or interrupted mid-way (a process that died during the code
     * exchange leaves its link consumed and the account INITIATED).
     */
    async expireAbandoned(now: string, reason: string): Promise<AccountRow[]> {
      return (
        db
          .updateTable('connected_accounts')
          .set({ status: 'EXPIRED', status_reason: reason, updated_at: now })
          .where('status', '=', 'INITIATED')
          .where('deleted_at', 'is', null)
          // Correlated on the account (index link_sessions_account): cost follows the INITIATED accounts, not all links ever made.
          .where((eb) =>
            eb.exists(
              eb
                .selectFrom('link_sessions as ls')
                .select('ls.id')
                .whereRef('ls.connected_account_id', '=', 'connected_accounts.id')
                .where('ls.expires_at', '<=', now),
            ),
          )
          .where((eb) =>
            eb.not(
              eb.exists(
                eb
                  .selectFrom('link_sessions as ls')
                  .select('ls.id')
                  .whereRef('ls.connected_account_id', '=', 'connected_accounts.id')
                  .where('ls.expires_at', '>', now),
              ),
            ),
          )
          .returningAll()
          .execute()
      );
    },
  };
}

/** True when `e` is a unique-constraint violation on SQLite or PostgreSQL. */
export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: string })?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}
