// 3. GET /connected_accounts: the first page of one user's accounts
// (user_ids=...&limit=20), and a deep keyset page of the whole project
// (a cursor between 1/4 and 3/4 into the newest-first listing).
import { httpMeasurer } from '../lib/baselines.ts';
import { expectStatus } from '../lib/http.ts';
import type { ResultRow } from '../lib/report.ts';
import { pick, resultRow, type Ctx } from './context.ts';
import type { World } from './world.ts';

async function listScenario(ctx: Ctx, scenario: 'list_user' | 'list_deep', paths: () => string): Promise<ResultRow> {
  const w = ctx.world;
  const first = paths();
  const sample = await expectStatus(scenario, w.api('GET', first), 200);
  if (!Array.isArray(sample.body.items) || sample.body.items.length !== 20)
    throw new Error(`${scenario}: expected a full page of 20, got ${sample.body.items?.length}`);
  const { connections } = ctx.opts;
  const { run, baseline } = await ctx.baselines.compare(
    ctx.baseKey(scenario),
    'fastify GET',
    () => ctx.baselines.fastify(scenario, { status: 200, body: sample.body, method: 'GET', connections }),
    httpMeasurer({ url: w.a.url + first, headers: { 'x-api-key': w.a.apiKey }, next: () => ({ path: paths() }), connections, serverPid: w.a.proc.pid }),
  );
  return resultRow(ctx, scenario, connections, run, baseline);
}

/** The pages of these scenarios (bench/ab.ts sends the same): one user's first page, a deep page of the project. */
export const userPagePath = (w: World) => `/api/v3.1/connected_accounts?user_ids=${pick(w.seed.users)}&limit=20`;
export const deepPagePath = (w: World) => `/api/v3.1/connected_accounts?limit=20&cursor=${pick(w.seed.deepCursors)}`;

export function listUserScenario(ctx: Ctx): Promise<ResultRow> {
  return listScenario(ctx, 'list_user', () => userPagePath(ctx.world));
}

export function listDeepScenario(ctx: Ctx): Promise<ResultRow> {
  return listScenario(ctx, 'list_deep', () => deepPagePath(ctx.world));
}
