// The SQLite statements Kysely runs (src/store/sqlite-statements.ts): prepared
// once, and their rows built in JavaScript from better-sqlite3's arrays. Rows
// must be exactly what better-sqlite3 itself returns (keys, their order,
// values and types), on a real SQLite file.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { cachedStatements, STATEMENT_CACHE_SIZE } from '../../src/store/sqlite-statements.ts';

let dir: string;
let plain: SQLite.Database;
let ours: ReturnType<typeof cachedStatements>;

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authlink-stmts-'));
  const file = path.join(dir, 'rows.db');
  plain = new SQLite(file);
  plain.exec(`create table t (id text primary key, n integer, r real, s text, b blob, z text);
    insert into t values ('a', 1, 1.5, 'x', x'00ff', null), ('b', -9007199254740991, 0, '', x'', 'é'), ('c', null, null, null, null, null);`);
  ours = cachedStatements(new SQLite(file));
});
after(() => {
  ours.close();
  plain.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Same rows, same keys in the same order, same prototypes. */
function assertSameRows(actual: unknown[], expected: unknown[]): void {
  assert.deepStrictEqual(actual, expected);
  for (let i = 0; i < expected.length; i++) {
    assert.deepStrictEqual(Object.keys(actual[i] as object), Object.keys(expected[i] as object));
    assert.equal(Object.getPrototypeOf(actual[i]), Object.getPrototypeOf(expected[i]));
  }
}

test('rows read through the cache are the rows better-sqlite3 returns: every storage class, nulls, key order', () => {
  for (const [text, params] of [
    ['select * from t order by id', []],
    ['select z, id, n from t where id in (?, ?) order by id desc', ['a', 'c']],
    ['select id, n + 1 as next, length(b) as len from t where n is not null', []],
    ['select * from t where id = ?', ['nope']],
  ] as Array<[string, unknown[]]>) {
    const expected = plain.prepare(text).all(...params);
    assertSameRows(ours.prepare(text).all(params), expected);
    assertSameRows([...ours.prepare(text).iterate(params)], expected);
  }
});

test('a repeated column name keeps its last value, as better-sqlite3 does; a __proto__ column sets no prototype', () => {
  for (const text of ['select 1 as a, 2 as b, 3 as a', 'select 1 as "__proto__", 2 as a', 'select id as "constructor", n as "toString" from t']) {
    assertSameRows(ours.prepare(text).all([]), plain.prepare(text).all());
  }
  const [row] = ours.prepare('select 1 as "__proto__", 2 as a').all([]) as object[];
  assert.equal(Object.getPrototypeOf(row), Object.prototype);
});

test('writes report their changes, and a RETURNING write its rows', () => {
  const run = ours.prepare('update t set s = ? where id = ?');
  assert.equal(run.reader, false);
  assert.equal(run.run(['y', 'a']).changes, 1);
  const returning = ours.prepare('insert into t (id, n) values (?, ?) returning id, n, s');
  assert.equal(returning.reader, true);
  assert.deepStrictEqual(returning.all(['d', 4]), [{ id: 'd', n: 4, s: null }]);
  assert.deepStrictEqual(plain.prepare('select s from t where id = ?').get('a'), { s: 'y' });
});

test('a statement is prepared once and reused; the oldest goes when the cache is full', () => {
  const first = ours.prepare('select id from t where id = ?');
  assert.equal(ours.prepare('select id from t where id = ?'), first);
  for (let i = 0; i < STATEMENT_CACHE_SIZE; i++) ours.prepare(`select ${i} as k`);
  assert.notEqual(ours.prepare('select id from t where id = ?'), first);
  assert.deepStrictEqual(ours.prepare('select id from t where id = ?').all(['b']), [{ id: 'b' }]);
});
