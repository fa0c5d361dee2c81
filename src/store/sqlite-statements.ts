// better-sqlite3 as Kysely's SQLite driver sees it, made cheaper in two ways
// (docs/benchmarks.md, issue #18):
// - statements are prepared once: Kysely's driver prepares every query anew,
//   and compiling the SQL was the largest single cost of a read;
// - rows are built in JavaScript: better-sqlite3 builds each row object
//   through V8's API, one property set per column (~1.8 µs a listed row);
//   the same values read as an array and put into an object here cost a
//   tenth of that. Same keys, same values, same order: Kysely cannot tell.
// Sharing a statement is safe: Kysely runs one query at a time on the one
// connection, and authlink never streams (an iterating statement cannot be
// re-entered).
import type SQLite from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

export const STATEMENT_CACHE_SIZE = 500;

type Row = Record<string, unknown>;

/** Arrays to row objects with the statement's column names (a later column of the same name wins, as in better-sqlite3). */
function rowMaker(names: readonly string[]): (values: unknown[]) => Row {
  return (values) => {
    const row: Row = {};
    for (let i = 0; i < names.length; i++) row[names[i]] = values[i];
    return row;
  };
}

function wrap(stmt: SQLite.Statement): SqliteStatement {
  if (!stmt.reader) return stmt as unknown as SqliteStatement;
  const names = stmt.columns().map((c) => c.name);
  // A column named __proto__ would set the prototype here: such a statement keeps better-sqlite3's rows.
  if (names.includes('__proto__')) return stmt as unknown as SqliteStatement;
  stmt.raw(true);
  const make = rowMaker(names);
  return {
    reader: true,
    all: (parameters) => (stmt.all(parameters) as unknown[][]).map(make),
    run: (parameters) => stmt.run(parameters),
    *iterate(parameters) {
      for (const values of stmt.iterate(parameters) as IterableIterator<unknown[]>) yield make(values);
    },
  };
}

/** `sqlite` for Kysely's SqliteDialect: at most STATEMENT_CACHE_SIZE prepared statements, oldest dropped first. */
export function cachedStatements(sqlite: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => sqlite.close(),
    prepare(text: string) {
      let stmt = cache.get(text);
      if (!stmt) {
        stmt = wrap(sqlite.prepare(text));
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
        cache.set(text, stmt);
      }
      return stmt;
    },
  };
}
