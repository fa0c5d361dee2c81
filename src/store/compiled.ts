// Query shapes built and compiled once, run many times with new values.
// Kysely builds an immutable operation tree and compiles it to SQL on every
// call; on the hottest paths that was a tenth of a request's CPU
// (docs/benchmarks.md, issue #18). A shape is compiled the first time with a
// marker in place of each run-time value; each run swaps the markers for the
// values, keeping Kysely's own SQL, quoting and dialect. Shapes belong to one
// Kysely instance: its plugins shaped the SQL (see runShape).
import { createQueryId, type CompiledQuery, type Compilable, type Kysely } from 'kysely';

const MARK = '\u0000authlink-param:';

type Slot = { mark: string } | { value: unknown };
interface Shape<Row> {
  compiled: CompiledQuery<Row>;
  slots: Slot[];
}

function shapeOf<Row>(query: Compilable<Row>): Shape<Row> {
  const compiled = query.compile();
  const slots = compiled.parameters.map((v): Slot => (typeof v === 'string' && v.startsWith(MARK) ? { mark: v.slice(MARK.length) } : { value: v }));
  return { compiled, slots };
}

/**
 * Runs a shape with its values. The Kysely instance's plugins see every run as
 * they see every query Kysely builds (a test's recorder counts statements):
 * the SQL was made through them when the shape was compiled, each later run
 * shows them the same operation tree under its own query id.
 */
async function runShape<Db, Row>(on: Kysely<Db>, shape: Shape<Row>, value: (mark: string) => unknown, compiledNow: boolean): Promise<Row[]> {
  const parameters = shape.slots.map((s) => ('mark' in s ? value(s.mark) : s.value));
  let queryId = shape.compiled.queryId;
  if (!compiledNow) {
    queryId = createQueryId();
    const executor = on.getExecutor();
    if (executor.plugins.length) executor.transformQuery(shape.compiled.query, queryId);
  }
  const { rows } = await on.executeQuery<Row>({ ...shape.compiled, parameters, queryId });
  return rows;
}

/** One fixed shape: `build` names each run-time value with `p(name)`; every other value is part of the shape. */
export function compileOnce<Db, Name extends string, Row>(db: Kysely<Db>, build: (db: Kysely<Db>, p: (name: Name) => string) => Compilable<Row>) {
  let shape: Shape<Row> | undefined;
  return async (values: Record<Name, unknown>): Promise<Row[]> => {
    const compiledNow = !shape;
    shape ??= shapeOf(build(db, (name) => `${MARK}${name}`));
    return runShape(db, shape, (mark) => values[mark as Name], compiledNow);
  };
}

/**
 * Rows bound by position, for a statement whose shape depends on its rows (a
 * multi-row insert: its columns and row count). `rows()` records the values
 * and returns the rows as the shape's build must write them; `key` names the
 * shape (the same columns in the same order and the same row counts).
 */
export class BoundRows {
  readonly values: unknown[] = [];
  private readonly parts: string[] = [];

  rows<T extends object>(rows: readonly T[]): (p: (i: number) => string) => T[] {
    const start = this.values.length;
    const columns = rows.map((r) => Object.keys(r));
    for (let r = 0; r < rows.length; r++) for (const c of columns[r]) this.values.push((rows[r] as Record<string, unknown>)[c]);
    const first = columns[0]?.join(',') ?? '';
    this.parts.push(columns.every((c) => c.join(',') === first) ? `${first}*${rows.length}` : columns.map((c) => c.join(',')).join(';'));
    return (p) => {
      let i = start;
      return columns.map((cols) => Object.fromEntries(cols.map((c) => [c, p(i++)])) as T);
    };
  }

  get key(): string {
    return this.parts.join('|');
  }
}

/** Values bound by position, and the key of the shape they fit: a BoundRows, or a caller's own. */
export interface Bound {
  readonly key: string;
  readonly values: readonly unknown[];
}

/**
 * Shapes by key (see Bound), at most `max` of them (the oldest goes first),
 * for statements built on one Kysely instance; a run may go to a transaction
 * of that instance. `build` marks the value at position i with `p(i)`.
 */
export function compileByKey<Db>(max = 64) {
  const shapes = new Map<string, Shape<unknown>>();
  return async <Row = unknown>(on: Kysely<Db>, bound: Bound, build: (p: (i: number) => string) => Compilable<Row>): Promise<Row[]> => {
    const key = bound.key;
    let shape = shapes.get(key) as Shape<Row> | undefined;
    const compiledNow = !shape;
    if (!shape) {
      shape = shapeOf(build((i) => `${MARK}${i}`));
      if (shapes.size >= max) shapes.delete(shapes.keys().next().value!);
      shapes.set(key, shape);
    }
    return runShape(on, shape, (mark) => bound.values[Number(mark)], compiledNow);
  };
}
