import type { Kysely } from 'kysely';
import type { DB, DownloadsTable } from './schema.ts';

export type DownloadRow = DownloadsTable;

export function downloadsRepo(db: Kysely<DB>) {
  return {
    async insert(row: DownloadRow): Promise<void> {
      await db.insertInto('downloads').values(row).execute();
    },
    /** A download that has not expired, by the hash of its token (the expiry is part of the query). */
    async byTokenHash(hash: string, now: string): Promise<DownloadRow | undefined> {
      return db.selectFrom('downloads').selectAll().where('token_hash', '=', hash).where('expires_at', '>', now).executeTakeFirst();
    },
    /** Removes expired downloads; returns how many. */
    async deleteExpired(now: string): Promise<number> {
      const r = await db.deleteFrom('downloads').where('expires_at', '<=', now).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
