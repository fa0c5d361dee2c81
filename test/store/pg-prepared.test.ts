// Issue #18: on PostgreSQL authlink's queries run as named prepared statements
// (src/store/pg-prepared.ts), parsed once per connection; what is not a data
// statement, or has too many parameters, stays unnamed; a statement prepared
// before a migration changed its table keeps working after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import { PG_URL } from '../helpers/backends.ts';
import { openDatabase, type Database } from '../../src/store/db.ts';
import { statementNamer } from '../../src/store/pg-prepared.ts';

test('which statements get a name', () => {
  const name = statementNamer(3);
  const select = name('select * from "items" where "id" = $1', 1);
  assert.match(select ?? '', /^al_[A-Za-z0-9_-]{16}$/);
  assert.equal(name('select * from "items" where "id" = $1', 1), select, 'the same text, the same name');
  assert.equal(name('  WITH "a" as (insert into "x" values ($1)) insert into "y" values ($2)', 2)?.startsWith('al_'), true);
  for (const text of ['begin', 'commit', 'create table "t" ("a" text)', 'lock table "items"']) assert.equal(name(text, 0), undefined, `${text} stays unnamed`);
  assert.equal(name('insert into "items" values ($1, ..., $65)', 65), undefined, 'more than 64 parameters stays unnamed');
  assert.equal(name('update "items" set "a" = $1', 1)?.startsWith('al_'), true);
  assert.equal(name('delete from "items" where "a" = $1', 1), undefined, 'at most 3 names here: the fourth text stays unnamed');
  assert.equal(name('select * from "items" where "id" = $1', 1), select, 'a named text keeps its name past the cap');
});

test('PostgreSQL: named statements, reused, and still right after the table changes', { skip: PG_URL ? false : 'TEST_DATABASE_URL is not set' }, async (t) => {
  const schema = `prep_${process.pid}_${Date.now().toString(36)}`;
  const database: Database = await openDatabase({ databaseUrl: PG_URL!, pgSchema: schema, poolSize: 1 });
  const db = database.db;
  t.after(async () => {
    await sql.raw(`drop schema "${schema}" cascade`).execute(db);
    await database.close();
  });
  await sql`create table items (id text primary key, owner text)`.execute(db);
  const items = db as unknown as Kysely<{ items: { id: string; owner: string; extra?: string | null } }>;
  await items.insertInto('items').values({ id: 'a', owner: 'o1' }).execute();
  const read = () => items.selectFrom('items').selectAll().where('id', '=', 'a').execute();
  assert.deepEqual(await read(), [{ id: 'a', owner: 'o1' }]);
  assert.deepEqual(await read(), [{ id: 'a', owner: 'o1' }]);
  // One connection (poolSize 1): its prepared statements are the server's view of it.
  const prepared = async () =>
    (await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(db)).rows.filter((r) =>
      r.name.startsWith('al_'),
    );
  const before1 = await prepared();
  assert.ok(
    before1.some((r) => r.statement.startsWith('select * from "items"')),
    `the read is a named statement: ${JSON.stringify(before1)}`,
  );
  assert.ok(!before1.some((r) => /create table/i.test(r.statement)), 'DDL is not prepared');
  const count = before1.length;
  await read();
  assert.equal((await prepared()).length, count, 'run again: nothing new prepared');
  // A migration adds a column: the prepared `select *` would now answer with
  // another row type; it is run again unnamed, and answers right.
  await sql`alter table items add column extra text`.execute(db);
  assert.deepEqual(await read(), [{ id: 'a', owner: 'o1', extra: null }]);
  assert.deepEqual(await read(), [{ id: 'a', owner: 'o1', extra: null }], 'and keeps answering');
  assert.deepEqual(await items.selectFrom('items').select('owner').where('id', '=', 'a').execute(), [{ owner: 'o1' }]);
});

test('PostgreSQL: with prepared statements off (AUTHLINK_PG_PREPARED_STATEMENTS=0) every query is unnamed', {
  skip: PG_URL ? false : 'TEST_DATABASE_URL is not set',
}, async (t) => {
  const schema = `noprep_${process.pid}_${Date.now().toString(36)}`;
  const database = await openDatabase({ databaseUrl: PG_URL!, pgSchema: schema, poolSize: 1, preparedStatements: false });
  t.after(async () => {
    await sql.raw(`drop schema "${schema}" cascade`).execute(database.db);
    await database.close();
  });
  await sql`create table items (id text primary key)`.execute(database.db);
  const items = database.db as unknown as Kysely<{ items: { id: string } }>;
  await items.insertInto('items').values({ id: 'a' }).execute();
  assert.deepEqual(await items.selectFrom('items').selectAll().where('id', '=', 'a').execute(), [{ id: 'a' }]);
  const { rows } = await sql<{ n: string }>`select count(*) as n from pg_prepared_statements`.execute(database.db);
  assert.equal(Number(rows[0].n), 0);
});
