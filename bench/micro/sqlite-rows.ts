// Micro-benchmark behind docs/benchmarks.md (issue #18, third cuts): the
// store's account read and user list page on SQLite with rows as
// better-sqlite3 builds them, and as src/store/sqlite-statements.ts builds
// them (from better-sqlite3's arrays, in JavaScript). Both through the same
// statement cache, on one seeded file, interleaved; best of 7 rounds.
//   npx tsx bench/micro/sqlite-rows.ts [accounts=1000]
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase } from 'kysely';
import { migrate, openDatabase } from '../../src/store/db.ts';
import { createStore } from '../../src/store/store.ts';
import { cachedStatements } from '../../src/store/sqlite-statements.ts';
import type { DB } from '../../src/store/schema.ts';
import { MICRO_PROJECT, seedMicroProject } from './project.ts';

const N = Number(process.argv[2] ?? 1000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authlink-micro-'));
const file = path.join(dir, 'micro.db');

async function usPerOp(ops: number, fn: (i: number) => Promise<unknown>): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < ops; i++) await fn(i);
  return ((performance.now() - t) * 1000) / ops;
}

const database = await openDatabase({ sqliteFile: file });
await migrate(database);
const projectId = MICRO_PROJECT;
const seed = await seedMicroProject(database, N, { sqliteFile: file });

/** The statement cache as it was before: better-sqlite3's own row objects. */
function ownRows(sqlite: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      let stmt = cache.get(text);
      if (!stmt) {
        stmt = sqlite.prepare(text);
        cache.set(text, stmt);
      }
      return stmt as unknown as ReturnType<SqliteDatabase['prepare']>;
    },
  };
}
const open = (wrap: (s: SQLite.Database) => SqliteDatabase) => {
  const sqlite = new SQLite(file);
  sqlite.pragma('cache_size = -65536');
  return new Kysely<DB>({ dialect: new SqliteDialect({ database: wrap(sqlite) }) });
};
const dbs = { 'better-sqlite3 rows': open(ownRows), 'rows built in JS': open(cachedStatements) };
const stores = Object.entries(dbs).map(([name, db]) => [name, createStore(db, 'sqlite')] as const);
const user = (i: number) => seed.users[(i * 7919) % seed.users.length];
const id = (i: number) => seed.ids[(i * 7919) % seed.ids.length];
const page = (i: number) => ({ projectId, userIds: [user(i)], orderBy: 'created_at' as const, direction: 'desc' as const, limit: 20 });

// Same results first.
for (let i = 0; i < 50; i++) {
  assert.deepStrictEqual(await stores[1][1].accounts.list(page(i)), await stores[0][1].accounts.list(page(i)));
  assert.deepStrictEqual(await stores[1][1].accounts.get(projectId, id(i)), await stores[0][1].accounts.get(projectId, id(i)));
}
const best = new Map<string, number>();
for (let round = 0; round < 7; round++)
  for (const [name, store] of stores) {
    const list = await usPerOp(5000, (i) => store.accounts.list(page(i)));
    const get = await usPerOp(20000, (i) => store.accounts.get(projectId, id(i)));
    best.set(`user list page (20 of 50), ${name}`, Math.min(best.get(`user list page (20 of 50), ${name}`) ?? Infinity, list));
    best.set(`account read, ${name}`, Math.min(best.get(`account read, ${name}`) ?? Infinity, get));
  }
process.stdout.write(`${N.toLocaleString('en-US')} accounts; best of 7 rounds\n`);
for (const [label, us] of best) process.stdout.write(`${label.padEnd(50)} ${us.toFixed(1).padStart(7)} µs/op\n`);
for (const db of Object.values(dbs)) await db.destroy();
await database.close();
fs.rmSync(dir, { recursive: true, force: true });
