// Turns a tool's declarative request and the caller's (already validated)
// arguments into one concrete HTTP request: a path under the toolkit's base
// URL, query pairs, headers and a body. Pure: no I/O, no credentials (the
// proxy applies those). docs/tools.md and /docs/tool.schema.json describe the
// format; the rules here are the ones the catalog's examples are written to.
import { buildValue } from './builders.ts';
import type { Json, ToolBody, ToolDef, ToolMethod, ValueSource } from './types.ts';

export type Args = { [name: string]: Json | undefined };

export interface BuiltRequest {
  method: ToolMethod;
  /** Relative to the toolkit's base URL, percent-encoded, starting with "/". */
  path: string;
  /** In order; a repeated name appears once per value. */
  query: Array<[string, string]>;
  headers: Array<[string, string]>;
  /** Serialised body and its content type; undefined when the tool sends none. */
  body?: { contentType: string; text: string; value: { [key: string]: Json } };
}

/** A value the arguments cannot make into a request (e.g. "." as a path segment). */
export class ToolRequestError extends Error {
  constructor(
    readonly argument: string,
    message: string,
  ) {
    super(message);
    this.name = 'ToolRequestError';
  }
}

const PLACEHOLDER = /\{\{(\+?)([a-z][a-z0-9_]*)\}\}/g;

/** The argument names a path uses, e.g. ["owner", "repo"]. */
export function pathArguments(path: string): string[] {
  return [...path.matchAll(PLACEHOLDER)].map((m) => m[2]);
}

/** The argument names a source reads. */
export function sourceArguments(source: ValueSource): string[] {
  if (typeof source === 'string') return [source];
  if ('arg' in source) return [source.arg];
  if ('builder' in source) return Object.values(source.args);
  return [];
}

function scalarText(v: Json): string {
  return typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
}

function pathSegment(name: string, value: Json | undefined, spanning: boolean): string {
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new ToolRequestError(name, `${name}: a path argument must be a string or a number`);
  }
  const text = String(value);
  const pieces = spanning ? text.split('/') : [text];
  for (const p of pieces) {
    // One segment, or several with {{+arg}}: never an empty, "." or ".." one, which would move the path.
    if (p === '' || p === '.' || p === '..') throw new ToolRequestError(name, `${name}: ${JSON.stringify(text)} is not a valid path value`);
  }
  return pieces.map(encodeURIComponent).join('/');
}

/** The value a source gives for these arguments; undefined leaves the entry out. */
export function resolveSource(source: ValueSource, args: Args): Json | undefined {
  if (typeof source === 'string') return args[source] ?? undefined;
  if ('value' in source) return source.value;
  if ('builder' in source) return buildValue(source.builder, source.args, args);
  const v = args[source.arg];
  return v === undefined || v === null ? source.default : v;
}

function joined(source: ValueSource): string | undefined {
  return typeof source === 'object' && 'join' in source ? source.join : undefined;
}

function queryPairs(map: Record<string, ValueSource> | undefined, args: Args): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [name, source] of Object.entries(map ?? {})) {
    const v = resolveSource(source, args);
    if (v === undefined || v === null) continue;
    const join = joined(source);
    if (Array.isArray(v) && join === undefined) for (const item of v) out.push([name, scalarText(item)]);
    else out.push([name, Array.isArray(v) ? v.map(scalarText).join(join) : scalarText(v)]);
  }
  return out;
}

function headerPairs(map: Record<string, ValueSource> | undefined, args: Args): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [name, source] of Object.entries(map ?? {})) {
    const v = resolveSource(source, args);
    if (v === undefined || v === null) continue;
    out.push([name, Array.isArray(v) ? v.map(scalarText).join(joined(source) ?? ', ') : scalarText(v)]);
  }
  return out;
}

function isObject(v: unknown): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The body document: the `from` argument's object, then each field at its dotted path. */
function bodyObject(body: ToolBody, args: Args): { [key: string]: Json } {
  const from = body.from ? args[body.from] : undefined;
  const doc: { [key: string]: Json } = isObject(from) ? structuredClone(from) : {};
  for (const [path, source] of Object.entries(body.fields ?? {})) {
    const v = resolveSource(source, args);
    if (v === undefined) continue;
    const keys = path.split('.');
    let at = doc;
    for (const k of keys.slice(0, -1)) {
      const next = at[k];
      if (!isObject(next)) at[k] = {};
      at = at[k] as { [key: string]: Json };
    }
    // A copy: a later dotted field may write into this value, and the caller's arguments must stay as given.
    at[keys[keys.length - 1]] = structuredClone(v);
  }
  return doc;
}

/** Stripe-style form pairs: a[b]=1, a[]=1 for arrays of scalars, a[0][b]=1 for arrays of objects. */
export function formPairs(value: Json, prefix: string, out: Array<[string, string]> = []): Array<[string, string]> {
  if (value === null || value === undefined) return out;
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      formPairs(item, isObject(item) || Array.isArray(item) ? `${prefix}[${i}]` : `${prefix}[]`, out);
    });
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) formPairs(v, prefix ? `${prefix}[${k}]` : k, out);
  } else {
    out.push([prefix, String(value)]);
  }
  return out;
}

export function buildRequest(tool: Pick<ToolDef, 'request'>, args: Args): BuiltRequest {
  const r = tool.request;
  const path = r.path.replace(PLACEHOLDER, (_m, plus: string, name: string) => pathSegment(name, args[name], plus === '+'));
  const built: BuiltRequest = { method: r.method, path, query: queryPairs(r.query, args), headers: headerPairs(r.headers, args) };
  if (r.body) {
    const value = bodyObject(r.body, args);
    built.body =
      r.body.encoding === 'form'
        ? { contentType: 'application/x-www-form-urlencoded', text: new URLSearchParams(formPairs(value, '')).toString(), value }
        : { contentType: 'application/json', text: JSON.stringify(value), value };
  }
  return built;
}
