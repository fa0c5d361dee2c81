import type { Kysely } from 'kysely';

// Indexes for GET /connected_accounts (docs/benchmarks.md, "4."). Same style as
// 001: Kysely's schema builder, one migration for SQLite and PostgreSQL.
export async function up(db: Kysely<any>): Promise<void> {
  // One user's total (the first page of ?user_ids=...): with the filtered
  // columns in the index the count is an index-only search, instead of
  // fetching each of the user's rows (spread over the table) to test
  // deleted_at and account_type.
  await db.schema
    .createIndex('connected_accounts_user_count')
    .on('connected_accounts')
    .columns(['project_id', 'user_id', 'account_type', 'deleted_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('connected_accounts_user_count').execute();
}
