// One load run with autocannon, in this process (the server under test is a
// child process). autocannon's own latency histogram has 1 ms resolution,
// too coarse for sub-millisecond targets, so every response time is also
// recorded here at full resolution and the percentiles come from those.
import autocannon, { type RequestSpec, type Result } from 'autocannon';
import { cpuUse, snapshot, type CpuUse } from './cpu.ts';

export interface LoadSpec {
  url: string; // origin + path of the default request
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Per-request variation (distinct user ids, account ids...). */
  next?: () => { path?: string; body?: string };
  connections: number;
  durationS: number;
  /** The server process whose CPU time is reported per request. */
  serverPid?: number;
}

export interface LoadResult {
  rps: number; // completed 2xx responses per second
  p50: number; // ms
  p99: number; // ms
  requests: number; // 2xx responses
  non2xx: number;
  errors: number; // socket errors and timeouts
  durationS: number;
  cpu?: CpuUse;
}

export function percentile(sorted: Float64Array | number[], p: number): number {
  if (!sorted.length) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

class Samples {
  private buf = new Float64Array(1 << 16);
  private n = 0;
  push(v: number) {
    if (this.n === this.buf.length) {
      const bigger = new Float64Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.n++] = v;
  }
  sorted(): Float64Array {
    return this.buf.slice(0, this.n).sort();
  }
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const u = new URL(spec.url);
  const base: RequestSpec = {
    method: spec.method ?? 'GET',
    path: u.pathname + u.search,
    headers: { ...(spec.body !== undefined || spec.next ? { 'content-type': 'application/json' } : {}), ...spec.headers },
    ...(spec.body !== undefined ? { body: spec.body } : {}),
  };
  if (spec.method !== 'POST') delete base.headers!['content-type'];
  const next = spec.next;
  const requests: RequestSpec[] = next
    ? [
        {
          ...base,
          setupRequest(req) {
            const v = next();
            return { ...req, ...(v.path !== undefined ? { path: v.path } : {}), ...(v.body !== undefined ? { body: v.body } : {}) };
          },
        },
      ]
    : [base];
  const samples = new Samples();
  const cpuBefore = snapshot(spec.serverPid);
  const started = process.hrtime.bigint();
  const result = await new Promise<Result>((resolve, reject) => {
    const inst = autocannon({ url: u.origin, connections: spec.connections, duration: spec.durationS, timeout: 60, sampleInt: 100, requests }, (err, res) =>
      err ? reject(err) : resolve(res),
    );
    inst.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300) samples.push(ms);
    });
  });
  const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;
  const cpuAfter = snapshot(spec.serverPid);
  const sorted = samples.sorted();
  const durationS = Math.max(result.duration || elapsedS, 1e-3);
  return withSamples(
    {
      rps: sorted.length / durationS,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      requests: sorted.length,
      non2xx: result.non2xx,
      errors: result.errors + result.timeouts,
      durationS,
      cpu: cpuUse(cpuBefore, cpuAfter, sorted.length),
    },
    sorted,
  );
}

const SAMPLES = Symbol('latency samples');

/** Keeps the raw latencies (ms, sorted) with a result, out of its JSON. */
export function withSamples(r: LoadResult, sorted: Float64Array): LoadResult {
  Object.defineProperty(r, SAMPLES, { value: sorted, enumerable: false });
  return r;
}

/** One result from several runs of the same load (interleaved rounds): percentiles over all latencies. */
export function mergeResults(parts: LoadResult[]): LoadResult {
  if (parts.length === 1) return parts[0];
  const all = parts.map((p) => (p as unknown as Record<symbol, Float64Array>)[SAMPLES] ?? new Float64Array());
  const sorted = new Float64Array(all.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of all) {
    sorted.set(a, o);
    o += a.length;
  }
  sorted.sort();
  const sum = (f: (p: LoadResult) => number) => parts.reduce((s, p) => s + f(p), 0);
  const requests = sum((p) => p.requests);
  const durationS = sum((p) => p.durationS);
  const byRequests = (f: (p: LoadResult) => number | undefined) => (requests ? sum((p) => (f(p) ?? 0) * p.requests) / requests : 0);
  const byTime = (f: (p: LoadResult) => number | undefined) => sum((p) => (f(p) ?? 0) * p.durationS) / durationS;
  const hasServer = parts.every((p) => p.cpu?.serverUs !== undefined);
  return withSamples(
    {
      rps: requests / durationS,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      requests,
      non2xx: sum((p) => p.non2xx),
      errors: sum((p) => p.errors),
      durationS,
      cpu: {
        ...(hasServer ? { serverUs: byRequests((p) => p.cpu?.serverUs), serverCores: byTime((p) => p.cpu?.serverCores) } : {}),
        postgresUs: byRequests((p) => p.cpu?.postgresUs),
        loadgenUs: byRequests((p) => p.cpu?.loadgenUs),
        otherCores: byTime((p) => p.cpu?.otherCores),
      },
    },
    sorted,
  );
}
