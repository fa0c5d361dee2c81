import { sql, type Kysely } from 'kysely';

// Alias uniqueness among live accounts (001) indexed every live account,
// those without an alias too, although only an alias can collide (NULLs are
// distinct in a unique index). Most accounts have none, and every link
// creation paid an index page for it: on SQLite each page a transaction
// touches is a page written to the WAL (docs/benchmarks.md, issue #18). Same
// rule, same name, only accounts that have an alias.
const LIVE = `deleted_at is null and status in ('INITIALIZING', 'INITIATED', 'ACTIVE', 'INACTIVE')`;

async function aliasIndex(db: Kysely<any>, where: string): Promise<void> {
  await db.schema.dropIndex('connected_accounts_alias_live').execute();
  await db.schema
    .createIndex('connected_accounts_alias_live')
    .on('connected_accounts')
    .columns(['project_id', 'user_id', 'toolkit_slug', 'alias'])
    .unique()
    .where(sql.raw<boolean>(where))
    .execute();
}

export async function up(db: Kysely<any>): Promise<void> {
  await aliasIndex(db, `alias is not null and ${LIVE}`);
}

export async function down(db: Kysely<any>): Promise<void> {
  await aliasIndex(db, LIVE);
}
