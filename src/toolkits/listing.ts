// Which toolkits a listing shows and in what order: GET /toolkits,
// POST /toolkits/multi and GET /toolkits/categories share these rules.
import { readFileSync } from 'node:fs';
import type { ToolkitDef } from './types.ts';

const CATEGORY_NAMES: Record<string, string> = (() => {
  const { $comment: _about, ...names } = JSON.parse(readFileSync(new URL('./categories.json', import.meta.url), 'utf8')) as Record<string, string>;
  return names;
})();

export interface Category {
  id: string;
  name: string;
}

/** A category id with its display name (an id without one is shown as is). */
export function category(id: string): Category {
  return { id, name: CATEGORY_NAMES[id] ?? id };
}

export function knownCategoryIds(): string[] {
  return Object.keys(CATEGORY_NAMES);
}

export interface ToolkitFilter {
  /** Only these slugs (POST /toolkits/multi). */
  slugs?: string[];
  /** A category id or display name, case-insensitive. */
  category?: string;
  /**
   * Composio's provenance filters. Every toolkit authlink has is "native" (managed by the
   * server, like Composio's own); an operator's AUTHLINK_TOOLKITS_DIR adds native ones too.
   * There are no project-registered ("custom") toolkits, so those filters match nothing.
   */
  managedBy?: 'composio' | 'all' | 'project';
  type?: 'native' | 'custom' | 'all';
  search?: string;
  /** "alphabetically" by name; "usage" by this project's live connected accounts, most used first. */
  sortBy?: 'usage' | 'alphabetically';
}

export function filterToolkits(all: readonly ToolkitDef[], f: ToolkitFilter, usage?: Map<string, number>): ToolkitDef[] {
  const wanted = f.slugs && new Set(f.slugs.map((s) => s.trim().toLowerCase()));
  const cat = f.category?.trim().toLowerCase();
  const term = f.search?.trim().toLowerCase();
  // `type` takes precedence over managed_by when both are given (the v3.1 client's documented rule).
  const provenance = f.type ?? (f.managedBy === 'project' ? 'custom' : 'all');
  let list = all.filter(
    (t) =>
      provenance !== 'custom' &&
      (!wanted || wanted.has(t.slug)) &&
      (!cat || t.categories.some((c) => c === cat || category(c).name.toLowerCase() === cat)) &&
      (!term || t.slug.includes(term) || t.name.toLowerCase().includes(term) || t.description.toLowerCase().includes(term)),
  );
  if (f.sortBy === 'alphabetically') list = [...list].sort((a, b) => a.name.localeCompare(b.name, 'en') || (a.slug < b.slug ? -1 : 1));
  else if (f.sortBy === 'usage' && usage) list = [...list].sort((a, b) => (usage.get(b.slug) ?? 0) - (usage.get(a.slug) ?? 0) || (a.slug < b.slug ? -1 : 1));
  return list;
}

/** Every category in use, with how many toolkits carry it, sorted by display name. */
export function categoriesOf(all: readonly ToolkitDef[]): Array<Category & { toolkits_count: number }> {
  const counts = new Map<string, number>();
  for (const t of all) for (const c of t.categories) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts].map(([id, n]) => ({ ...category(id), toolkits_count: n })).sort((a, b) => a.name.localeCompare(b.name, 'en'));
}
