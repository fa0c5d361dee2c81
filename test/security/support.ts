// Shared pieces of the security suite (issue #8): hostile inputs, the error
// envelope check, a whole-database fingerprint, and requests with a deadline.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import type { TestApp } from '../helpers/test-app.ts';

/** Fixed seed: a failure reproduces; change it only on purpose. */
export const SEED = 20_260_808;

/** Hostile text: injection, traversal, markup, unicode edge cases. Every one is a valid JSON string. */
export const HOSTILE_STRINGS: readonly string[] = [
  // SQL
  "' OR '1'='1",
  "'; DROP TABLE connected_accounts; --",
  '" OR ""="',
  '1; SELECT pg_sleep(5)--',
  "' UNION SELECT key_hash, project_id FROM api_keys--",
  "%' OR 1=1 --",
  "\\'; --",
  '%',
  '_',
  "ac_x' OR project_id IS NOT NULL --",
  // NoSQL / prototype
  '{"$gt": ""}',
  '{"$ne": null}',
  '$where',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  // traversal
  '../../../../etc/passwd',
  '..%2f..%2f..%2fetc%2fpasswd',
  '....//....//etc/passwd',
  '..\\..\\windows\\win.ini',
  '/etc/passwd%00.json',
  '%2e%2e%2f',
  // markup, templates
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'onmouseover='alert(1)",
  '{{7*7}}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a hostile value, literally
  '${7*7}',
  '</title><script>alert(1)</script>',
  // URLs
  'javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  '//evil.example/cb',
  '/\\evil.example',
  'http://169.254.169.254/latest/meta-data/',
  'file:///etc/passwd',
  // CRLF (header injection into redirects)
  'a\r\nSet-Cookie: pwned=1',
  'x\r\nLocation: https://evil.example',
  // unicode edge cases
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\ud83d',
  '\u202eevil\u202c',
  '\u200f\u200e',
  '\u200b\ufeff',
  '😀👨‍👩‍👧‍👦',
  'Z̵̡̢̛̗̘̙̜̝̞̟̠',
  '\uffff\ufffe\ufffd',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  'ｆｕｌｌｗｉｄｔｈ／',
  // numbers as text, empty, blank
  'NaN',
  'Infinity',
  '-1',
  '1e309',
  '',
  ' ',
  '\t\n',
];

/** Header-safe hostile values (HTTP header values are Latin-1 without CR, LF or NUL on the wire). */
export const HOSTILE_HEADER_VALUES: readonly string[] = HOSTILE_STRINGS.filter((s) => /^[\x20-\x7e\x80-\xff]*$/.test(s));

/** A hostile string within [minLength, maxLength] (slicing may split a surrogate pair: intended). */
export function hostileText(minLength = 0, maxLength = 256): fc.Arbitrary<string> {
  const fit = (s: string) => {
    let v = s.slice(0, maxLength);
    while (v.length < minLength) v += 'x';
    return v;
  };
  return fc
    .oneof(
      { weight: 5, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
      { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...HOSTILE_STRINGS), fc.constantFrom(...HOSTILE_STRINGS)).map(([a, b]) => a + b) },
      { weight: 1, arbitrary: fc.constantFrom('A', '\u00e9', '😀', '\u202e').map((c) => c.repeat(Math.ceil(maxLength / c.length))) },
    )
    .map(fit);
}

/** Every element of the envelope, and the body's status equal to the HTTP status. */
export function assertEnvelope(res: { statusCode: number; headers: Record<string, unknown>; body: string }, label: string): void {
  let body: any;
  try {
    body = JSON.parse(res.body);
  } catch {
    assert.fail(`${label}: ${res.statusCode} is not JSON: ${res.body.slice(0, 200)}`);
  }
  const e = body?.error;
  assert.ok(e && typeof e === 'object', `${label}: no error envelope: ${res.body.slice(0, 300)}`);
  assert.equal(typeof e.message, 'string', `${label}: error.message`);
  assert.equal(typeof e.code, 'number', `${label}: error.code`);
  assert.equal(typeof e.slug, 'string', `${label}: error.slug`);
  assert.equal(e.status, res.statusCode, `${label}: error.status equals the HTTP status`);
  assert.equal(typeof e.request_id, 'string', `${label}: error.request_id`);
  assert.equal(e.request_id, res.headers['x-request-id'], `${label}: request_id is the x-request-id header`);
}

/** Rejects when `p` takes longer than `ms`: a hang is a failure, not a stuck suite. */
export async function withDeadline<T>(p: Promise<T>, ms: number, label: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${label}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

/** app.inject() with a deadline (default 10 s). */
export async function send(t: TestApp, opts: InjectOptions, ms = 10_000): Promise<Answer> {
  const label = `${opts.method ?? 'GET'} ${String(opts.url).slice(0, 120)}`;
  const res = await withDeadline(t.app.inject(opts), ms, label);
  return { statusCode: res.statusCode, headers: res.headers as Record<string, unknown>, body: res.body };
}

/** Names of every table of the store (migration bookkeeping included: it must not change either). */
export async function tableNames(db: Kysely<any>, dialect: 'sqlite' | 'postgres'): Promise<string[]> {
  const rows =
    dialect === 'sqlite'
      ? await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(db)
      : await sql<{
          name: string;
        }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db);
  return rows.rows.map((r) => r.name).sort();
}

/** Every row of every table, order-independent; `ignore` names columns left out (table -> columns). */
export async function dumpDatabase(t: TestApp, ignore: Record<string, string[]> = {}): Promise<Record<string, string[]>> {
  const db = t.runtime.database.db as unknown as Kysely<any>;
  const out: Record<string, string[]> = {};
  for (const name of await tableNames(db, t.runtime.database.dialect)) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db);
    out[name] = rows.rows
      .map((r) => {
        for (const c of ignore[name] ?? []) delete r[c];
        return JSON.stringify(r);
      })
      .sort();
  }
  return out;
}

/** A hash of the whole database plus per-table row counts (for the failure message). */
export async function fingerprint(t: TestApp): Promise<{ hash: string; counts: Record<string, number> }> {
  const dump = await dumpDatabase(t);
  const h = createHash('sha256');
  const counts: Record<string, number> = {};
  for (const [name, rows] of Object.entries(dump)) {
    h.update(`${name}\n${rows.join('\n')}\n`);
    counts[name] = rows.length;
  }
  return { hash: h.digest('hex'), counts };
}

/** Which rows differ between two dumps (for a readable failure). */
export function dumpDiff(before: Record<string, string[]>, after: Record<string, string[]>): string {
  const lines: string[] = [];
  for (const name of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const b = new Set(before[name] ?? []);
    const a = new Set(after[name] ?? []);
    for (const r of a) if (!b.has(r)) lines.push(`+ ${name}: ${r.slice(0, 300)}`);
    for (const r of b) if (!a.has(r)) lines.push(`- ${name}: ${r.slice(0, 300)}`);
  }
  return lines.join('\n');
}

/** Is a JSON body's raw text (or any header) carrying `needle`? */
export function mentions(res: { headers: Record<string, unknown>; body: string }, needle: string): boolean {
  return res.body.includes(needle) || Object.values(res.headers).some((v) => String(v).includes(needle));
}

/** A local upstream that records what it receives and answers `{ok: true}` (it never echoes credentials back). */
export async function startQuietUpstream() {
  const { createServer } = await import('node:http');
  const seen: Array<{ method: string; url: string; headers: Record<string, unknown>; body: string }> = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** fc.assert with a short report: the failing check's own message (which names the request), not the whole counterexample. */
export async function assertProperty<Ts extends [unknown, ...unknown[]]>(
  prop: fc.IAsyncPropertyWithHooks<Ts> | fc.IAsyncProperty<Ts>,
  params: fc.Parameters<Ts>,
): Promise<void> {
  const details = await fc.check(prop, { ...params, endOnFailure: true });
  if (!details.failed) return;
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(`property failed after ${details.numRuns} run(s) (seed ${details.seed}, path ${details.counterexamplePath}):\n${cause.slice(0, 4000)}`);
}

/**
 * Row-level change log for a test store: triggers on every table record each
 * insert, delete and real update (an UPDATE that leaves the row as it was is
 * not a change) into `security_change_log`, so "did this request write
 * anything?" is one cheap query. `ignore` lists columns whose changes do not
 * count (table -> columns). Same semantics as comparing dumpDatabase() before
 * and after, at a fraction of the cost.
 */
export async function installChangeLog(t: TestApp, ignore: Record<string, string[]> = {}) {
  const db = t.runtime.database.db as unknown as Kysely<any>;
  const dialect = t.runtime.database.dialect;
  const tables = (await tableNames(db, dialect)).filter((n) => !n.startsWith('authlink_migrations'));
  if (dialect === 'sqlite') {
    await sql`create table if not exists security_change_log (n integer primary key autoincrement, tbl text not null, op text not null, row_id text)`.execute(
      db,
    );
    for (const table of tables) {
      const cols = (await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(db)).rows
        .map((r) => r.name)
        .filter((c) => !(ignore[table] ?? []).includes(c));
      const changed = cols.map((c) => `OLD."${c}" IS NOT NEW."${c}"`).join(' OR ') || '0';
      const id = cols.includes('id') ? 'id' : cols[0];
      await sql
        .raw(
          `create trigger "scl_${table}_i" after insert on "${table}" begin insert into security_change_log (tbl, op, row_id) values ('${table}', 'I', NEW."${id}"); end`,
        )
        .execute(db);
      await sql
        .raw(
          `create trigger "scl_${table}_d" after delete on "${table}" begin insert into security_change_log (tbl, op, row_id) values ('${table}', 'D', OLD."${id}"); end`,
        )
        .execute(db);
      await sql
        .raw(
          `create trigger "scl_${table}_u" after update on "${table}" when ${changed} begin insert into security_change_log (tbl, op, row_id) values ('${table}', 'U', NEW."${id}"); end`,
        )
        .execute(db);
    }
  } else {
    await sql`create table if not exists security_change_log (n bigserial primary key, tbl text not null, op text not null, row_id text)`.execute(db);
    const ignored = JSON.stringify(ignore).replace(/'/g, "''");
    await sql
      .raw(
        `create or replace function security_change_log_fn() returns trigger language plpgsql as $$
        declare
          skip text[] := coalesce(array(select jsonb_array_elements_text('${ignored}'::jsonb -> TG_TABLE_NAME)), '{}');
          r jsonb;
        begin
          if TG_OP = 'UPDATE' and (to_jsonb(NEW) - skip) = (to_jsonb(OLD) - skip) then return null; end if;
          r := case when TG_OP = 'DELETE' then to_jsonb(OLD) else to_jsonb(NEW) end;
          insert into security_change_log (tbl, op, row_id) values (TG_TABLE_NAME, left(TG_OP, 1), r ->> 'id');
          return null;
        end $$`,
      )
      .execute(db);
    for (const table of tables) {
      await sql
        .raw(`create trigger "scl_${table}" after insert or update or delete on "${table}" for each row execute function security_change_log_fn()`)
        .execute(db);
    }
  }
  const mark = async (): Promise<number> => {
    const r = await sql<{ n: number | string | null }>`select max(n) as n from security_change_log`.execute(db);
    return Number(r.rows[0]?.n ?? 0);
  };
  return {
    mark,
    /**
     * Waits until writes a finished request left in flight (e.g. the proxy's best-effort last_used_at) have landed,
     * so they are not counted against the next request: the log must stay still for two reads 20 ms apart (1 s at most).
     */
    async settle(): Promise<void> {
      let last = await mark();
      for (let i = 0; i < 50; i++) {
        await new Promise((r) => setTimeout(r, 20));
        const now = await mark();
        if (now === last) return;
        last = now;
      }
    },
    async since(mark: number): Promise<string[]> {
      const r = await sql<{
        tbl: string;
        op: string;
        row_id: string | null;
      }>`select tbl, op, row_id from security_change_log where n > ${mark} order by n`.execute(db);
      return r.rows.map((x) => `${x.op} ${x.tbl} ${x.row_id ?? ''}`.trim());
    },
  };
}
