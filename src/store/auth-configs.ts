import { sql, type Kysely } from 'kysely';
import type { AuthConfigsTable, DB } from './schema.ts';
import { decodeCursor, encodeCursor, type Page } from './cursor.ts';

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
      return db.selectFrom('auth_configs').selectAll().where('id', '=', id).where('project_id', '=', projectId).where('deleted_at', 'is', null).executeTakeFirst();
    },
    /** Also a deleted one: accounts keep showing their auth config's scheme. */
    async getAny(projectId: string, id: string): Promise<AuthConfigRow | undefined> {
      return db.selectFrom('auth_configs').selectAll().where('id', '=', id).where('project_id', '=', projectId).executeTakeFirst();
    },
    async update(projectId: string, id: string, patch: Partial<Pick<AuthConfigRow, 'name' | 'status' | 'settings' | 'secrets_enc' | 'updated_at' | 'deleted_at'>>): Promise<AuthConfigRow | undefined> {
      return db
        .updateTable('auth_configs')
        .set(patch)
        .where('id', '=', id)
        .where('project_id', '=', projectId)
        .where('deleted_at', 'is', null)
        .returningAll()
        .executeTakeFirst();
    },
    /** Keyset page, newest first: O(limit) whatever the table size. */
    async list(q: AuthConfigQuery): Promise<Page<AuthConfigRow>> {
      let query = db.selectFrom('auth_configs').selectAll().where('project_id', '=', q.projectId).where('deleted_at', 'is', null);
      if (q.toolkitSlug) query = query.where('toolkit_slug', '=', q.toolkitSlug);
      if (!q.showDisabled) query = query.where('status', '=', 'ENABLED');
      if (q.isManaged !== undefined) query = query.where('is_composio_managed', '=', q.isManaged ? 1 : 0);
      if (q.search) query = query.where(sql<boolean>`lower(name) like ${likePattern(q.search)} escape '!'`);
      const after = decodeCursor(q.cursor);
      if (after) query = query.where((eb) => eb.or([eb('created_at', '<', after.t), eb.and([eb('created_at', '=', after.t), eb('id', '<', after.id)])]));
      const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit + 1).execute();
      const items = rows.slice(0, q.limit);
      const last = items[items.length - 1];
      return { items, nextCursor: rows.length > q.limit && last ? encodeCursor({ t: last.created_at, id: last.id }) : null };
    },
    async count(projectId: string, toolkitSlug?: string, showDisabled = true): Promise<number> {
      let query = db.selectFrom('auth_configs').select((eb) => eb.fn.countAll<string | number>().as('n')).where('project_id', '=', projectId).where('deleted_at', 'is', null);
      if (toolkitSlug) query = query.where('toolkit_slug', '=', toolkitSlug);
      if (!showDisabled) query = query.where('status', '=', 'ENABLED');
      return Number((await query.executeTakeFirstOrThrow()).n);
    },
  };
}
