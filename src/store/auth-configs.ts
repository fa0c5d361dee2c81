import { sql, type Kysely } from 'kysely';
import type { AuthConfigsTable, DB } from './schema.ts';
import { decodeCursor, encodeCursor, filterTag, listingTotal, type Page } from './cursor.ts';

/** Case-insensitive substring pattern with LIKE wildcards escaped (same on SQLite and PostgreSQL). */
export function likePattern(term: string): string {
  return `%${term.toLowerCase().replace(/[!%_]/g, '!$&')}%`;
}

export type AuthConfigRow = AuthConfigsTable;

export interface AuthConfigQuery {
  projectId: string;
  toolkitSlug?: string;
  showDisabled: boolean;
  search?: string;
  isManaged?: boolean;
  cursor?: string;
  limit: number;
}

export function authConfigsRepo(db: Kysely<DB>) {
  return {
    async insert(row: AuthConfigRow): Promise<void> {
      await db.insertInto('auth_configs').values(row).execute();
    },
    /** A live (not deleted) auth config of this project. */
    async get(projectId: string, id: string): Promise<AuthConfigRow | undefined> {
      return db
        .selectFrom('auth_configs')
        .selectAll()
        .where('id', '=', id)
        .where('project_id', '=', projectId)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
    },
    /** Also a deleted one: accounts keep showing their auth config's scheme. */
    async getAny(projectId: string, id: string): Promise<AuthConfigRow | undefined> {
      return db.selectFrom('auth_configs').selectAll().where('id', '=', id).where('project_id', '=', projectId).executeTakeFirst();
    },
    async update(
      projectId: string,
      id: string,
      patch: Partial<
        Pick<
          AuthConfigRow,
          | 'name'
          | 'status'
          | 'settings'
          | 'secrets_enc'
          | 'tool_access'
          | 'tool_router_enabled'
          | 'allow_reconnect_as_other_identity'
          | 'proxy_url'
          | 'proxy_auth_key_enc'
          | 'updated_at'
          | 'deleted_at'
        >
      >,
    ): Promise<AuthConfigRow | undefined> {
      return db
        .updateTable('auth_configs')
        .set(patch)
        .where('id', '=', id)
        .where('project_id', '=', projectId)
        .where('deleted_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
    },
    /**
     * Keyset page, newest first: O(limit) whatever the table size. The total
     * (same filters) is counted for the first page only and carried in the cursor.
     */
    async list(q: AuthConfigQuery): Promise<Page<AuthConfigRow> & { total: number }> {
      let base = db.selectFrom('auth_configs').where('project_id', '=', q.projectId).where('deleted_at', 'is', null);
      if (q.toolkitSlug) base = base.where('toolkit_slug', '=', q.toolkitSlug);
      if (!q.showDisabled) base = base.where('status', '=', 'ENABLED');
      if (q.isManaged !== undefined) base = base.where('is_composio_managed', '=', q.isManaged ? 1 : 0);
      if (q.search) base = base.where(sql<boolean>`lower(name) like ${likePattern(q.search)} escape '!'`);
      let page = base.selectAll();
      const after = decodeCursor(q.cursor);
      // A row value, not an OR: an index range on (project_id, created_at, id).
      if (after) page = page.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.t, after.id)));
      const rows = await page
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(q.limit + 1)
        .execute();
      const items = rows.slice(0, q.limit);
      const last = items[items.length - 1];
      const f = filterTag({
        projectId: q.projectId,
        toolkitSlug: q.toolkitSlug,
        showDisabled: String(q.showDisabled),
        isManaged: q.isManaged === undefined ? undefined : String(q.isManaged),
        search: q.search,
      });
      const total = await listingTotal(after, f, async () =>
        Number((await base.select((eb) => eb.fn.countAll<string | number>().as('n')).executeTakeFirstOrThrow()).n),
      );
      return { items, total, nextCursor: rows.length > q.limit && last ? encodeCursor({ t: last.created_at, id: last.id, n: total, f }) : null };
    },
  };
}
