// Fast seeding of N ACTIVE API-key accounts straight into the store, for the
// scaling runs. The rows are what legacy `POST /connected_accounts` with
// state.val writes (checked against one by the world's validation): random
// `ca_` ids, `credentials_enc` sealed per row with the server's key and the
// row's AAD (src/crypto/fields.ts via sealAccountCredentials) with its masked
// view, as every credential written since migration 016 has.
// SQLite: one prepared INSERT in large transactions; PostgreSQL: multi-row
// INSERT ... SELECT FROM unnest(arrays) in batches, synchronous_commit off for
// this session only, then VACUUM ANALYZE (what autovacuum would do).
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { createKeyRing, parseKeys } from '../../src/crypto/keyring.ts';
import { newId } from '../../src/crypto/tokens.ts';
import { newWordId, sealAccountCredentials } from '../../src/services/account-view.ts';
import { encodeCursor } from '../../src/store/cursor.ts';

export const ACCOUNTS_PER_USER = 50;

export interface SeedSpec {
  n: number;
  projectId: string;
  authConfigId: string;
  toolkitSlug: string;
  encryptionKey: string;
  sqliteFile?: string;
  pgUrl?: string;
}

export interface SeedResult {
  seconds: number;
  /** Ids spread over the whole table, for GET. */
  ids: string[];
  /** user ids that own ACCOUNTS_PER_USER accounts each. */
  users: string[];
  /** Cursors pointing between 1/4 and 3/4 into the project's newest-first listing. */
  deepCursors: string[];
}

interface Row {
  id: string;
  user_id: string;
  word_id: string;
  credentials_enc: string;
  credentials_view: string;
  created_at: string;
}

function* batches(spec: SeedSpec, size: number, sample: SeedResult): Generator<Row[]> {
  const keyRing = createKeyRing(parseKeys(spec.encryptionKey));
  const users = Math.max(1, Math.floor(spec.n / ACCOUNTS_PER_USER));
  const start = Date.now() - spec.n * 10 - 60_000; // oldest first, 10 ms apart, all before the run
  const idEvery = Math.max(1, Math.floor(spec.n / 5000));
  const cursorEvery = Math.max(1, Math.floor(spec.n / 400));
  let batch: Row[] = [];
  for (let i = 0; i < spec.n; i++) {
    const id = newId('ca');
    const created_at = new Date(start + i * 10).toISOString();
    const row: Row = {
      id,
      user_id: `user-${i % users}`,
      word_id: newWordId(spec.toolkitSlug),
      ...sealAccountCredentials(keyRing, { project_id: spec.projectId, id }, { api_key: `sk_seed_${i.toString(36).padStart(8, '0')}_${id.slice(3)}` }),
      created_at,
    };
    if (i % idEvery === 0) sample.ids.push(id);
    // Newest-first position of row i is n-1-i; keep the middle half.
    const depth = spec.n - 1 - i;
    if (i % cursorEvery === 0 && depth >= spec.n / 4 && depth <= (3 * spec.n) / 4) sample.deepCursors.push(encodeCursor({ t: created_at, id }));
    batch.push(row);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length) yield batch;
  for (let u = 0; u < Math.min(users, 5000); u++) sample.users.push(`user-${Math.floor((u * users) / Math.min(users, 5000))}`);
}

function seedSqlite(spec: SeedSpec, sample: SeedResult): void {
  const db = new SQLite(spec.sqliteFile!);
  try {
    db.pragma('busy_timeout = 30000');
    db.pragma('cache_size = -262144'); // 256 MiB for this connection: the random-id primary key
    // A build from before migration 016 (bench/ab.ts --other) has no stored view.
    const view = db.prepare(`select 1 from pragma_table_info('connected_accounts') where name = 'credentials_view'`).get() !== undefined;
    const insert = db.prepare(
      `insert into connected_accounts (id, project_id, auth_config_id, toolkit_slug, user_id, alias, word_id, account_type, acl, status, status_reason, is_disabled, data, credentials_enc, ${view ? 'credentials_view, ' : ''}requested_scopes, granted_scopes, token_expires_at, refresh_lock_owner, refresh_lock_until, refresh_failures, next_refresh_at, last_used_at, created_at, updated_at, deleted_at)
       values (?, ?, ?, ?, ?, null, ?, 'PRIVATE', null, 'ACTIVE', null, 0, '{}', ?, ${view ? '?, ' : ''}null, null, null, null, null, 0, null, null, ?, ?, null)`,
    );
    const write = db.transaction((rows: Row[]) => {
      for (const r of rows)
        insert.run(
          r.id,
          spec.projectId,
          spec.authConfigId,
          spec.toolkitSlug,
          r.user_id,
          r.word_id,
          r.credentials_enc,
          ...(view ? [r.credentials_view] : []),
          r.created_at,
          r.created_at,
        );
    });
    for (const rows of batches(spec, 25_000, sample)) write(rows);
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

async function seedPostgres(spec: SeedSpec, sample: SeedResult): Promise<void> {
  // Two connections writing alternately: one encrypts the next batch while the other's INSERT runs.
  const clients = [new pg.Client({ connectionString: spec.pgUrl }), new pg.Client({ connectionString: spec.pgUrl })];
  await Promise.all(clients.map((c) => c.connect()));
  try {
    for (const c of clients) await c.query('SET synchronous_commit = off');
    // A build from before migration 016 (bench/ab.ts --other) has no stored view.
    const { rowCount } = await clients[0].query(
      `select 1 from information_schema.columns where table_schema = current_schema() and table_name = 'connected_accounts' and column_name = 'credentials_view'`,
    );
    const view = rowCount === 1;
    const text = `insert into connected_accounts (id, project_id, auth_config_id, toolkit_slug, user_id, word_id, account_type, status, is_disabled, data, credentials_enc, ${view ? 'credentials_view, ' : ''}refresh_failures, created_at, updated_at)
      select u.id, $1, $2, $3, u.user_id, u.word_id, 'PRIVATE', 'ACTIVE', 0, '{}', u.cred, ${view ? 'u.view, ' : ''}0, u.created_at, u.created_at
      from unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[]) as u(id, user_id, word_id, cred, view, created_at)`;
    const inflight: Array<Promise<unknown> | undefined> = [undefined, undefined];
    let k = 0;
    for (const rows of batches(spec, 5_000, sample)) {
      const slot = k++ % 2;
      await inflight[slot];
      inflight[slot] = clients[slot].query(text, [
        spec.projectId,
        spec.authConfigId,
        spec.toolkitSlug,
        rows.map((r) => r.id),
        rows.map((r) => r.user_id),
        rows.map((r) => r.word_id),
        rows.map((r) => r.credentials_enc),
        rows.map((r) => r.credentials_view),
        rows.map((r) => r.created_at),
      ]);
      // Let the socket write happen before the next batch is built.
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(inflight);
    await clients[0].query('VACUUM ANALYZE connected_accounts');
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

export async function seedAccounts(spec: SeedSpec): Promise<SeedResult> {
  const sample: SeedResult = { seconds: 0, ids: [], users: [], deepCursors: [] };
  const t0 = Date.now();
  if (spec.n > 0) {
    if (spec.sqliteFile) seedSqlite(spec, sample);
    else await seedPostgres(spec, sample);
  }
  sample.seconds = (Date.now() - t0) / 1000;
  return sample;
}
