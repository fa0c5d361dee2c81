import type { Kysely } from 'kysely';

// An auth config's tool_access_config (and restrict_to_following_tools, its
// older spelling): JSON text, null when the config restricts nothing. Same
// style as 001: one migration for SQLite and PostgreSQL.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('auth_configs').addColumn('tool_access', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('auth_configs').dropColumn('tool_access').execute();
}
