import type { Kysely } from 'kysely';

// Operator console sign-ins (issue #19). The browser holds a random token;
// only its hash is stored. project_id/api_key_id are null for the operator
// token (all projects); a project key's session ends with its key, an
// operator's when AUTHLINK_CONSOLE_TOKEN changes (operator_tag names the token).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('console_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('project_id', 'text', (c) => c.references('projects.id'))
    .addColumn('api_key_id', 'text', (c) => c.references('api_keys.id'))
    .addColumn('operator_tag', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('console_sessions_api_key').on('console_sessions').column('api_key_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('console_sessions').execute();
}
