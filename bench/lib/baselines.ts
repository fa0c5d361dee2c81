// Baselines, measured in the same invocation and under the same conditions as
// the scenario they are compared with: a bare fastify in its own process
// answering the very body authlink answered (API scenarios), a direct call to
// the local upstream (proxy), the provider alone (OAuth).
//
// On a shared 2-core machine, other work comes and goes within seconds, so a
// baseline measured before a scenario can see a different machine than the
// scenario does. Full runs therefore interleave them: baseline, scenario,
// scenario, baseline (ABBA), each half of the duration, and merge the halves
// (percentiles over all latencies). Smoke runs measure each baseline once
// and reuse it.
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { mergeResults, runLoad, type LoadResult, type LoadSpec } from './load.ts';
import type { Measurement } from './report.ts';
import { ROOT } from './authlink.ts';
import { startProc, type Proc } from './procs.ts';

export type Baseline = Measurement & { label: string };

/** Something that can be loaded for a given time: an HTTP load, or OAuth completions. */
export interface Measurer {
  /** Origin to wait on before each round (see settle). */
  origin?: string;
  run(durationS: number): Promise<LoadResult>;
}

/**
 * Waits until the server answers GET /ready (a store round trip) quickly
 * several times in a row: a server may still be working off requests the
 * previous run left queued when it stopped (an event loop blocked by
 * synchronous SQLite, or a PostgreSQL pool busy with slow queries).
 */
export async function settle(origin: string, maxS = 180): Promise<void> {
  const deadline = Date.now() + maxS * 1000;
  let fast = 0;
  while (fast < 3 && Date.now() < deadline) {
    const t = performance.now();
    let ok = false;
    try {
      await (await fetch(`${origin}/ready`)).arrayBuffer();
      ok = performance.now() - t < 20;
    } catch {
      ok = false;
    }
    fast = ok ? fast + 1 : 0;
    if (!ok) await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Loads `spec` for the given time. A response counts only when it arrives in
 * the window, so when a request takes longer than the window (a deep list page
 * at 1M accounts queued behind 49 others) the window is doubled, up to 2
 * minutes, until at least one response per connection arrived; the longest
 * window is the one reported.
 */
export function httpMeasurer(spec: Omit<LoadSpec, 'durationS'>): Measurer {
  const origin = new URL(spec.url).origin;
  return {
    origin,
    async run(durationS) {
      for (let d = durationS; ; d = Math.min(120, d * 2)) {
        const r = await runLoad({ ...spec, durationS: d });
        if (r.requests >= spec.connections || d >= 120 || durationS < 2) return r;
        await settle(origin);
      }
    },
  };
}

async function round(m: Measurer, durationS: number): Promise<LoadResult> {
  if (m.origin) await settle(m.origin);
  return m.run(durationS);
}

/** Warm up, then measure `m` alone. */
export async function measureOne(m: Measurer, o: { durationS: number; warmupS: number }): Promise<LoadResult> {
  if (o.warmupS > 0) await round(m, o.warmupS);
  const r = await round(m, o.durationS);
  if (m.origin) await settle(m.origin);
  return r;
}

/** Warm both up, then baseline and run in ABBA order, each for half the duration; merged per side. */
export async function measurePair(a: Measurer, b: Measurer, o: { durationS: number; warmupS: number }): Promise<{ a: LoadResult; b: LoadResult }> {
  if (o.warmupS > 0) {
    await round(a, o.warmupS);
    await round(b, o.warmupS);
  }
  const half = o.durationS / 2;
  const as: LoadResult[] = [];
  const bs: LoadResult[] = [];
  as.push(await round(a, half));
  bs.push(await round(b, half));
  bs.push(await round(b, half));
  as.push(await round(a, half));
  for (const m of [a, b]) if (m.origin) await settle(m.origin);
  return { a: mergeResults(as), b: mergeResults(bs) };
}

export async function startBaselineServer(): Promise<Proc> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authlink-bench-base-'));
  return startProc({
    name: 'baseline fastify',
    args: ['--import', 'tsx/esm', path.join(ROOT, 'bench', 'servers', 'baseline.ts')],
    env: { ...process.env, NODE_OPTIONS: '' } as Record<string, string>,
    ready: /"listening":"http/,
    logFile: path.join(dir, 'baseline.log'),
    cwd: ROOT,
    removeAfter: dir,
  });
}

export async function startUpstream(): Promise<{ proc: Proc; url: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authlink-bench-up-'));
  const proc = await startProc({
    name: 'upstream',
    args: ['--import', 'tsx/esm', path.join(ROOT, 'bench', 'servers', 'upstream.ts')],
    env: { ...process.env, NODE_OPTIONS: '' } as Record<string, string>,
    ready: /"listening":"http/,
    logFile: path.join(dir, 'upstream.log'),
    cwd: ROOT,
    removeAfter: dir,
  });
  return { proc, url: (JSON.parse(proc.readyLine) as { listening: string }).listening };
}

export class Baselines {
  private readonly cache = new Map<string, Baseline>();
  readonly fastifyUrl: string;
  private readonly fastifyPid: number;

  /** `reuse`: measure each baseline key once and reuse it (smoke); otherwise interleave it with every scenario. */
  constructor(
    fastify: Proc,
    private readonly o: { durationS: number; warmupS: number; reuse: boolean },
  ) {
    this.fastifyUrl = (JSON.parse(fastify.readyLine) as { listening: string }).listening;
    this.fastifyPid = fastify.pid;
  }

  /** Bare fastify answering `body` with `status`, loaded like the scenario (method, request body, connections). */
  async fastify(name: string, o: { status: number; body: unknown; method: 'GET' | 'POST'; requestBody?: string; connections: number }): Promise<Measurer> {
    const id = name.replace(/[^A-Za-z0-9_-]/g, '_');
    const res = await fetch(`${this.fastifyUrl}/__body`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: id, status: o.status, body: o.body }),
    });
    if (!res.ok) throw new Error(`baseline server refused the body: ${res.status}`);
    return httpMeasurer({ url: `${this.fastifyUrl}/b/${id}`, method: o.method, body: o.requestBody, connections: o.connections, serverPid: this.fastifyPid });
  }

  /** The scenario and its baseline, measured under the same conditions. */
  async compare(key: string, label: string, baseline: () => Promise<Measurer>, run: Measurer): Promise<{ run: Measurement; baseline: Baseline }> {
    const cached = this.o.reuse ? this.cache.get(key) : undefined;
    if (cached) return { run: await measureOne(run, this.o), baseline: cached };
    const { a, b } = this.o.reuse
      ? { a: await measureOne(await baseline(), this.o), b: await measureOne(run, this.o) }
      : await measurePair(await baseline(), run, this.o);
    const base = { ...a, label };
    if (this.o.reuse) this.cache.set(key, base);
    return { run: b, baseline: base };
  }
}
