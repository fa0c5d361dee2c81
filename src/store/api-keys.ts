import type { Kysely } from 'kysely';
import type { ApiKeysTable, DB } from './schema.ts';

export type ApiKeyRecord = ApiKeysTable;

export function apiKeysRepo(db: Kysely<DB>) {
  return {
    async insert(k: ApiKeyRecord): Promise<void> {
      await db.insertInto('api_keys').values(k).execute();
    },
    /** Live key by hash; the revocation condition is part of the query. */
    async findLiveByHash(hash: string): Promise<ApiKeyRecord | undefined> {
      return db.selectFrom('api_keys').selectAll().where('key_hash', '=', hash).where('revoked_at', 'is', null).executeTakeFirst();
    },
    async get(id: string): Promise<ApiKeyRecord | undefined> {
      return db.selectFrom('api_keys').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async listByProject(projectId: string): Promise<ApiKeyRecord[]> {
      return db.selectFrom('api_keys').selectAll().where('project_id', '=', projectId).orderBy('created_at').orderBy('id').execute();
    },
    /** Returns the key row when this call revoked it, undefined when unknown or already revoked. */
    async revoke(id: string, now: string): Promise<ApiKeyRecord | undefined> {
      return db.updateTable('api_keys').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).returningAll().executeTakeFirst();
    },
  };
}
