import type { Kysely } from 'kysely';

// is_enabled_for_tool_router of an auth config: 0 keeps tool-router sessions
// from using it (its accounts, its links); direct API use is unaffected.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('auth_configs')
    .addColumn('tool_router_enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('auth_configs').dropColumn('tool_router_enabled').execute();
}
