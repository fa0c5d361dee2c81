// Result rows, the targets they are judged against, and the printed tables.
import type { Backend } from './authlink.ts';
import type { LoadResult } from './load.ts';
import type { OutboxCounts } from './outbox.ts';
import { formatSize, type ScenarioName } from './options.ts';

export type Measurement = LoadResult;

export interface ResultRow {
  scenario: ScenarioName;
  backend: Backend;
  size: number; // stored accounts when the scenario started
  connections: number;
  unit: 'req/s' | 'completions/s';
  run: Measurement;
  baseline: Measurement & { label: string };
  ratio: number; // run.rps / baseline.rps
  rssMb: number; // authlink's peak RSS (VmHWM) so far
  /** link_webhook: what its links left in the webhook outbox, read after the run. */
  webhooks?: OutboxCounts;
}

export interface WorldInfo {
  backend: Backend;
  size: number;
  seedSeconds: number;
  startSeconds: number;
  peakRssMb: number;
}

export interface Target {
  name: string;
  value: string;
  goal: string;
  status: 'met' | 'missed' | 'not measured';
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }) : '-');
const ms = (n: number) => (n >= 100 ? fmt(n, 0) : n >= 10 ? fmt(n, 1) : fmt(n, 2));

function find(rows: ResultRow[], scenario: ScenarioName, backend: Backend, size?: number): ResultRow | undefined {
  const matching = rows.filter((r) => r.scenario === scenario && r.backend === backend && (size === undefined || r.size === size));
  return matching.sort((a, b) => a.size - b.size)[0];
}

/** CPU µs per request of authlink plus PostgreSQL: what the machine pays per request, whatever else runs on it. */
export function cpuPerRequest(r: ResultRow): number | undefined {
  if (r.run.cpu?.serverUs === undefined) return undefined;
  return r.run.cpu.serverUs + (r.backend === 'postgres' ? r.run.cpu.postgresUs : 0);
}

export function scaling(rows: ResultRow[]): Array<{
  scenario: ScenarioName;
  backend: Backend;
  bySize: Array<{ size: number; rps: number; cpuUs?: number }>;
  ratio?: number;
  cpuRatio?: number;
  from?: number;
  to?: number;
}> {
  const out: ReturnType<typeof scaling> = [];
  for (const backend of ['sqlite', 'postgres'] as Backend[]) {
    for (const scenario of ['link', 'get', 'list_user', 'list_deep'] as ScenarioName[]) {
      const bySize = rows
        .filter((r) => r.scenario === scenario && r.backend === backend)
        .sort((a, b) => a.size - b.size)
        .map((r) => ({ size: r.size, rps: r.run.rps, cpuUs: cpuPerRequest(r) }));
      if (!bySize.length) continue;
      const first = bySize[0];
      const last = bySize[bySize.length - 1];
      const cpuRatio = first.cpuUs && last.cpuUs ? first.cpuUs / last.cpuUs : undefined;
      out.push({ scenario, backend, bySize, ...(bySize.length > 1 ? { ratio: last.rps / first.rps, cpuRatio, from: first.size, to: last.size } : {}) });
    }
  }
  return out;
}

/**
 * Issue #18's goals: authlink's own CPU per request (and PostgreSQL's, where
 * it runs the queries), which a shared machine does not blur as it does
 * throughput. Scenario -> backend -> [authlink µs, PostgreSQL µs].
 */
export const CPU_TARGETS: Partial<Record<ScenarioName, Record<Backend, [authlink: number, postgres?: number]>>> = {
  link: { sqlite: [80], postgres: [90, 60] },
  get: { sqlite: [60], postgres: [70, 60] },
  list_user: { sqlite: [200], postgres: [220, 150] },
  proxy: { sqlite: [120], postgres: [130] },
};
/** proxy_c1: p50 overhead over calling the upstream directly, ms. */
export const PROXY_OVERHEAD_TARGET_MS: Record<Backend, number> = { sqlite: 0.3, postgres: 0.4 };

const backendName = (b: Backend) => (b === 'sqlite' ? 'SQLite' : 'PostgreSQL');

export function evaluateTargets(rows: ResultRow[], backends: Backend[]): Target[] {
  const t: Target[] = [];
  const none = (name: string, goal: string): Target => ({ name, goal, value: '-', status: 'not measured' });

  for (const backend of backends) {
    for (const [scenario, goals] of Object.entries(CPU_TARGETS) as Array<[ScenarioName, Record<Backend, [number, number?]>]>) {
      const [mine, pg] = goals[backend];
      const name = `CPU per request: ${scenario}, ${backendName(backend)}`;
      const goal = `authlink <= ${mine} µs${pg === undefined ? '' : `, PostgreSQL <= ${pg} µs`}`;
      const r = find(rows, scenario, backend);
      const cpu = r?.run.cpu;
      if (!r || cpu?.serverUs === undefined) {
        t.push(none(name, goal));
        continue;
      }
      const pgUs = backend === 'postgres' ? cpu.postgresUs : undefined;
      const met = cpu.serverUs <= mine && (pg === undefined || (pgUs !== undefined && pgUs <= pg));
      const value = `authlink ${fmt(cpu.serverUs)} µs${pg === undefined ? '' : `, PostgreSQL ${pgUs === undefined ? '-' : fmt(pgUs)} µs`}; p99 ${ms(r.run.p99)} ms at ${r.connections} conns`;
      t.push({ name, goal, value, status: met ? 'met' : 'missed' });
    }
    const p = find(rows, 'proxy_c1', backend);
    const limit = PROXY_OVERHEAD_TARGET_MS[backend];
    const name = `proxy overhead at p50 (1 connection), ${backendName(backend)}`;
    if (!p) t.push(none(name, `<= ${limit} ms`));
    else {
      const overhead = p.run.p50 - p.baseline.p50;
      t.push({
        name,
        goal: `<= ${limit} ms`,
        value: `${ms(overhead)} ms (${ms(p.run.p50)} vs ${ms(p.baseline.p50)} direct)`,
        status: overhead <= limit ? 'met' : 'missed',
      });
    }
  }
  for (const s of scaling(rows)) {
    const name = `flat from 1k to 1m accounts: ${s.scenario}, ${backendName(s.backend)}`;
    const has1k = s.bySize.find((x) => x.size === 1000);
    const has1m = s.bySize.find((x) => x.size === 1_000_000);
    if (has1k && has1m) {
      const r = has1m.rps / has1k.rps;
      // Runs minutes apart on a shared machine see different contention; CPU per request does not depend on it.
      const c = has1k.cpuUs && has1m.cpuUs ? has1k.cpuUs / has1m.cpuUs : undefined;
      const cpu = c === undefined ? '' : `; by CPU/req ${fmt(c * 100)}% (${fmt(has1m.cpuUs!)} vs ${fmt(has1k.cpuUs!)} µs)`;
      t.push({ name, goal: '>= 90%', value: `${fmt(r * 100)}% (${fmt(has1m.rps)} vs ${fmt(has1k.rps)} req/s)${cpu}`, status: r >= 0.9 ? 'met' : 'missed' });
    } else if (s.ratio !== undefined) {
      t.push({
        name,
        goal: '>= 90% (measured between the sizes run)',
        value: `${fmt(s.ratio * 100)}% at ${formatSize(s.to!)} vs ${formatSize(s.from!)}`,
        status: 'not measured',
      });
    } else t.push(none(name, '>= 90%'));
  }
  return t;
}

function table(head: string[], body: string[][], rightFrom = 1): string {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (i >= rightFrom ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ') + ' |';
  const sep = '|' + widths.map((w, i) => (i >= rightFrom ? '-'.repeat(w + 1) + ':' : '-'.repeat(w + 2))).join('|') + '|';
  return [line(head), sep, ...body.map(line)].join('\n');
}

export function renderResults(rows: ResultRow[]): string {
  const head = [
    'scenario',
    'backend',
    'accounts',
    'conns',
    'req/s',
    'p50 ms',
    'p99 ms',
    'baseline',
    'base req/s',
    'base p50',
    'base p99',
    'ratio',
    'RSS MiB',
    'CPU µs/req',
    'PG µs/req',
    'base µs/req',
    'others',
    'non-2xx/err',
  ];
  const us = (v: number | undefined) => (v === undefined ? '-' : fmt(v));
  const body = rows.map((r) => [
    r.scenario,
    r.backend,
    formatSize(r.size),
    String(r.connections),
    fmt(r.run.rps, r.run.rps < 100 ? 1 : 0),
    ms(r.run.p50),
    ms(r.run.p99),
    r.baseline.label,
    fmt(r.baseline.rps, r.baseline.rps < 100 ? 1 : 0),
    ms(r.baseline.p50),
    ms(r.baseline.p99),
    fmt(r.ratio, 2),
    fmt(r.rssMb),
    us(r.run.cpu?.serverUs),
    r.backend === 'postgres' ? us(r.run.cpu?.postgresUs) : '-',
    us(r.baseline.cpu?.serverUs ?? r.baseline.cpu?.loadgenUs),
    r.run.cpu ? fmt(r.run.cpu.otherCores, 2) : '-',
    `${r.run.non2xx}/${r.run.errors}`,
  ]);
  return table(head, body, 2);
}

export function renderScaling(rows: ResultRow[]): string {
  const s = scaling(rows).filter((x) => x.bySize.length > 1);
  if (!s.length) return '';
  const sizes = [...new Set(s.flatMap((x) => x.bySize.map((b) => b.size)))].sort((a, b) => a - b);
  const head = [
    'scenario',
    'backend',
    ...sizes.map((n) => `req/s @${formatSize(n)}`),
    'largest/smallest',
    ...sizes.map((n) => `CPU µs/req @${formatSize(n)}`),
    'by CPU/req',
  ];
  const body = s.map((x) => [
    x.scenario,
    x.backend,
    ...sizes.map((n) => fmt(x.bySize.find((b) => b.size === n)?.rps ?? NaN)),
    x.ratio === undefined ? '-' : fmt(x.ratio, 2),
    ...sizes.map((n) => fmt(x.bySize.find((b) => b.size === n)?.cpuUs ?? NaN)),
    x.cpuRatio === undefined ? '-' : fmt(x.cpuRatio, 2),
  ]);
  return table(head, body, 2);
}

export function renderWorlds(worlds: WorldInfo[]): string {
  const head = ['backend', 'accounts', 'seed s', 'start s', 'peak RSS MiB'];
  return table(
    head,
    worlds.map((w) => [w.backend, formatSize(w.size), fmt(w.seedSeconds, 1), fmt(w.startSeconds, 1), fmt(w.peakRssMb)]),
    1,
  );
}

export function renderTargets(targets: Target[]): string {
  return table(
    ['target', 'goal', 'measured', 'status'],
    targets.map((t) => [t.name, t.goal, t.value, t.status.toUpperCase()]),
    99,
  );
}
