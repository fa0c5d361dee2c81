// What every scenario gets, and how its result row is built.
import type { TestOidcProvider } from '../../test/helpers/oidc-provider.ts';
import { type Baseline, type Baselines, httpMeasurer } from '../lib/baselines.ts';
import type { Options, ScenarioName } from '../lib/options.ts';
import type { Measurement, ResultRow } from '../lib/report.ts';
import type { World } from './world.ts';

export interface Ctx {
  opts: Options;
  world: World;
  baselines: Baselines;
  /** Key of a baseline: smoke runs measure each key once and reuse it (full runs interleave a fresh one with every scenario). */
  baseKey(name: string): string;
  upstreamUrl: string;
  upstreamPid: number;
  provider: TestOidcProvider;
  log(msg: string): void;
}

export function resultRow(
  ctx: Ctx,
  scenario: ScenarioName,
  connections: number,
  run: Measurement,
  baseline: Baseline,
  unit: ResultRow['unit'] = 'req/s',
): ResultRow {
  if (run.non2xx > 0 || run.requests === 0) {
    ctx.log(
      `  WARNING: ${scenario} on ${ctx.world.id}: ${run.requests} successful responses, ${run.non2xx} non-2xx, ${run.errors} errors; server output:\n${ctx.world.a.proc.tail(1500)}`,
    );
  }
  ctx.world.a.proc.trimLog();
  return {
    scenario,
    backend: ctx.world.backend,
    size: ctx.world.size,
    connections,
    unit,
    run,
    baseline,
    ratio: baseline.rps > 0 ? run.rps / baseline.rps : NaN,
    rssMb: ctx.world.a.proc.peakRssMb(),
  };
}

export function pick<T>(list: T[]): T {
  return list[(Math.random() * list.length) | 0];
}

/** The measured side of a POST scenario: authlink's `path` with the project's API key, a fresh body per request. */
export function authlinkPost(ctx: Ctx, path: string, body: () => string, connections: number) {
  const { a } = ctx.world;
  return httpMeasurer({
    url: a.url + path,
    method: 'POST',
    headers: { 'x-api-key': a.apiKey },
    next: () => ({ body: body() }),
    connections,
    serverPid: a.proc.pid,
  });
}
