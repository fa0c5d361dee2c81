// Callback identity verification (issue #20 E): a completed connection waits
// for the app's server to redeem its session_uri with the user id it expects.
import type { Kysely } from 'kysely';
import type { CallbackVerificationsTable, DB } from './schema.ts';

export type CallbackVerificationRow = CallbackVerificationsTable;

export function verificationsRepo(db: Kysely<DB>) {
  return {
    async insert(row: CallbackVerificationRow): Promise<void> {
      await db.insertInto('callback_verifications').values(row).execute();
    },
    /** Single use: exactly one caller gets the row back, and only before it expires and inside its project. */
    async redeem(projectId: string, sessionUriHash: string, now: string): Promise<CallbackVerificationRow | undefined> {
      return db
        .updateTable('callback_verifications')
        .set({ used_at: now })
        .where('session_uri_hash', '=', sessionUriHash)
        .where('project_id', '=', projectId)
        .where('used_at', 'is', null)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
    },
    /** A redeemed (or refused) reconnect no longer needs its staged credential. */
    async dropPending(id: string): Promise<void> {
      await db.updateTable('callback_verifications').set({ pending_enc: null }).where('id', '=', id).execute();
    },
    /** Staged reconnect credentials nobody redeemed in time are dropped (the sweeper's job). */
    async dropExpiredPending(now: string): Promise<number> {
      const res = await db
        .updateTable('callback_verifications')
        .set({ pending_enc: null })
        .where('pending_enc', 'is not', null)
        .where('expires_at', '<=', now)
        .executeTakeFirst();
      return Number(res.numUpdatedRows);
    },
  };
}
