// A query shape built and compiled once, run many times with new values.
// Kysely builds an immutable operation tree and compiles it to SQL on every
// call; on the hottest reads that was a tenth of a request's CPU
// (docs/benchmarks.md, issue #18). The shape is compiled the first time with
// a marker for each named value; each run swaps the markers for the values,
// keeping Kysely's own SQL, quoting and dialect, and any plugin the Kysely
// instance carries (their transformQuery sees the shape once).
import { createQueryId, type CompiledQuery, type Compilable, type Kysely } from 'kysely';

const MARK = '\u0000authlink-param:';

/** `build` names each run-time value with `p(name)`; every other value is part of the shape. */
export function compileOnce<Db, Name extends string, Row>(db: Kysely<Db>, build: (db: Kysely<Db>, p: (name: Name) => string) => Compilable<Row>) {
  let shape: { compiled: CompiledQuery<Row>; slots: Array<{ name: Name } | { value: unknown }> } | undefined;
  function prepare() {
    const compiled = build(db, (name) => `${MARK}${name}`).compile();
    const slots = compiled.parameters.map((v) => (typeof v === 'string' && v.startsWith(MARK) ? { name: v.slice(MARK.length) as Name } : { value: v }));
    return { compiled, slots };
  }
  return async (values: Record<Name, unknown>): Promise<Row[]> => {
    shape ??= prepare();
    const parameters = shape.slots.map((s) => ('name' in s ? values[s.name] : s.value));
    const { rows } = await db.executeQuery<Row>({ ...shape.compiled, parameters, queryId: createQueryId() });
    return rows;
  };
}
