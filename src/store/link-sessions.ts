import type { Kysely } from 'kysely';
import type { ConnectedAccountsTable, DB, LinkSessionsTable } from './schema.ts';
import type { Dialect } from './db.ts';

export type LinkSessionRow = LinkSessionsTable;

export function linkSessionsRepo(db: Kysely<DB>, dialect: Dialect) {
  return {
    async insert(row: LinkSessionRow): Promise<void> {
      await db.insertInto('link_sessions').values(row).execute();
    },
    /**
     * A new account and its link session, both or neither. On PostgreSQL one
     * statement (a data-modifying CTE: one round trip, no BEGIN/COMMIT); on
     * SQLite, in-process, two inserts in a transaction.
     */
    async insertWithAccount(account: ConnectedAccountsTable, link: LinkSessionRow): Promise<void> {
      if (dialect === 'postgres') {
        await db
          .with('account', (qb) => qb.insertInto('connected_accounts').values(account).returning('id'))
          .insertInto('link_sessions')
          .values(link)
          .execute();
        return;
      }
      const both = async (q: Kysely<DB>) => {
        await q.insertInto('connected_accounts').values(account).execute();
        await q.insertInto('link_sessions').values(link).execute();
      };
      await (db.isTransaction ? both(db) : db.transaction().execute(both));
    },
    async byTokenHash(hash: string): Promise<LinkSessionRow | undefined> {
      return db.selectFrom('link_sessions').selectAll().where('token_hash', '=', hash).executeTakeFirst();
    },
    async byId(id: string): Promise<LinkSessionRow | undefined> {
      return db.selectFrom('link_sessions').selectAll().where('id', '=', id).executeTakeFirst();
    },
    async byStateHash(hash: string): Promise<LinkSessionRow | undefined> {
      return db.selectFrom('link_sessions').selectAll().where('oauth_state_hash', '=', hash).executeTakeFirst();
    },
    /** Binds the link to the first browser that opens it; later opens from elsewhere get nothing. */
    async bindBrowser(id: string, browserHash: string, csrfToken: string, now: string): Promise<LinkSessionRow | undefined> {
      return db
        .updateTable('link_sessions')
        .set({ browser_hash: browserHash, csrf_token: csrfToken, opened_at: now })
        .where('id', '=', id)
        .where('browser_hash', 'is', null)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
    },
    async setOAuthState(id: string, stateHash: string, verifierEnc: string | null): Promise<void> {
      await db.updateTable('link_sessions').set({ oauth_state_hash: stateHash, pkce_verifier_enc: verifierEnc }).where('id', '=', id).where('consumed_at', 'is', null).execute();
    },
    /** Single use: exactly one caller gets the row back, whatever the concurrency. */
    async consume(id: string, now: string): Promise<LinkSessionRow | undefined> {
      return db
        .updateTable('link_sessions')
        .set({ consumed_at: now })
        .where('id', '=', id)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', now)
        .returningAll()
        .executeTakeFirst();
    },
  };
}
