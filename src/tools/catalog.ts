// The tool catalog: the built-in tool files (src/tools/builtin/) plus an
// operator's directory (AUTHLINK_TOOLS_DIR) whose tools add to them or replace
// a built-in with the same slug. Loaded once at start-up, synchronously,
// against the toolkit catalog; any invalid file stops the start with one error
// listing every problem in every file (as the toolkit catalog does).
//
// Cheap to load (docs/tools.md): the file format's validator is generated
// ahead of time; an operator's argument and output schemas are checked
// against the meta-schema at load (the shipped ones by the suite); each is
// compiled on first use by one Ajv per catalog (milliseconds a schema) and kept.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Ajv2020, ValidateFunction } from 'ajv/dist/2020.js';
import { deepFreeze, jsonFiles } from '../json-dir.ts';
import type { Catalog } from '../toolkits/catalog.ts';
import type { ToolDef, ToolFile } from './types.ts';
import { argumentsAjv, type CheckContext, validateToolFile } from './validate.ts';

export interface LoadedTool {
  readonly def: ToolDef;
  /** Slug of the toolkit whose accounts run it. */
  readonly toolkit: string;
  /** The file it was loaded from (for messages). */
  readonly file: string;
}

export interface ToolCatalog {
  /** Every tool, sorted by slug. */
  list(): readonly LoadedTool[];
  /** By slug, case-insensitively (Composio's SDK upper-cases slugs). */
  get(slug: string): LoadedTool | undefined;
  /** The tools of one toolkit, sorted by slug. */
  forToolkit(toolkit: string): readonly LoadedTool[];
  /** Validates arguments against input_parameters (all errors, formats); compiled on first use, then kept. */
  argumentsValidator(tool: LoadedTool): ValidateFunction;
  /** A validator for output_parameters, compiled on first use. */
  outputValidator(tool: LoadedTool): ValidateFunction;
  readonly size: number;
}

export interface LoadToolCatalogOptions {
  toolkits: Pick<Catalog, 'get'>;
  builtinDir?: string;
  extraDir?: string;
  /**
   * Check the shipped built-ins' argument and output schemas against the
   * draft 2020-12 meta-schema too. Off at start-up: ~440 schemas took ~30 ms
   * of every start, and the suite checks them (test/tools/catalog.test.ts).
   * An operator's directory, and a builtinDir given explicitly, are always
   * checked in full.
   */
  checkShippedSchemas?: boolean;
}

export class ToolCatalogError extends Error {
  /** Each entry reads "<file>: <json pointer>: <what is wrong>". */
  constructor(readonly problems: string[]) {
    super(`Invalid tool definitions (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` + problems.map((p) => `  ${p}`).join('\n'));
    this.name = 'ToolCatalogError';
  }
}

export const BUILTIN_TOOLS_DIR = fileURLToPath(new URL('./builtin/', import.meta.url));

/** Lower-case names of the headers a toolkit's apply rules set (a tool may not set them). */
function credentialHeaders(toolkits: Pick<Catalog, 'get'>, slug: unknown): Set<string> {
  const def = typeof slug === 'string' ? toolkits.get(slug) : undefined;
  const out = new Set<string>();
  for (const scheme of def?.auth_schemes ?? []) {
    for (const rule of scheme.apply) out.add(rule.in === 'header' ? rule.name.toLowerCase() : rule.in === 'basic' ? 'authorization' : '');
  }
  out.delete('');
  return out;
}

/** Valid tools of one directory by slug; problems are appended. */
function loadDir(dir: string, opts: LoadToolCatalogOptions, ctx: CheckContext, problems: string[], optional: boolean): Map<string, LoadedTool> {
  const bySlug = new Map<string, LoadedTool>();
  const fileOf = new Map<string, string>();
  for (const file of jsonFiles(dir, problems, 'tool', optional)) {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      problems.push(`${file}: /: not valid JSON: ${(e as Error).message}`);
      continue;
    }
    const toolkit = (doc as { toolkit?: unknown } | null)?.toolkit;
    const found = validateToolFile(doc, (s) => !!opts.toolkits.get(s), ctx, credentialHeaders(opts.toolkits, toolkit));
    const tools = (doc as { tools?: unknown } | null)?.tools;
    (Array.isArray(tools) ? tools : []).forEach((tool, i) => {
      const slug = (tool as { slug?: unknown } | null)?.slug;
      if (typeof slug !== 'string') return;
      const first = fileOf.get(slug);
      if (first && first !== file) found.push({ path: `/tools/${i}/slug`, message: `slug ${JSON.stringify(slug)} is already defined by ${first}` });
      else fileOf.set(slug, file);
    });
    if (found.length) {
      for (const p of found) problems.push(`${file}: ${p.path}: ${p.message}`);
      continue;
    }
    const parsed = doc as ToolFile;
    for (const def of parsed.tools) bySlug.set(def.slug, { def: deepFreeze(def), toolkit: parsed.toolkit, file });
  }
  return bySlug;
}

export function loadToolCatalog(options: LoadToolCatalogOptions): ToolCatalog {
  const problems: string[] = [];
  // Nothing is compiled while loading (compile: false); the Ajv that compiles
  // validators on first use is made then, once per catalog.
  let ajv: Ajv2020 | undefined;
  const context = (metaSchema: boolean): CheckContext => ({
    get ajv() {
      ajv ??= argumentsAjv();
      return ajv;
    },
    compile: false,
    metaSchema,
  });
  const ctx = context(true);
  const shipped = options.builtinDir === undefined;
  const tools = loadDir(options.builtinDir ?? BUILTIN_TOOLS_DIR, options, context(!shipped || options.checkShippedSchemas === true), problems, shipped);
  if (options.extraDir) {
    for (const [slug, tool] of loadDir(options.extraDir, options, ctx, problems, false)) tools.set(slug, tool);
  }
  if (problems.length) throw new ToolCatalogError(problems);

  const sorted = Object.freeze([...tools.values()].sort((a, b) => (a.def.slug < b.def.slug ? -1 : a.def.slug > b.def.slug ? 1 : 0)));
  const bySlug = new Map(sorted.map((t) => [t.def.slug.toUpperCase(), t]));
  const byToolkit = new Map<string, LoadedTool[]>();
  for (const t of sorted) {
    const list = byToolkit.get(t.toolkit) ?? [];
    list.push(t);
    byToolkit.set(t.toolkit, list);
  }
  const compiled = (cache: WeakMap<LoadedTool, ValidateFunction>, tool: LoadedTool, schema: object): ValidateFunction => {
    let v = cache.get(tool);
    if (!v) {
      v = ctx.ajv.compile(schema);
      cache.set(tool, v);
    }
    return v;
  };
  const inputs = new WeakMap<LoadedTool, ValidateFunction>();
  const outputs = new WeakMap<LoadedTool, ValidateFunction>();
  return {
    list: () => sorted,
    get: (slug) => bySlug.get(slug.toUpperCase()),
    forToolkit: (toolkit) => byToolkit.get(toolkit) ?? [],
    argumentsValidator: (tool) => compiled(inputs, tool, tool.def.input_parameters),
    outputValidator: (tool) => compiled(outputs, tool, tool.def.output_parameters),
    size: sorted.length,
  };
}
