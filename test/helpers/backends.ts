// Runs a suite on every store backend: SQLite always, PostgreSQL when
// TEST_DATABASE_URL is set (.ci/run sets it); otherwise the PostgreSQL half is
// skipped with a visible message.
import { describe } from 'node:test';

export type Backend = 'sqlite' | 'postgres';

export const PG_URL = process.env.TEST_DATABASE_URL;

export function backends(): Backend[] {
  return PG_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

let warned = false;
export function forEachBackend(name: string, fn: (backend: Backend) => void): void {
  for (const backend of backends()) describe(`${name} [${backend}]`, () => fn(backend));
  if (!PG_URL) {
    describe(`${name} [postgres]`, { skip: 'TEST_DATABASE_URL is not set: PostgreSQL half skipped (.ci/run sets it)' }, () => {});
    if (!warned) {
      warned = true;
      process.stderr.write('NOTE: TEST_DATABASE_URL is not set; PostgreSQL tests are skipped.\n');
    }
  }
}
