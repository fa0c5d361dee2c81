// Micro-benchmark behind docs/benchmarks.md: what one account read costs in
// the store layer on SQLite, with authlink's statement cache (src/store/db.ts)
// and as it was before (Kysely's SqliteDriver prepares every statement anew),
// plus the count(*) and keyset queries of GET /connected_accounts.
//   npx tsx bench/micro/sqlite-statements.ts [accounts=100000]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { migrate, openDatabase } from '../../src/store/db.ts';
import type { DB } from '../../src/store/schema.ts';
import { createStore } from '../../src/store/store.ts';
import { MICRO_AUTH_CONFIG, MICRO_PROJECT, seedMicroProject } from './project.ts';

const N = Number(process.argv[2] ?? 100_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authlink-micro-'));
const file = path.join(dir, 'micro.db');

function time(label: string, ops: number, fn: (i: number) => unknown): void {
  for (let i = 0; i < Math.min(ops, 2000); i++) fn(i); // warm-up
  const t = performance.now();
  for (let i = 0; i < ops; i++) fn(i);
  const us = ((performance.now() - t) * 1000) / ops;
  process.stdout.write(`${label.padEnd(58)} ${us.toFixed(1).padStart(8)} µs/op\n`);
}

async function timeAsync(label: string, ops: number, fn: (i: number) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < Math.min(ops, 2000); i++) await fn(i);
  const t = performance.now();
  for (let i = 0; i < ops; i++) await fn(i);
  const us = ((performance.now() - t) * 1000) / ops;
  process.stdout.write(`${label.padEnd(58)} ${us.toFixed(1).padStart(8)} µs/op\n`);
}

const database = await openDatabase({ sqliteFile: file });
await migrate(database);
const projectId = MICRO_PROJECT;
const seed = await seedMicroProject(database, N, { sqliteFile: file });
process.stdout.write(`${N.toLocaleString('en-US')} accounts seeded in ${seed.seconds.toFixed(1)} s\n\n`);

const ids = seed.ids;
const authlink = createStore(database.db, 'sqlite'); // openDatabase: with the statement cache
const raw = new SQLite(file);
const uncachedKysely = new Kysely<DB>({ dialect: new SqliteDialect({ database: new SQLite(file) }) });
const before = createStore(uncachedKysely, 'sqlite');
const select = 'select * from "connected_accounts" where "id" = ? and "project_id" = ? and "deleted_at" is null';
const stmt = raw.prepare(select);

const OPS = 20_000;
await timeAsync('store.accounts.get, Kysely preparing per query (before)', OPS, (i) => before.accounts.get(projectId, ids[i % ids.length]));
await timeAsync('store.accounts.get, authlink (statement cache)', OPS, (i) => authlink.accounts.get(projectId, ids[i % ids.length]));
time('better-sqlite3 prepare() + get() per query', OPS, (i) => raw.prepare(select).get(ids[i % ids.length], projectId));
time('better-sqlite3 prepare() alone', OPS, () => raw.prepare(select));
time('better-sqlite3 cached statement get()', OPS, (i) => stmt.get(ids[i % ids.length], projectId));
const big = new SQLite(file);
big.pragma('cache_size = -65536'); // 64 MiB instead of the default 2 MiB
const bigStmt = big.prepare(select);
time('  ... same, with cache_size = 64 MiB', OPS, (i) => bigStmt.get(ids[i % ids.length], projectId));
const ro = big.prepare('select "id" from "connected_accounts" where "id" = ? and "project_id" = ?');
time('  ... only the id column (no row decode), 64 MiB cache', OPS, (i) => ro.get(ids[i % ids.length], projectId));
big.close();
await timeAsync('store.projects.get, authlink (no read cache here)', OPS, () => authlink.projects.get(projectId));
await timeAsync('store.authConfigs.getAny, authlink (no read cache here)', OPS, () => authlink.authConfigs.getAny(projectId, MICRO_AUTH_CONFIG));

const count = raw.prepare(`select count(*) as n from "connected_accounts" where "project_id" = ? and "deleted_at" is null and "account_type" in (?)`);
time(`count(*) of the project's ${N.toLocaleString('en-US')} accounts (first list page only)`, 20, () => count.get(projectId, 'PRIVATE'));
process.stdout.write(
  `\nplan of that count: ${JSON.stringify(
    raw
      .prepare(`explain query plan select count(*) from "connected_accounts" where "project_id" = ? and "deleted_at" is null and "account_type" in (?)`)
      .all(projectId, 'PRIVATE')
      .map((r) => (r as { detail: string }).detail),
  )}\n`,
);

// The keyset page of GET /connected_accounts?cursor=... as Kysely writes it (an OR), and as a row-value comparison.
const c = JSON.parse(Buffer.from(seed.deepCursors[seed.deepCursors.length >> 1], 'base64url').toString()) as { t: string; id: string };
const where = `"project_id" = ? and "deleted_at" is null and "account_type" in (?)`;
const pages: Array<[string, string, unknown[]]> = [
  [
    'deep page, (created_at < t or (created_at = t and id < i)) (before)',
    `select * from "connected_accounts" where ${where} and ("created_at" < ? or ("created_at" = ? and "id" < ?)) order by "created_at" desc, "id" desc limit 21`,
    [projectId, 'PRIVATE', c.t, c.t, c.id],
  ],
  [
    'deep page, (created_at, id) < (t, i) row value (authlink)',
    `select * from "connected_accounts" where ${where} and ("created_at", "id") < (?, ?) order by "created_at" desc, "id" desc limit 21`,
    [projectId, 'PRIVATE', c.t, c.id],
  ],
];
for (const [label, text, params] of pages) {
  const st = raw.prepare(text);
  time(label, 200, () => st.all(...params));
  process.stdout.write(
    `  plan: ${JSON.stringify(
      raw
        .prepare(`explain query plan ${text}`)
        .all(...params)
        .map((r) => (r as { detail: string }).detail),
    )}\n`,
  );
}

// One user's page and count (GET /connected_accounts?user_ids=u&limit=20): the user's 50 rows are spread over the table.
const userWhere = `"project_id" = ? and "deleted_at" is null and "account_type" in (?) and "user_id" in (?)`;
const userPage = `select * from "connected_accounts" where ${userWhere} order by "created_at" desc, "id" desc limit 21`;
const userCount = `select count(*) as n from "connected_accounts" where ${userWhere}`;
const users = seed.users;
for (const [label, conn] of [
  ['default 2 MiB page cache', new SQLite(file)],
  [
    '64 MiB page cache',
    (() => {
      const d = new SQLite(file);
      d.pragma('cache_size = -65536');
      return d;
    })(),
  ],
] as const) {
  const page = conn.prepare(userPage);
  const cnt = conn.prepare(userCount);
  time(`user page, ${label}`, 5000, (i) => page.all(projectId, 'PRIVATE', users[(i * 7919) % users.length]));
  time(`user count, ${label}`, 5000, (i) => cnt.get(projectId, 'PRIVATE', users[(i * 7919) % users.length]));
  conn.close();
}
// Migration 004's covering index (project_id, user_id, account_type, deleted_at) serves the user count:
process.stdout.write(
  `  plan: ${JSON.stringify(
    raw
      .prepare(`explain query plan ${userCount}`)
      .all(projectId, 'PRIVATE', users[0])
      .map((r) => (r as { detail: string }).detail),
  )}\n`,
);

raw.close();
await uncachedKysely.destroy();
await database.close();
fs.rmSync(dir, { recursive: true, force: true });
