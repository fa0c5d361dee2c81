// Finding tools for a task in words ("open a GitHub issue about a crash"):
// a small lexical ranking over slug, name, tags, toolkit and description.
// No model and no index: the catalog is a few hundred tools.
import type { LoadedTool } from './catalog.ts';

const STOP = new Set(
  'a an and are as at be by for from get i in into is it me my of on or our please the their them then this to up use using we with you your'.split(' '),
);

/** Lower-case word stems: "issues" -> "issue", "labeled" -> "label". */
export function terms(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 1 && !STOP.has(w))
    .map((w) => (w.length > 4 ? w.replace(/(ies)$/, 'y').replace(/(es|s|ed|ing)$/, '') : w));
}

interface Indexed {
  tool: LoadedTool;
  strong: Set<string>; // slug, name, toolkit
  tags: Set<string>;
  weak: Set<string>; // description
}

const indexes = new WeakMap<LoadedTool, Indexed>();
function indexed(tool: LoadedTool): Indexed {
  let ix = indexes.get(tool);
  if (!ix) {
    const d = tool.def;
    ix = {
      tool,
      strong: new Set([...terms(d.slug.replace(/_/g, ' ')), ...terms(d.name), ...terms(tool.toolkit)]),
      tags: new Set(d.tags.flatMap(terms)),
      weak: new Set(terms(d.description)),
    };
    indexes.set(tool, ix);
  }
  return ix;
}

function hit(words: Set<string>, term: string): number {
  if (words.has(term)) return 1;
  // A prefix of a longer word ("repo" in "repository") counts half.
  if (term.length >= 3) for (const w of words) if (w.startsWith(term) || (w.length >= 4 && term.startsWith(w))) return 0.5;
  return 0;
}

/** Score of one tool for the query's terms; 0 when nothing matches. */
export function score(tool: LoadedTool, queryTerms: readonly string[]): number {
  const ix = indexed(tool);
  let total = 0;
  for (const t of queryTerms) total += Math.max(3 * hit(ix.strong, t), 2 * hit(ix.tags, t), hit(ix.weak, t));
  return total;
}

/** The tools matching the query, best first (ties by slug). */
export function rankTools(tools: readonly LoadedTool[], query: string): LoadedTool[] {
  const q = terms(query);
  if (!q.length) return [...tools];
  return tools
    .map((tool) => ({ tool, s: score(tool, q) }))
    .filter((x) => x.s > 0)
    .sort((a, b) => b.s - a.s || (a.tool.def.slug < b.tool.def.slug ? -1 : 1))
    .map((x) => x.tool);
}
