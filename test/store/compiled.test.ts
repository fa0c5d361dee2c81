// Issue #18: a query shape compiled once (src/store/compiled.ts) runs with each
// call's values in place of its markers and keeps the shape's own constants,
// on a real SQLite database; plugins see the shape once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { compileOnce } from '../../src/store/compiled.ts';
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
  assert.equal(recorder.nodes.length, 1, 'built and compiled once');
  await db.destroy();
});
