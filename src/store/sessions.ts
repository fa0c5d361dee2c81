import type { Kysely } from 'kysely';
import type { DB, ToolRouterSessionsTable } from './schema.ts';
import type { AccountRow } from './accounts.ts';
import type { AuthConfigRow } from './auth-configs.ts';

export type SessionRow = ToolRouterSessionsTable;

export function sessionsRepo(db: Kysely<DB>) {
  return {
    async insert(row: SessionRow): Promise<void> {
      await db.insertInto('tool_router_sessions').values(row).execute();
    },
    async get(projectId: string, id: string): Promise<SessionRow | undefined> {
      return db.selectFrom('tool_router_sessions').selectAll().where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
    },
    /**
     * Writes a new config only if the row is still at `fromVersion`, and bumps
     * the version in the same statement: of two concurrent PATCHes based on the
     * same version, exactly one gets a row back.
     */
    async updateConfig(projectId: string, id: string, fromVersion: number, config: string, now: string): Promise<SessionRow | undefined> {
      return db
        .updateTable('tool_router_sessions')
        .set({ config, config_version: fromVersion + 1, updated_at: now })
        .where('project_id', '=', projectId)
        .where('id', '=', id)
        .where('config_version', '=', fromVersion)
        .returningAll()
        .executeTakeFirst();
    },
    /** true when a row was deleted. */
    async delete(projectId: string, id: string): Promise<boolean> {
      const r = await db.deleteFrom('tool_router_sessions').where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    /**
     * Every live account a session might use, in one query: the user's own
     * PRIVATE accounts (of `toolkits` when given) plus the pinned ids. Always
     * scoped to the project, so another project's id is simply not found.
     */
    async candidateAccounts(projectId: string, userId: string, pinnedIds: string[], toolkits?: string[]): Promise<AccountRow[]> {
      if (toolkits && !toolkits.length && !pinnedIds.length) return [];
      // Two indexed reads in one statement: the user's private accounts
      // (project, user) and the pinned ones (primary key). As one OR, SQLite
      // answered from the project's whole index: a tool call read every
      // account of the project (13 calls/s at 100k accounts).
      const live = () => db.selectFrom('connected_accounts').selectAll().where('project_id', '=', projectId).where('deleted_at', 'is', null);
      let own = toolkits?.length === 0 ? undefined : live().where('user_id', '=', userId).where('account_type', '=', 'PRIVATE');
      if (own && toolkits) own = own.where('toolkit_slug', 'in', toolkits);
      const pinned = pinnedIds.length ? live().where('id', 'in', pinnedIds) : undefined;
      if (own && pinned) return own.union(pinned).execute();
      return (own ?? pinned)!.execute();
    },
    /** Auth configs by id, deleted ones included (the resolver treats them as unusable). */
    async authConfigsByIds(projectId: string, ids: string[]): Promise<AuthConfigRow[]> {
      if (!ids.length) return [];
      return db.selectFrom('auth_configs').selectAll().where('project_id', '=', projectId).where('id', 'in', ids).execute();
    },
  };
}
