// PostgreSQL plans behind the list findings in docs/benchmarks.md: the page
// query and the count(*) that GET /connected_accounts runs, on a fresh schema
// with N seeded accounts, as EXPLAIN (ANALYZE, BUFFERS) shows them.
//   BENCH_DATABASE_URL=postgres://... npx tsx bench/micro/pg-list-plans.ts [accounts=1000000]
import { randomBytes } from 'node:crypto';
import { migrate, openDatabase } from '../../src/store/db.ts';
import { dropSchema, newSchemaName, pgBaseUrl, pgUrlWithSchema, withClient } from '../lib/pg.ts';
import { seedAccounts } from '../lib/seed.ts';

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
  const now = new Date().toISOString();
  await database.db.insertInto('projects').values({ id: 'prj_micro', name: 'micro', settings: '{}', created_at: now, updated_at: now }).execute();
  await database.db
    .insertInto('auth_configs')
    .values({
      id: 'ac_micro',
      project_id: 'prj_micro',
      toolkit_slug: 'echoapi',
      name: 'micro',
      auth_scheme: 'API_KEY',
      is_composio_managed: 0,
      status: 'ENABLED',
      settings: '{}',
      secrets_enc: null,
      created_at: now,
      updated_at: now,
      deleted_at: null,
    })
    .execute();
  const url = pgUrlWithSchema(base, schema);
  const seed = await seedAccounts({
    n: N,
    projectId: 'prj_micro',
    authConfigId: 'ac_micro',
    toolkitSlug: 'echoapi',
    encryptionKey: randomBytes(32).toString('base64'),
    pgUrl: url,
  });
  process.stdout.write(`${N.toLocaleString('en-US')} accounts seeded in ${seed.seconds.toFixed(1)} s\n`);
  const cursor = JSON.parse(Buffer.from(seed.deepCursors[seed.deepCursors.length >> 1], 'base64url').toString()) as { t: string; id: string };
  // The statements of GET /connected_accounts?limit=20&cursor=... (src/store/accounts.ts list()), before and now.
  const where = `"project_id" = $1 and "deleted_at" is null and "account_type" in ($2)`;
  const queries: Array<[string, string, unknown[]]> = [
    [
      'deep page, keyset as an OR (before)',
      `select * from "connected_accounts" where ${where} and ("created_at" < $3 or ("created_at" = $4 and "id" < $5)) order by "created_at" desc, "id" desc limit $6`,
      ['prj_micro', 'PRIVATE', cursor.t, cursor.t, cursor.id, 21],
    ],
    [
      'deep page, row-value keyset (authlink)',
      `select * from "connected_accounts" where ${where} and ("created_at", "id") < ($3, $4) order by "created_at" desc, "id" desc limit $5`,
      ['prj_micro', 'PRIVATE', cursor.t, cursor.id, 21],
    ],
    ['total_items count (first page only)', `select count(*) as "n" from "connected_accounts" where ${where}`, ['prj_micro', 'PRIVATE']],
    ["one user's count", `select count(*) as "n" from "connected_accounts" where ${where} and "user_id" in ($3)`, ['prj_micro', 'PRIVATE', seed.users[0]]],
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
