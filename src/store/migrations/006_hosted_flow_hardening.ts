import type { Kysely } from 'kysely';

// Issue #20 (hosted flow, round two). Same style as 001: text columns, one
// migration for SQLite and PostgreSQL.
export async function up(db: Kysely<any>): Promise<void> {
  // Mix-up defence: which auth config and OAuth client started the
  // authorization, so a callback is refused when either changed meanwhile.
  await db.schema.alterTable('link_sessions').addColumn('oauth_auth_config_id', 'text').execute();
  await db.schema.alterTable('link_sessions').addColumn('oauth_client_id', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('link_sessions').dropColumn('oauth_client_id').execute();
  await db.schema.alterTable('link_sessions').dropColumn('oauth_auth_config_id').execute();
}
