// Named prepared statements on PostgreSQL. Kysely's driver sends every query
// as an unnamed statement, so PostgreSQL parses, analyses and plans the same
// few dozen SQL texts again on every request: most of what a primary-key read
// costs the server (docs/benchmarks.md, issue #18). With a name, node-postgres
// parses a text once per connection and afterwards only binds and executes it.
//
// Only data statements with few parameters are named (a multi-row insert's
// text changes with its row count; DDL and transaction control stay unnamed),
// at most MAX_NAMED texts per process. A statement prepared before a migration
// changed its table's columns fails once with "cached plan must not change
// result type" (a rolling upgrade, a migration test): it is then forgotten on
// that connection and run again unnamed, outside a transaction transparently.
import { createHash } from 'node:crypto';
import type { Pool, PoolClient, QueryConfig, QueryResult } from 'pg';

const MAX_NAMED = 400;
const MAX_PARAMETERS = 64;
const DATA_STATEMENT = /^\s*(?:select|insert|update|delete|with)\b/i;
/** SQLSTATE 0A000 feature_not_supported, raised for a prepared statement whose result columns changed. */
const STALE_PLAN = 'cached plan must not change result type';

type Query = (text: string | QueryConfig, values?: unknown[]) => Promise<QueryResult>;

/** The statement name for a text, or undefined when it stays unnamed. */
export function statementNamer(max = MAX_NAMED): (text: string, parameters: number) => string | undefined {
  const names = new Map<string, string>();
  return (text, parameters) => {
    const known = names.get(text);
    if (known) return known;
    if (names.size >= max || parameters > MAX_PARAMETERS || !DATA_STATEMENT.test(text)) return undefined;
    // A digest, not a counter: the same text gets the same name in every process, which keeps server-side views readable.
    const name = `al_${createHash('sha1').update(text).digest('base64url').slice(0, 16)}`;
    names.set(text, name);
    return name;
  };
}

/** Makes every client of `pool` run Kysely's queries as named prepared statements. */
export function usePreparedStatements(pool: Pool): void {
  const nameFor = statementNamer();
  pool.on('connect', (client: PoolClient) => {
    const query = client.query.bind(client) as Query;
    // Names this connection must not use again (their plan went stale).
    const stale = new Set<string>();
    (client as unknown as { query: Query }).query = async (text, values) => {
      if (typeof text !== 'string' || !Array.isArray(values)) return query(text, values);
      const name = nameFor(text, values.length);
      if (!name || stale.has(name)) return query(text, values);
      try {
        return await query({ name, text, values });
      } catch (err) {
        if ((err as { code?: string }).code !== '0A000' || !String((err as Error).message).includes(STALE_PLAN)) throw err;
        stale.add(name);
        return query(text, values);
      }
    };
  });
}
