// Issue #18: a query shape compiled once (src/store/compiled.ts) runs with each
// call's values in place of its markers and keeps the shape's own constants,
// on a real SQLite database; the instance's plugins see every run, always the
// one operation tree built for the shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { BoundRows, compileByKey, compileOnce } from '../../src/store/compiled.ts';
import { QueryRecorder } from '../helpers/query-recorder.ts';

interface Db {
  items: { id: string; owner: string; status: string; note: string | null };
}

test('each run binds its own values; constants of the shape stay; the SQL is compiled once', async () => {
  const sqlite = new SQLite(':memory:');
  sqlite.exec(
    "CREATE TABLE items (id TEXT, owner TEXT, status TEXT, note TEXT); INSERT INTO items VALUES ('a','o1','ACTIVE',NULL),('b','o1','FAILED',NULL),('c','o2','ACTIVE','x'),('d','o2','ACTIVE',NULL)",
  );
  const recorder = new QueryRecorder();
  const db = new Kysely<Db>({ dialect: new SqliteDialect({ database: sqlite }) }).withPlugin(recorder);
  const active = compileOnce(db, (q, p: (name: 'owner' | 'min') => string) =>
    q
      .selectFrom('items')
      .select('id')
      .where('owner', '=', p('owner'))
      .where('status', '=', 'ACTIVE')
      .where('note', 'is', null)
      .where('id', '>=', p('min'))
      .orderBy('id'),
  );
  assert.deepEqual(await active({ owner: 'o1', min: 'a' }), [{ id: 'a' }]);
  assert.deepEqual(await active({ owner: 'o2', min: 'a' }), [{ id: 'd' }]);
  assert.deepEqual(await active({ owner: 'o2', min: 'e' }), []);
  // A value that looks like anything is only a value.
  assert.deepEqual(await active({ owner: "o1' OR 1=1 --", min: '' }), []);
  assert.equal(recorder.nodes.length, 4, 'the plugin saw every run');
  assert.ok(
    recorder.nodes.every((n) => n === recorder.nodes[0]),
    'always the same operation tree: built and compiled once',
  );
  await db.destroy();
});

test('multi-row statements: one shape per row count and column order, values bound by position', async () => {
  const sqlite = new SQLite(':memory:');
  sqlite.exec('CREATE TABLE items (id TEXT PRIMARY KEY, owner TEXT, status TEXT, note TEXT)');
  const recorder = new QueryRecorder();
  const db = new Kysely<Db>({ dialect: new SqliteDialect({ database: sqlite }) }).withPlugin(recorder);
  const run = compileByKey<Db>();
  const insert = async (rows: Db['items'][]) => {
    const bound = new BoundRows();
    const marked = bound.rows(rows);
    await run(db, bound, (p) => db.insertInto('items').values(marked(p)));
    return bound.key;
  };
  const row = (id: string, note: string | null = null) => ({ id, owner: `owner-${id}`, status: 'ACTIVE', note });
  const two = await insert([row('a'), row('b', 'x')]);
  assert.equal(await insert([row('c'), row('d')]), two, 'same columns, same count: same shape');
  const one = await insert([row('e', `\u0000authlink-param:0`)]);
  assert.notEqual(one, two);
  // Same columns in another order: another shape, each value still in its own column.
  await insert([{ note: 'n', status: 'FAILED', owner: 'owner-f', id: 'f' }]);
  assert.deepEqual(sqlite.prepare('SELECT * FROM items ORDER BY id').all(), [
    { id: 'a', owner: 'owner-a', status: 'ACTIVE', note: null },
    { id: 'b', owner: 'owner-b', status: 'ACTIVE', note: 'x' },
    { id: 'c', owner: 'owner-c', status: 'ACTIVE', note: null },
    { id: 'd', owner: 'owner-d', status: 'ACTIVE', note: null },
    { id: 'e', owner: 'owner-e', status: 'ACTIVE', note: '\u0000authlink-param:0' },
    { id: 'f', owner: 'owner-f', status: 'FAILED', note: 'n' },
  ]);
  const shapes = new Set(recorder.nodes);
  assert.equal(recorder.nodes.length, 4, 'the plugin saw each of the four statements');
  assert.equal(shapes.size, 3, 'three shapes built: two rows, one row, one row in another column order');
  // A failing run (a taken key) fails like any statement and binds nothing else.
  await assert.rejects(insert([row('g'), row('a')]), /UNIQUE/);
  assert.equal((sqlite.prepare("SELECT count(*) AS n FROM items WHERE id = 'g'").get() as { n: number }).n, 0);
  await db.destroy();
});
