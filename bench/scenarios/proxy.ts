// 4. POST /tools/execute/proxy to the local upstream with ACTIVE API-key
// accounts (created through legacy POST /connected_accounts with state.val),
// against the same request sent to the upstream directly. `proxy` loads with
// the usual connections (throughput); `proxy_c1` with one connection, where
// p50(proxy) - p50(direct) is the per-request overhead, not queueing.
import { httpMeasurer } from '../lib/baselines.ts';
import { expectStatus } from '../lib/http.ts';
import type { ResultRow } from '../lib/report.ts';
import { apiKeyAccounts, UPSTREAM_KEY } from './api-key-accounts.ts';
import { authlinkPost, pick, resultRow, type Ctx } from './context.ts';

export async function proxyScenario(ctx: Ctx, scenario: 'proxy' | 'proxy_c1'): Promise<ResultRow> {
  const w = ctx.world;
  const ids = (await apiKeyAccounts(w)).map((a) => a.id);
  const body = () => JSON.stringify({ connected_account_id: pick(ids), endpoint: '/echo', method: 'GET' });
  const check = await expectStatus('proxy call', w.api('POST', '/api/v3.1/tools/execute/proxy', JSON.parse(body())), 200);
  if (check.body.status !== 200 || check.body.data?.ok !== true)
    throw new Error(`proxy: the upstream did not accept the credential: ${JSON.stringify(check.body).slice(0, 300)}`);
  const connections = scenario === 'proxy_c1' ? 1 : ctx.opts.connections;
  const { run, baseline } = await ctx.baselines.compare(
    ctx.baseKey(scenario),
    'upstream direct',
    async () => httpMeasurer({ url: `${ctx.upstreamUrl}/echo`, headers: { 'x-api-key': UPSTREAM_KEY }, connections, serverPid: ctx.upstreamPid }),
    authlinkPost(ctx, '/api/v3.1/tools/execute/proxy', body, connections),
  );
  return resultRow(ctx, scenario, connections, run, baseline);
}
