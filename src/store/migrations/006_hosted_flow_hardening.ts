import type { Kysely } from 'kysely';

// Issue #20 (hosted flow, round two). Same style as 001: text columns, one
// migration for SQLite and PostgreSQL.
export async function up(db: Kysely<any>): Promise<void> {
  // Mix-up defence: which auth config and OAuth client started the
  // authorization, so a callback is refused when either changed meanwhile.
  await db.schema.alterTable('link_sessions').addColumn('oauth_auth_config_id', 'text').execute();
  await db.schema.alterTable('link_sessions').addColumn('oauth_client_id', 'text').execute();

  // Callback identity verification: one row per completed connection that
  // waits for the app to redeem its session_uri (stored only as a hash).
  await db.schema
    .createTable('callback_verifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('connected_account_id', 'text', (c) => c.notNull().references('connected_accounts.id'))
    .addColumn('link_session_id', 'text', (c) => c.notNull().references('link_sessions.id'))
    .addColumn('session_uri_hash', 'text', (c) => c.notNull().unique())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('callback_verifications_account').on('callback_verifications').column('connected_account_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('callback_verifications').execute();
  await db.schema.alterTable('link_sessions').dropColumn('oauth_client_id').execute();
  await db.schema.alterTable('link_sessions').dropColumn('oauth_auth_config_id').execute();
}
