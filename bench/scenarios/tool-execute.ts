// 7. POST /tools/execute/{slug} of bench/tools/echoapi.json's
// ECHOAPI_GET_ECHO (GET /echo?per_page=2 on the local upstream) with the
// proxy's ACTIVE API-key accounts, in the body @composio/core sends
// (connected_account_id, user_id, arguments, version): the tool looked up,
// the arguments validated, the request built, the account resolved and
// checked, then the proxy's path. Baseline: the same GET sent to the upstream
// directly, as for `proxy`.
import { httpMeasurer } from '../lib/baselines.ts';
import { expectStatus } from '../lib/http.ts';
import type { ResultRow } from '../lib/report.ts';
import { ECHO_TOOL } from '../lib/toolkits.ts';
import { apiKeyAccounts, UPSTREAM_KEY } from './api-key-accounts.ts';
import { authlinkPost, pick, resultRow, type Ctx } from './context.ts';

const PATH = `/api/v3.1/tools/execute/${ECHO_TOOL}`;
const ARGUMENTS = { per_page: 2 };

export async function toolExecuteScenario(ctx: Ctx): Promise<ResultRow> {
  const w = ctx.world;
  const accounts = await apiKeyAccounts(w);
  const body = () => {
    const a = pick(accounts);
    // `version` is what the SDK sends when told to skip its version check; authlink keeps one version of each tool.
    return JSON.stringify({ connected_account_id: a.id, user_id: a.userId, arguments: ARGUMENTS, version: 'latest' });
  };
  const check = await expectStatus('tool execution', w.api('POST', PATH, JSON.parse(body())), 200);
  if (check.body.successful !== true || check.body.data?.ok !== true)
    throw new Error(`tool_execute: ${ECHO_TOOL} did not reach the upstream with the credential: ${JSON.stringify(check.body).slice(0, 300)}`);
  const { connections } = ctx.opts;
  const { run, baseline } = await ctx.baselines.compare(
    ctx.baseKey('tool_execute'),
    'upstream direct',
    async () =>
      httpMeasurer({
        url: `${ctx.upstreamUrl}/echo?${new URLSearchParams({ per_page: String(ARGUMENTS.per_page) })}`,
        headers: { 'x-api-key': UPSTREAM_KEY },
        connections,
        serverPid: ctx.upstreamPid,
      }),
    authlinkPost(ctx, PATH, body, connections),
  );
  return resultRow(ctx, 'tool_execute', connections, run, baseline);
}
