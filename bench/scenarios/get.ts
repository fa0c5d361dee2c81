// 2. GET /connected_accounts/{id} of stored ACTIVE accounts, ids spread over
// the whole table (credentials decrypted and masked on every read).
import { httpMeasurer } from '../lib/baselines.ts';
import { expectStatus } from '../lib/http.ts';
import type { ResultRow } from '../lib/report.ts';
import { pick, resultRow, type Ctx } from './context.ts';
import type { World } from './world.ts';

const path = (id: string) => `/api/v3.1/connected_accounts/${id}`;

/** The account read of this scenario: a seeded account spread over the table (bench/ab.ts sends the same). */
export const accountPath = (w: World) => path(pick(w.seed.ids));

export async function getScenario(ctx: Ctx): Promise<ResultRow> {
  const w = ctx.world;
  const sample = await expectStatus('account read', w.api('GET', path(w.seed.ids[0])), 200);
  const { connections } = ctx.opts;
  const { run, baseline } = await ctx.baselines.compare(
    ctx.baseKey('get'),
    'fastify GET',
    () => ctx.baselines.fastify('get', { status: 200, body: sample.body, method: 'GET', connections }),
    httpMeasurer({
      url: w.a.url + path(w.seed.ids[0]),
      headers: { 'x-api-key': w.a.apiKey },
      next: () => ({ path: accountPath(w) }),
      connections,
      serverPid: w.a.proc.pid,
    }),
  );
  return resultRow(ctx, 'get', connections, run, baseline);
}
