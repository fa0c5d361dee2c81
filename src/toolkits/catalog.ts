// The toolkit catalog: built-in definitions plus an operator's directory
// (AUTHLINK_TOOLKITS_DIR), where a file with a built-in's slug replaces it.
// Loaded once at start-up, synchronously; any invalid file stops the start
// with one error listing every problem in every file.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deepFreeze, jsonFiles } from '../json-dir.ts';
import type { ToolkitDef } from './types.ts';
import { validateToolkit } from './validate.ts';

export interface Catalog {
  /** Every toolkit, sorted by slug. */
  list(): ToolkitDef[];
  get(slug: string): ToolkitDef | undefined;
  readonly size: number;
}

export interface LoadCatalogOptions {
  builtinDir?: string;
  extraDir?: string;
  /**
   * Where authlink serves a toolkit's logo (GET /logos/<slug>.svg): its brand's
   * or the generated tile (src/toolkits/logos.ts). Every toolkit without a
   * `logo` URL of its own gets it.
   */
  logoUrl?: (slug: string) => string;
}

export class CatalogError extends Error {
  /** Each entry reads "<file>: <json pointer>: <what is wrong>". */
  constructor(readonly problems: string[]) {
    super(`Invalid toolkit definitions (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` + problems.map((p) => `  ${p}`).join('\n'));
    this.name = 'CatalogError';
  }
}

export const BUILTIN_DIR = fileURLToPath(new URL('./builtin/', import.meta.url));

/** Valid toolkits of one directory by slug; problems are appended. */
function loadDir(dir: string, problems: string[], logoUrl: LoadCatalogOptions['logoUrl']): Map<string, ToolkitDef> {
  const bySlug = new Map<string, ToolkitDef>();
  const fileOf = new Map<string, string>();
  for (const file of jsonFiles(dir, problems, 'toolkit')) {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      problems.push(`${file}: /: not valid JSON: ${(e as Error).message}`);
      continue;
    }
    const found = validateToolkit(doc);
    const slug = (doc as { slug?: unknown } | null)?.slug;
    if (typeof slug === 'string') {
      const first = fileOf.get(slug);
      if (first) found.push({ path: '/slug', message: `slug ${JSON.stringify(slug)} is already defined by ${first}` });
      else fileOf.set(slug, file);
    }
    if (found.length) {
      for (const p of found) problems.push(`${file}: ${p.path}: ${p.message}`);
      continue;
    }
    const { $schema: _editorHint, ...def } = doc as ToolkitDef & { $schema?: string };
    if (!def.logo && logoUrl) def.logo = logoUrl(def.slug);
    bySlug.set(def.slug, deepFreeze(def));
  }
  return bySlug;
}

export function loadCatalog(options: LoadCatalogOptions = {}): Catalog {
  const problems: string[] = [];
  const toolkits = loadDir(options.builtinDir ?? BUILTIN_DIR, problems, options.logoUrl);
  if (options.extraDir) {
    for (const [slug, def] of loadDir(options.extraDir, problems, options.logoUrl)) toolkits.set(slug, def);
  }
  if (problems.length) throw new CatalogError(problems);

  const sorted = [...toolkits.values()].sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
  const bySlug = new Map(sorted.map((t) => [t.slug, t]));
  return {
    list: () => [...sorted],
    get: (slug) => bySlug.get(slug),
    size: sorted.length,
  };
}
