// Two builds of authlink side by side: this checkout (A) and another one (B,
// e.g. a git worktree of the commit before a change, built), each on its own
// equal world, measured in short alternating slices (A B, B A, ...) so that
// both see the same minutes of a shared machine. A full `npm run bench` a few
// minutes apart cannot resolve a 10% change here: the machine's own speed
// drifts by more (docs/benchmarks.md, "Comparing two builds").
//   npx tsx bench/ab.ts --other ../before [--only get,list_user] [--backends sqlite,postgres]
//                       [--size 1k] [--rounds 8] [--slice 2] [--connections 50]
import { parseArgs } from 'node:util';
import path from 'node:path';
import fs from 'node:fs';
import { startOidcProvider } from '../test/helpers/oidc-provider.ts';
import { runLoad, type LoadResult, type LoadSpec } from './lib/load.ts';
import { pgBaseUrl } from './lib/pg.ts';
import { benchToolkitsDir } from './lib/toolkits.ts';
import type { Backend } from './lib/authlink.ts';
import { startWorld, type World } from './scenarios/world.ts';
import { accountPath } from './scenarios/get.ts';
import { LINK_PATH, linkBodies } from './scenarios/link.ts';
import { deepPagePath, userPagePath } from './scenarios/list.ts';

// The requests of the bench scenarios of the same names.
const SCENARIOS = {
  get: (w: World) => ({ path: () => accountPath(w) }),
  list_user: (w: World) => ({ path: () => userPagePath(w) }),
  list_deep: (w: World) => ({ path: () => deepPagePath(w) }),
  link: (w: World) => ({ path: () => LINK_PATH, body: linkBodies(w, `ab-${Date.now().toString(36)}-`) }),
} satisfies Record<string, (w: World) => { path: () => string; body?: () => string }>;
type Scenario = keyof typeof SCENARIOS;

const { values } = parseArgs({
  options: {
    other: { type: 'string' },
    only: { type: 'string', default: 'get,list_user' },
    backends: { type: 'string', default: 'sqlite' },
    size: { type: 'string', default: '1k' },
    rounds: { type: 'string', default: '8' },
    slice: { type: 'string', default: '2' },
    connections: { type: 'string', default: '50' },
  },
});
if (!values.other) throw new Error('--other <path of the other checkout> is required');
const other = path.resolve(values.other);
if (!fs.existsSync(path.join(other, 'bin', 'authlink.js'))) throw new Error(`${other} is not an authlink checkout`);
const only = values.only.split(',') as Scenario[];
for (const s of only) if (!(s in SCENARIOS)) throw new Error(`unknown scenario ${s}: ${Object.keys(SCENARIOS).join(', ')}`);
const size = Number(values.size.replace(/k$/i, '000').replace(/m$/i, '000000'));
const rounds = Number(values.rounds);
const slice = Number(values.slice);
const connections = Number(values.connections);
const log = (msg: string) => process.stderr.write(`${msg}\n`);

interface Side {
  label: string;
  world: World;
  slices: LoadResult[];
}

function spec(w: World, s: Scenario): Omit<LoadSpec, 'durationS'> {
  const r = SCENARIOS[s](w) as { path: () => string; body?: () => string };
  return {
    url: w.a.url + r.path(),
    method: r.body ? 'POST' : 'GET',
    headers: { 'x-api-key': w.a.apiKey, ...(r.body ? { 'content-type': 'application/json' } : {}) },
    next: () => ({ path: r.path(), ...(r.body ? { body: r.body() } : {}) }),
    connections,
    serverPid: w.a.proc.pid,
  };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** CPU µs per request over all slices (total CPU / total requests); PostgreSQL's in the second place. */
function pooled(slices: LoadResult[]): [number, number] {
  const n = sum(slices.map((r) => r.requests));
  return [sum(slices.map((r) => (r.cpu?.serverUs ?? 0) * r.requests)) / n, sum(slices.map((r) => (r.cpu?.postgresUs ?? 0) * r.requests)) / n];
}

async function compare(a: Side, b: Side, s: Scenario): Promise<string> {
  const specs = new Map([a, b].map((side) => [side, spec(side.world, s)]));
  for (const side of [a, b]) await runLoad({ ...specs.get(side)!, durationS: slice }); // warm-up
  for (const side of [a, b]) side.slices = [];
  for (let r = 0; r < rounds; r++) {
    for (const side of r % 2 ? [b, a] : [a, b]) {
      const res = await runLoad({ ...specs.get(side)!, durationS: slice });
      if (res.non2xx || res.errors) throw new Error(`${side.label} ${s}: ${res.non2xx} non-2xx, ${res.errors} errors`);
      side.slices.push(res);
    }
  }
  const ratios = a.slices.map(
    (x, i) => ((b.slices[i].cpu?.serverUs ?? 0) + (b.slices[i].cpu?.postgresUs ?? 0)) / ((x.cpu?.serverUs ?? 0) + (x.cpu?.postgresUs ?? 0)),
  );
  const [ua, pa] = pooled(a.slices);
  const [ub, pb] = pooled(b.slices);
  const pg = a.world.backend === 'postgres';
  const f = (us: number, p: number) => `${us.toFixed(0)}${pg ? ` (${p.toFixed(0)})` : ''} µs`;
  return `${s.padEnd(10)} ${a.world.backend.padEnd(8)} A ${f(ua, pa).padStart(14)}  B ${f(ub, pb).padStart(14)}  B/A median ${median(ratios).toFixed(3)} [${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}]  A ${sum(a.slices.map((x) => x.requests))} req, B ${sum(b.slices.map((x) => x.requests))} req`;
}

const provider = await startOidcProvider();
const toolkitsDir = benchToolkitsDir(provider, 'http://127.0.0.1:9');
const lines: string[] = [];
try {
  for (const backend of values.backends.split(',') as Backend[]) {
    const pgUrl = backend === 'postgres' ? pgBaseUrl() : undefined;
    if (backend === 'postgres' && !pgUrl) throw new Error('PostgreSQL needs BENCH_DATABASE_URL or TEST_DATABASE_URL');
    const open = (root: string | undefined) => startWorld({ backend, size, pgUrl, toolkitsDir, provider, logLevel: 'info', root, log });
    const a: Side = { label: 'A', world: await open(undefined), slices: [] };
    const b: Side = { label: 'B', world: await open(other), slices: [] };
    try {
      for (const s of only) {
        const line = await compare(a, b, s);
        log(line);
        lines.push(line);
      }
    } finally {
      await a.world.close();
      await b.world.close();
    }
  }
} finally {
  await provider.close();
  fs.rmSync(toolkitsDir, { recursive: true, force: true });
}
process.stdout.write(
  `A = ${process.cwd()}, B = ${other}; ${rounds} rounds of ${slice} s per side, ${connections} connections, ${size} accounts; authlink CPU per request (PostgreSQL's in brackets); B/A of their sum per round\n${lines.join('\n')}\n`,
);
