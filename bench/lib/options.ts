// Command line of `npm run bench -- [options]`.
import { parseArgs } from 'node:util';
import type { Backend } from './authlink.ts';

export const SCENARIOS = ['link', 'link_webhook', 'get', 'list_user', 'list_deep', 'proxy', 'proxy_c1', 'tool_execute', 'oauth'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
/** Scenarios that run at every size (the scaling set); the rest run at the smallest size only. */
export const SCALING: readonly ScenarioName[] = ['get', 'list_user', 'list_deep', 'link'];
/** `--only` accepts these groups too. */
const GROUPS: Record<string, ScenarioName[]> = {
  list: ['list_user', 'list_deep'],
  proxy: ['proxy', 'proxy_c1'],
  links: ['link', 'link_webhook'],
  execute: ['proxy', 'proxy_c1', 'tool_execute'],
  scaling: [...SCALING],
  api: ['link', 'get', 'list_user', 'list_deep'],
};

export interface Options {
  smoke: boolean;
  json: boolean;
  only: ScenarioName[];
  backends: Backend[];
  sizes: number[];
  durationS: number;
  warmupS: number;
  connections: number;
  oauthConcurrency: number;
  logLevel: string;
  profile: boolean;
  profileDir: string;
  out?: string;
}

export const USAGE = `npm run bench -- [options]

  --smoke              every scenario very briefly (about 2 s with its baseline, 1k accounts): keeps the harness alive
  --only a,b           scenarios: ${SCENARIOS.join(', ')} (groups: ${Object.keys(GROUPS).join(', ')})
  --backends a,b       sqlite,postgres (postgres needs BENCH_DATABASE_URL or TEST_DATABASE_URL)
  --sizes 1k,100k,1m   stored accounts for ${SCALING.join(', ')} (default 1k,100k,1m; smoke 1k)
  --duration S         seconds per measurement (default 10; smoke 0.8)
  --warmup S           seconds of unmeasured load before each measurement (default 2; smoke 0.2)
  --connections N      concurrent connections (default 50)
  --oauth-concurrency N  concurrent OAuth completions (default 8)
  --log-level L        authlink LOG_LEVEL (default info, the production default)
  --profile            write a CPU profile of every authlink child (--cpu-prof) and print its top functions
  --profile-dir D      where profiles go (default bench/profiles)
  --json               print the results as one JSON object on stdout (progress goes to stderr)
  --out FILE           also write the JSON results to FILE

scenarios (docs/benchmarks.md):
  link, link_webhook   POST /connected_accounts/link; link_webhook with the project subscribed to the new account's webhook event
  get                  GET /connected_accounts/{id}
  list_user, list_deep GET /connected_accounts: one user's first page, a deep page of the project
  proxy, proxy_c1      POST /tools/execute/proxy (proxy_c1: one connection)
  tool_execute         POST /tools/execute/ECHOAPI_GET_ECHO (a tool of bench/tools/)
  oauth                full OAuth link completions against the in-process provider`;

export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(s.trim());
  if (!m) throw new Error(`--sizes: ${JSON.stringify(s)} is not a size like 1k, 100k or 1m`);
  return Math.round(Number(m[1]) * (m[2].toLowerCase() === 'k' ? 1e3 : m[2].toLowerCase() === 'm' ? 1e6 : 1));
}

export function formatSize(n: number): string {
  if (n >= 1e6 && n % 1e6 === 0) return `${n / 1e6}m`;
  if (n >= 1e3 && n % 1e3 === 0) return `${n / 1e3}k`;
  return String(n);
}

function num(v: string | undefined, name: string, def: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name}: ${JSON.stringify(v)} is not a positive number`);
  return n;
}

export function parseOptions(argv: string[]): Options | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      smoke: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      only: { type: 'string' },
      backends: { type: 'string' },
      sizes: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      'oauth-concurrency': { type: 'string' },
      'log-level': { type: 'string' },
      profile: { type: 'boolean', default: false },
      'profile-dir': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const smoke = values.smoke === true;
  let only: ScenarioName[] = [...SCENARIOS];
  if (values.only) {
    only = [];
    for (const part of values.only
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const names = GROUPS[part] ?? ((SCENARIOS as readonly string[]).includes(part) ? [part as ScenarioName] : undefined);
      if (!names) throw new Error(`--only: unknown scenario ${part} (known: ${SCENARIOS.join(', ')}; groups: ${Object.keys(GROUPS).join(', ')})`);
      only.push(...names.filter((n) => !only.includes(n)));
    }
  }
  const backends = (values.backends ?? 'sqlite,postgres').split(',').map((s) => s.trim()) as Backend[];
  for (const b of backends) if (b !== 'sqlite' && b !== 'postgres') throw new Error(`--backends: unknown backend ${b}`);
  const sizes = (values.sizes ?? (smoke ? '1k' : '1k,100k,1m')).split(',').map(parseSize);
  sizes.sort((a, b) => a - b);
  return {
    smoke,
    json: values.json === true,
    only,
    backends,
    sizes,
    durationS: num(values.duration, 'duration', smoke ? 0.8 : 10),
    warmupS: values.warmup === '0' ? 0 : num(values.warmup, 'warmup', smoke ? 0.2 : 2),
    connections: num(values.connections, 'connections', 50),
    oauthConcurrency: num(values['oauth-concurrency'], 'oauth-concurrency', 8),
    logLevel: values['log-level'] ?? 'info',
    profile: values.profile === true,
    profileDir: values['profile-dir'] ?? 'bench/profiles',
    out: values.out,
  };
}
