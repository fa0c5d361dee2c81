// PostgreSQL for the PG half: BENCH_DATABASE_URL or TEST_DATABASE_URL, one
// fresh schema per world (created first, dropped at the end), pinned through
// the connection's options exactly like test/helpers/child.ts does.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export function pgBaseUrl(): string | undefined {
  return process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL || undefined;
}

export function pgUrlWithSchema(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

export function newSchemaName(): string {
  return `bench_${randomBytes(5).toString('hex')}`;
}

export async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export async function createSchema(url: string, schema: string): Promise<void> {
  await withClient(url, (c) => c.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`));
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  await withClient(url, (c) => c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
}

export async function pgReachable(url: string): Promise<string | undefined> {
  try {
    await withClient(url, (c) => c.query('select 1'));
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}
