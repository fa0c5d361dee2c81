// Summary of a V8 .cpuprofile (node --cpu-prof): self time per function, self
// time per area (authlink source file, package, node internals, GC), and
// inclusive time of authlink's own functions. Also a CLI:
//   npx tsx bench/lib/profile.ts <file.cpuprofile | dir> [top]
//   npx tsx bench/lib/profile.ts <file.cpuprofile | dir> --callers <regex>   (who calls the matching functions)
import fs from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber?: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

function area(url: string, fn: string): string {
  if (!url) return fn.startsWith('(') ? fn : '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return nm[1];
  const src = /\/(src|bench|test)\/(.+)$/.exec(url);
  if (src) return `${src[1]}/${src[2]}`;
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  return path.basename(url);
}

const label = (n: Node) =>
  `${n.callFrame.functionName || '(anonymous)'} ${area(n.callFrame.url, n.callFrame.functionName)}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;

export interface ProfileSummary {
  totalMs: number;
  busyMs: number;
  topSelf: Array<{ name: string; ms: number; pct: number }>;
  byArea: Array<{ name: string; ms: number; pct: number }>;
  srcInclusive: Array<{ name: string; ms: number; pct: number }>;
}

/**
 * A profile with the frames of the minified bundle (dist/authlink.mjs) put
 * back where they came from, through its source map: authlink's modules as
 * src/<module>.ts (line numbers are those of the compiled dist/<module>.js) with
 * their own function names, dependencies as node_modules/<package>/....
 */
function readProfile(file: string): Profile {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const maps = new Map<string, SourceMap | undefined>();
  for (const n of p.nodes) {
    const cf = n.callFrame;
    if (!/\/dist\/authlink\.mjs$/.test(cf.url)) continue;
    if (!maps.has(cf.url)) {
      const mapFile = `${fileURLToPath(cf.url)}.map`;
      maps.set(cf.url, fs.existsSync(mapFile) ? new SourceMap(JSON.parse(fs.readFileSync(mapFile, 'utf8'))) : undefined);
    }
    const entry = maps.get(cf.url)?.findEntry(cf.lineNumber, cf.columnNumber ?? 0) as
      | { originalSource?: string; originalLine?: number; name?: string }
      | undefined;
    if (!entry?.originalSource) continue;
    const original = entry.originalSource.replace(/^.*?\/node_modules\//, '/node_modules/');
    cf.url = original.startsWith('/node_modules/') ? original : `/src/${original.replace(/^(\.\.\/)*(dist\/)?/, '').replace(/\.js$/, '.ts')}`;
    cf.lineNumber = entry.originalLine ?? cf.lineNumber;
    if (entry.name) cf.functionName = entry.name;
  }
  return p;
}

export function summarize(file: string, top = 25): ProfileSummary {
  const p = readProfile(file);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = (p.timeDeltas[i] ?? 0) / 1000;
    total += dt;
    self.set(id, (self.get(id) ?? 0) + dt);
  });
  const idle = [...self].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((s, [, ms]) => s + ms, 0);
  const busy = total - idle;
  const pct = (ms: number) => (busy > 0 ? (100 * ms) / busy : 0);

  const sum = (key: (n: Node) => string) => {
    const m = new Map<string, number>();
    for (const [id, ms] of self) {
      const n = byId.get(id)!;
      if (n.callFrame.functionName === '(idle)') continue;
      m.set(key(n), (m.get(key(n)) ?? 0) + ms);
    }
    return [...m].sort((a, b) => b[1] - a[1]).map(([name, ms]) => ({ name, ms, pct: pct(ms) }));
  };

  // Inclusive time of src/ functions: count each sample once per distinct src function on its stack.
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const inclusive = new Map<string, number>();
  for (const [id, ms] of self) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)!;
      if (!/\/src\//.test(n.callFrame.url)) continue;
      const key = label(n);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + ms);
    }
  }
  return {
    totalMs: total,
    busyMs: busy,
    topSelf: sum(label).slice(0, top),
    byArea: sum((n) => area(n.callFrame.url, n.callFrame.functionName)).slice(0, top),
    srcInclusive: [...inclusive]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms, pct: pct(ms) })),
  };
}

export function renderSummary(s: ProfileSummary): string {
  const rows = (list: ProfileSummary['topSelf']) =>
    list.map((r) => `  ${r.pct.toFixed(1).padStart(5)}%  ${r.ms.toFixed(0).padStart(7)} ms  ${r.name}`).join('\n');
  return [
    `busy ${s.busyMs.toFixed(0)} ms of ${s.totalMs.toFixed(0)} ms sampled (percentages are of busy time)`,
    'self time by function:',
    rows(s.topSelf),
    'self time by area:',
    rows(s.byArea),
    'inclusive time of authlink functions (src/):',
    rows(s.srcInclusive),
  ].join('\n');
}

/** The heaviest call stacks (up to 12 frames) leading to functions whose name or URL matches `pattern`. */
export function callers(file: string, pattern: RegExp, top = 8): Array<{ ms: number; stack: string }> {
  const p = readProfile(file);
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  for (const [i, id] of p.samples.entries()) self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0) / 1000);
  const stacks = new Map<string, number>();
  for (const [id, ms] of self) {
    const n = byId.get(id)!;
    if (!pattern.test(`${n.callFrame.functionName} ${n.callFrame.url}`)) continue;
    const chain: string[] = [];
    for (let cur = parent.get(id); cur !== undefined && chain.length < 12; cur = parent.get(cur)) chain.push(label(byId.get(cur)!));
    const key = `${label(n)} < ${chain.join(' < ')}`;
    stacks.set(key, (stacks.get(key) ?? 0) + ms);
  }
  return [...stacks]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([stack, ms]) => ({ ms, stack }));
}

/** The main-thread profile among those a process wrote into `dir` (the largest file). */
export function mainProfileIn(dir: string): string | undefined {
  if (!fs.existsSync(dir)) return undefined;
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => path.join(dir, f));
  return files.sort((a, b) => fs.statSync(b).size - fs.statSync(a).size)[0];
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [file, top, pattern] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: npx tsx bench/lib/profile.ts <file.cpuprofile | dir> [top | --callers <regex>]\n');
    process.exit(1);
  }
  const f = fs.statSync(file).isDirectory() ? mainProfileIn(file) : file;
  if (!f) throw new Error(`no .cpuprofile in ${file}`);
  if (top === '--callers') {
    for (const c of callers(f, new RegExp(pattern ?? '.'))) process.stdout.write(`${c.ms.toFixed(0).padStart(7)} ms  ${c.stack}\n\n`);
  } else process.stdout.write(renderSummary(summarize(f, Number(top ?? 25))) + '\n');
}
