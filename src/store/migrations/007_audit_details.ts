import type { Kysely } from 'kysely';

// What an audited action changed (e.g. which project settings, from what to
// what), as JSON. Existing rows (credential reveals) keep NULL: the action
// name says it all.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('audit_log').addColumn('details', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('audit_log').dropColumn('details').execute();
}
