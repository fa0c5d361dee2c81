// Checks one parsed tool file: docs/tool.schema.json for shape, then what a
// schema cannot say (the toolkit exists, slugs carry its prefix, every
// argument a request reads is declared, path arguments are required, the
// argument schemas compile and describe every property, examples fit them).
// Every problem comes back with the JSON pointer of the offending value.
//
// One Ajv instance checks a whole catalog. Compiling a schema is the costly
// part (several milliseconds each: Ajv generates code), so the catalog loader
// asks for the cheap check only: every argument and output schema is checked
// against the meta-schema, and the examples' arguments are left to the
// offline check and the contract test, which compile everything. The catalog
// compiles an argument validator on a tool's first execution and keeps it.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';
import { MANAGED_HEADERS } from '../proxy/types.ts';
import { BUILDER_PARAMETERS } from './builders.ts';
import { pathArguments, sourceArguments } from './request.ts';
import { BUILDERS, type BuilderName, type ValueSource } from './types.ts';
import { validateJsonSchema, validateToolFileShape } from './schema.generated.ts';

// The meta-schema src/tools/schema.generated.ts checks against (scripts/validators.ts names it too).
const META_SCHEMA_ID = 'https://json-schema.org/draft/2020-12/schema';

export interface Problem {
  path: string; // JSON pointer, "/" for the whole document
  message: string;
}

// ajv-formats is CommonJS: the default import is the plugin function itself.
const addFormats = ajvFormats as unknown as typeof ajvFormats.default;

/** An Ajv for tool argument schemas: draft 2020-12, every error, the usual formats. */
export function argumentsAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: true });
  addFormats(ajv);
  return ajv;
}

// docs/tool.schema.json and the draft 2020-12 meta-schema compiled ahead of
// time (scripts/validators.ts): compiling them with Ajv at every start cost
// ~150 ms. The meta-schema checks every argument and output schema at load.
const fileShape = validateToolFileShape as unknown as ValidateFunction;
const metaSchemaValidator = validateJsonSchema as unknown as ValidateFunction;

const esc = (s: string | number) => String(s).replace(/~/g, '~0').replace(/\//g, '~1');
export const ptr = (...parts: (string | number)[]) => parts.map((p) => '/' + esc(p)).join('');
const show = (v: unknown) => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? s.slice(0, 77) + '...' : s;
};

/** Ajv errors as problems; the oneOf of value sources reports once, not once per branch. */
export function ajvProblems(errors: ErrorObject[] | null | undefined, prefix = ''): Problem[] {
  const out = new Map<string, Problem>();
  for (const e of errors ?? []) {
    if (e.keyword === 'if') continue;
    const at = prefix + (e.instancePath || '');
    const p = e.params as Record<string, unknown>;
    let message: string;
    if (/valueSource/.test(e.schemaPath)) message = 'must be an argument name, {arg, default?, join?}, {value} or {builder, args}';
    else if (e.keyword === 'required') message = `is missing required property ${show(p.missingProperty)}`;
    else if (e.keyword === 'additionalProperties') message = `has unknown property ${show(p.additionalProperty)}`;
    else if (e.keyword === 'enum') message = `must be one of ${(p.allowedValues as unknown[]).map(show).join(', ')}`;
    else message = `${e.message ?? e.keyword}${e.data !== undefined && typeof e.data !== 'object' ? ` (got ${show(e.data)})` : ''}`;
    const key = `${at} ${message}`;
    if (!out.has(key)) out.set(key, { path: at || '/', message });
  }
  return [...out.values()];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * What checking shares across files: one Ajv. It caches each compiled schema
 * by object identity, so compiling a checked tool's input_parameters again
 * (as the catalog does for execution) costs nothing.
 */
export interface CheckContext {
  /** Compiles argument schemas when `compile` is set. */
  ajv: Ajv2020;
  /** Compile each argument schema and validate the examples' arguments with it (the thorough, slow check). */
  compile: boolean;
  /** Check argument and output schemas against the meta-schema (default true; see LoadToolCatalogOptions.checkShippedSchemas). */
  metaSchema?: boolean;
}

export function checkContext(ajv: Ajv2020 = argumentsAjv(), compile = true): CheckContext {
  return { ajv, compile };
}

function compileArguments(ctx: CheckContext, schema: Obj, at: string, problems: Problem[]): ValidateFunction | undefined {
  try {
    return ctx.ajv.compile(schema);
  } catch (e) {
    problems.push({ path: at, message: `is not a valid JSON Schema: ${(e as Error).message}` });
    return undefined;
  }
}

/** Meta-schema check only (no compilation): catches a malformed schema cheaply. */
function checkSchemaShape(schema: unknown, at: string, problems: Problem[]): void {
  if (!isObj(schema)) return; // the file schema reports it
  if (schema.$schema !== undefined && schema.$schema !== META_SCHEMA_ID) {
    problems.push({ path: at + '/$schema', message: `is not a valid JSON Schema: only draft 2020-12 (${META_SCHEMA_ID}) is supported` });
    return;
  }
  if (!metaSchemaValidator(schema))
    problems.push(
      ...ajvProblems(metaSchemaValidator.errors).map((p) => ({
        path: at + (p.path === '/' ? '' : p.path),
        message: `is not a valid JSON Schema: ${p.message}`,
      })),
    );
}

/** Headers a tool may not set: the proxy manages them (framing, hop-by-hop) or they carry credentials. */
const TOOL_FORBIDDEN_HEADERS: ReadonlySet<string> = new Set([...MANAGED_HEADERS, 'authorization', 'cookie']);

function checkArgumentSchema(schema: unknown, at: string, problems: Problem[]): { properties: Set<string>; required: Set<string> } {
  const properties = new Set<string>();
  const required = new Set<string>();
  if (!isObj(schema)) return { properties, required };
  if (schema.type !== 'object') problems.push({ path: at + '/type', message: 'must be "object"' });
  if (schema.additionalProperties !== false)
    problems.push({ path: at + '/additionalProperties', message: 'must be false (unknown arguments are refused, not dropped)' });
  const props = isObj(schema.properties) ? schema.properties : {};
  for (const [name, prop] of Object.entries(props)) {
    properties.add(name);
    if (!/^[a-z][a-z0-9_]*$/.test(name)) problems.push({ path: at + ptr('properties', name), message: 'argument names are snake_case' });
    if (!isObj(prop) || typeof prop.description !== 'string' || !prop.description.trim()) {
      problems.push({ path: at + ptr('properties', name, 'description'), message: 'every argument needs a description (an LLM reads it)' });
    }
  }
  for (const name of Array.isArray(schema.required) ? schema.required : []) {
    if (typeof name !== 'string' || !properties.has(name)) problems.push({ path: at + '/required', message: `names ${show(name)}, which is not a property` });
    else required.add(name);
  }
  return { properties, required };
}

function checkSources(map: unknown, at: string, properties: Set<string>, problems: Problem[]): void {
  if (!isObj(map)) return;
  for (const [key, source] of Object.entries(map)) {
    const here = at + ptr(key);
    if (typeof source !== 'string' && !isObj(source)) continue; // the schema reports it
    for (const arg of sourceArguments(source as ValueSource)) {
      if (!properties.has(arg)) problems.push({ path: here, message: `reads argument ${show(arg)}, which input_parameters does not declare` });
    }
    if (isObj(source) && typeof source.builder === 'string' && (BUILDERS as readonly string[]).includes(source.builder) && isObj(source.args)) {
      const allowed = BUILDER_PARAMETERS[source.builder as BuilderName];
      for (const p of Object.keys(source.args)) {
        if (!allowed.includes(p))
          problems.push({ path: here + ptr('args', p), message: `is not a parameter of ${source.builder} (allowed: ${allowed.join(', ')})` });
      }
    }
  }
}

function checkTool(ctx: CheckContext, tool: Obj, at: string, prefix: string, credentialHeaders: Set<string>, problems: Problem[]): void {
  if (typeof tool.slug === 'string' && !tool.slug.startsWith(prefix))
    problems.push({ path: at + '/slug', message: `must start with ${prefix} (the toolkit's slug)` });
  const { properties, required } = checkArgumentSchema(tool.input_parameters, at + '/input_parameters', problems);
  let validate: ValidateFunction | undefined;
  const metaSchema = ctx.metaSchema !== false;
  if (!ctx.compile) {
    if (metaSchema) checkSchemaShape(tool.input_parameters, at + '/input_parameters', problems);
  } else if (isObj(tool.input_parameters)) validate = compileArguments(ctx, tool.input_parameters, at + '/input_parameters', problems);
  if (metaSchema) checkSchemaShape(tool.output_parameters, at + '/output_parameters', problems);
  const request = isObj(tool.request) ? tool.request : {};
  if (typeof request.path === 'string') {
    for (const arg of pathArguments(request.path)) {
      if (!properties.has(arg)) problems.push({ path: at + '/request/path', message: `uses {{${arg}}}, which input_parameters does not declare` });
      else if (!required.has(arg))
        problems.push({ path: at + '/request/path', message: `uses {{${arg}}}, which must be required (a path cannot leave it out)` });
    }
  }
  checkSources(request.query, at + '/request/query', properties, problems);
  checkSources(request.headers, at + '/request/headers', properties, problems);
  if (isObj(request.headers)) {
    for (const name of Object.keys(request.headers)) {
      const lower = name.toLowerCase();
      if (TOOL_FORBIDDEN_HEADERS.has(lower) || credentialHeaders.has(lower)) {
        problems.push({
          path: at + ptr('request', 'headers', name),
          message: `cannot be set by a tool: ${credentialHeaders.has(lower) || lower === 'authorization' ? "the toolkit's apply rules put credentials there" : 'authlink manages this header'}`,
        });
      }
    }
  }
  const body = isObj(request.body) ? request.body : undefined;
  if (body) {
    checkSources(body.fields, at + '/request/body/fields', properties, problems);
    if (typeof body.from === 'string' && !properties.has(body.from)) {
      problems.push({ path: at + '/request/body/from', message: `names argument ${show(body.from)}, which input_parameters does not declare` });
    }
  }
  if (request.method === 'GET' && body) problems.push({ path: at + '/request/body', message: 'a GET request carries no body' });
  if (Array.isArray(tool.examples) && validate) {
    tool.examples.forEach((ex, k) => {
      if (isObj(ex) && !validate(ex.arguments)) problems.push(...ajvProblems(validate.errors, at + ptr('examples', k, 'arguments')));
    });
  }
}

/**
 * All problems with one parsed tool file; empty when it is valid.
 * `toolkitExists` answers whether the file's toolkit is in the toolkit catalog;
 * `credentialHeaders` (lower-case) are the headers its apply rules set.
 * Pass one context for a whole catalog: its Ajv compiles each schema once.
 */
export function validateToolFile(
  doc: unknown,
  toolkitExists: (slug: string) => boolean,
  ctx: CheckContext = checkContext(),
  credentialHeaders: Set<string> = new Set(),
): Problem[] {
  const problems: Problem[] = fileShape(doc) ? [] : ajvProblems(fileShape.errors);
  if (!isObj(doc)) return problems;
  const toolkit = typeof doc.toolkit === 'string' ? doc.toolkit : undefined;
  if (toolkit && !toolkitExists(toolkit)) problems.push({ path: '/toolkit', message: `no toolkit ${show(toolkit)} in the toolkit catalog` });
  const prefix = `${(toolkit ?? '').toUpperCase()}_`;
  const seen = new Map<string, string>();
  (Array.isArray(doc.tools) ? doc.tools : []).forEach((tool, i) => {
    if (!isObj(tool)) return;
    const at = ptr('tools', i);
    if (typeof tool.slug === 'string') {
      const first = seen.get(tool.slug);
      if (first) problems.push({ path: at + '/slug', message: `duplicate slug ${show(tool.slug)} (first at ${first})` });
      else seen.set(tool.slug, at);
    }
    checkTool(ctx, tool, at, prefix, credentialHeaders, problems);
  });
  return problems;
}
