// PostgreSQL plans behind the list findings in docs/benchmarks.md: the page
// query and the count(*) that GET /connected_accounts runs, on a fresh schema
// with N seeded accounts, as EXPLAIN (ANALYZE, BUFFERS) shows them.
//   BENCH_DATABASE_URL=postgres://... npx tsx bench/micro/pg-list-plans.ts [accounts=1000000]
import { migrate, openDatabase } from '../../src/store/db.ts';
import { dropSchema, newSchemaName, pgBaseUrl, pgUrlWithSchema, withClient } from '../lib/pg.ts';
import { MICRO_PROJECT, seedMicroProject } from './project.ts';

const N = Number(process.argv[2] ?? 1_000_000);
const base = pgBaseUrl();
if (!base) {
  process.stderr.write('set BENCH_DATABASE_URL or TEST_DATABASE_URL\n');
  process.exit(1);
}
const schema = newSchemaName();
const database = await openDatabase({ databaseUrl: base, pgSchema: schema });
try {
  await migrate(database);
  const url = pgUrlWithSchema(base, schema);
  const seed = await seedMicroProject(database, N, { pgUrl: url });
  process.stdout.write(`${N.toLocaleString('en-US')} accounts seeded in ${seed.seconds.toFixed(1)} s\n`);
  const cursor = JSON.parse(Buffer.from(seed.deepCursors[seed.deepCursors.length >> 1], 'base64url').toString()) as { t: string; id: string };
  // The statements of GET /connected_accounts?limit=20&cursor=... (src/store/accounts.ts list()), before and now.
  const where = `"project_id" = $1 and "deleted_at" is null and "account_type" in ($2)`;
  const queries: Array<[string, string, unknown[]]> = [
    [
      'deep page, keyset as an OR (before)',
      `select * from "connected_accounts" where ${where} and ("created_at" < $3 or ("created_at" = $4 and "id" < $5)) order by "created_at" desc, "id" desc limit $6`,
      [MICRO_PROJECT, 'PRIVATE', cursor.t, cursor.t, cursor.id, 21],
    ],
    [
      'deep page, row-value keyset (authlink)',
      `select * from "connected_accounts" where ${where} and ("created_at", "id") < ($3, $4) order by "created_at" desc, "id" desc limit $5`,
      [MICRO_PROJECT, 'PRIVATE', cursor.t, cursor.id, 21],
    ],
    ['total_items count (first page only)', `select count(*) as "n" from "connected_accounts" where ${where}`, [MICRO_PROJECT, 'PRIVATE']],
    ["one user's count", `select count(*) as "n" from "connected_accounts" where ${where} and "user_id" in ($3)`, [MICRO_PROJECT, 'PRIVATE', seed.users[0]]],
  ];
  await withClient(url, async (c) => {
    for (const [label, text, params] of queries) {
      await c.query(text, params); // warm the cache
      const r = await c.query(`explain (analyze, buffers) ${text}`, params);
      process.stdout.write(`\n-- ${label}\n${r.rows.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n')}\n`);
    }
  });
} finally {
  await database.close();
  await dropSchema(base, schema);
}
