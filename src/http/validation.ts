// Schema validation. Bodies are validated strictly (no type coercion: a number
// is not silently accepted as a string); query strings and path parameters
// arrive as text, so they are coerced to the schema's types.
//
// Every value a schema declares as a string must also be well-formed text: no
// NUL character (PostgreSQL cannot store one in a text column, SQLite would,
// so the two stores would disagree) and no unpaired UTF-16 surrogate (both
// stores silently turn one into U+FFFD, so two different user ids could end
// up as the same stored value). Both are refused with a 400 naming the field.
import { Ajv, type FuncKeywordDefinition, type Options, type ValidateFunction } from 'ajv';
import type { FastifyReply, FastifyRequest, FastifySchemaCompiler, RouteOptions } from 'fastify';
import { ApiError } from '../errors.ts';
import { jsonDeeperThan, MAX_REQUEST_JSON_DEPTH } from '../json-depth.ts';

const common: Options = { allErrors: true, removeAdditional: true, useDefaults: true, strict: false };

export const WELL_FORMED_KEYWORD = 'x-authlink-well-formed';
export const WELL_FORMED_MESSAGE = 'must not contain NUL characters or unpaired UTF-16 surrogates';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True for text both stores keep exactly as given. */
export function isWellFormedText(s: string): boolean {
  return !s.includes('\u0000') && !LONE_SURROGATE.test(s);
}

function wellFormedKeyword(): FuncKeywordDefinition {
  const validate = (_enabled: boolean, data: unknown): boolean => {
    if (typeof data !== 'string' || isWellFormedText(data)) return true;
    validate.errors = [{ keyword: WELL_FORMED_KEYWORD, message: WELL_FORMED_MESSAGE, params: {} }];
    return false;
  };
  validate.errors = null as null | Array<{ keyword: string; message: string; params: Record<string, unknown> }>;
  return { keyword: WELL_FORMED_KEYWORD, schemaType: 'boolean', errors: true, validate: validate as FuncKeywordDefinition['validate'] };
}

function declaresString(node: Record<string, unknown>): boolean {
  const t = node.type;
  return t === 'string' || (Array.isArray(t) && t.includes('string'));
}

/** A copy of `schema` whose every string-typed node also carries the well-formed keyword (route schemas stay untouched: the OpenAPI document is built from them). */
export function withWellFormedStrings<T>(schema: T): T {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (!node || typeof node !== 'object') return node;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      // `enum`, `const`, `default` and `examples` hold data, not schemas.
      out[k] = k === 'enum' || k === 'const' || k === 'default' || k === 'examples' ? v : walk(v);
    }
    if (declaresString(out)) out[WELL_FORMED_KEYWORD] = true;
    return out;
  };
  return walk(schema) as T;
}

export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = new Ajv({ ...common, coerceTypes: false });
  const coercing = new Ajv({ ...common, coerceTypes: 'array' });
  for (const ajv of [strict, coercing]) ajv.addKeyword(wellFormedKeyword());
  // Compiled on first use, not at start-up: compiling every route's schema
  // (twice: /api/v3.1 and its /api/v3 alias) was most of the start-up time
  // and memory (docs/benchmarks.md, "Start-up"). Fastify reads `.errors` off
  // the function it was given, so the wrapper carries them over.
  return ({ schema, httpPart }) => {
    let compiled: ValidateFunction | undefined;
    const validate = (data: unknown) => {
      compiled ??= (httpPart === 'body' ? strict : coercing).compile(withWellFormedStrings(schema) as object);
      const ok = compiled(data);
      validate.errors = compiled.errors;
      return ok;
    };
    validate.errors = null as ValidateFunction['errors'];
    return validate;
  };
}

/**
 * preValidation hook: a JSON body nested deeper than MAX_REQUEST_JSON_DEPTH is
 * refused before any schema or service sees it (deep values only ever reach
 * authlink through JSON bodies; serialising one later would overflow the stack).
 */
export function jsonDepthHook(req: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void {
  if (typeof req.body === 'object' && req.body !== null && jsonDeeperThan(req.body, MAX_REQUEST_JSON_DEPTH)) {
    done(
      new ApiError('ValidationFailed', `The request body nests deeper than ${MAX_REQUEST_JSON_DEPTH} levels`, {
        errors: [`body: nested deeper than ${MAX_REQUEST_JSON_DEPTH} levels`],
      }),
    );
    return;
  }
  done();
}

/**
 * preValidation hook: a route whose body schema is Type.Optional(...) may be
 * called with no body at all (no content-type, nothing sent); it is then
 * validated as `{}`. A body that is sent, `null` included, is validated as is.
 */
export function optionalBodyHook(req: FastifyRequest, _reply: FastifyReply, done: () => void): void {
  if (req.body === undefined && (req.routeOptions.schema?.body as { '~optional'?: boolean } | undefined)?.['~optional']) req.body = {};
  done();
}

/** Methods whose requests Fastify never reads a body for. */
const BODYLESS_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'TRACE']);

/**
 * onRoute hook: jsonDepthHook and optionalBodyHook go first among the
 * preValidation steps of every route a body can reach, and on no other: a
 * GET runs no preValidation step at all (issue #18).
 */
export function bodyChecks(route: RouteOptions): void {
  if ([route.method].flat().every((m) => BODYLESS_METHODS.has(m))) return;
  route.preValidation = [jsonDepthHook, optionalBodyHook, ...[route.preValidation ?? []].flat()];
}
