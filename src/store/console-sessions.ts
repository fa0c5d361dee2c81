// Operator console sessions (src/console/sessions.ts): found by the hash of
// the cookie's token, with both expiries and the API key's revocation in the
// query, so a revoked key or an expired session never reads as live.
import type { Kysely } from 'kysely';
import type { ConsoleSessionsTable, DB } from './schema.ts';

export type ConsoleSessionRow = ConsoleSessionsTable;

export function consoleSessionsRepo(db: Kysely<DB>) {
  return {
    async insert(row: ConsoleSessionRow): Promise<void> {
      await db.insertInto('console_sessions').values(row).execute();
    },
    /** The live session: not past its absolute expiry, seen after `idleSince`, and (a project key's) key not revoked. */
    async findLive(tokenHash: string, now: string, idleSince: string): Promise<ConsoleSessionRow | undefined> {
      return db
        .selectFrom('console_sessions as s')
        .leftJoin('api_keys as k', 'k.id', 's.api_key_id')
        .selectAll('s')
        .where('s.token_hash', '=', tokenHash)
        .where('s.expires_at', '>', now)
        .where('s.last_seen_at', '>', idleSince)
        .where((eb) => eb.or([eb('s.api_key_id', 'is', null), eb('k.revoked_at', 'is', null)]))
        .executeTakeFirst();
    },
    async touch(id: string, now: string): Promise<void> {
      await db.updateTable('console_sessions').set({ last_seen_at: now }).where('id', '=', id).execute();
    },
    async deleteByHash(tokenHash: string): Promise<void> {
      await db.deleteFrom('console_sessions').where('token_hash', '=', tokenHash).execute();
    },
    /** Ends every console session signed in with this key (the key was revoked). */
    async deleteByApiKey(apiKeyId: string): Promise<void> {
      await db.deleteFrom('console_sessions').where('api_key_id', '=', apiKeyId).execute();
    },
    /** Removes sessions past either expiry (run at each sign-in); returns how many. */
    async deleteExpired(now: string, idleSince: string): Promise<number> {
      const res = await db
        .deleteFrom('console_sessions')
        .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', idleSince)]))
        .executeTakeFirst();
      return Number(res.numDeletedRows);
    },
  };
}
