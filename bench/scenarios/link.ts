// 1. POST /connected_accounts/link: a new INITIATED account and its link
// session per request, each for a distinct user_id.
import { expectStatus } from '../lib/http.ts';
import type { ResultRow } from '../lib/report.ts';
import { authlinkPost, resultRow, type Ctx } from './context.ts';
import type { World } from './world.ts';

export const LINK_PATH = '/api/v3.1/connected_accounts/link';

/** Link request bodies for the users `<userPrefix>0`, `<userPrefix>1`, ... (bench/ab.ts sends the same). */
export function linkBodies(w: World, userPrefix: string): () => string {
  let n = 0;
  return () => JSON.stringify({ auth_config_id: w.oauthConfigId, user_id: `${userPrefix}${n++}`, callback_url: 'https://app.example.com/connected' });
}

export function linkScenario(ctx: Ctx): Promise<ResultRow> {
  return measureLinks(ctx, 'link', `bench-${Date.now().toString(36)}-`);
}

/**
 * Link creations for the users `<userPrefix>0`, `<userPrefix>1`, ... against
 * bare fastify answering a captured link response to the same POST (the
 * `link` baseline, whichever scenario measures links).
 */
export async function measureLinks(ctx: Ctx, scenario: 'link' | 'link_webhook', userPrefix: string): Promise<ResultRow> {
  const w = ctx.world;
  const body = linkBodies(w, userPrefix);
  const sample = await expectStatus('link creation', w.api('POST', LINK_PATH, JSON.parse(body())), 201);
  const { connections } = ctx.opts;
  const { run, baseline } = await ctx.baselines.compare(
    ctx.baseKey('link'),
    'fastify POST',
    () => ctx.baselines.fastify(scenario, { status: 201, body: sample.body, method: 'POST', requestBody: body(), connections }),
    authlinkPost(ctx, LINK_PATH, body, connections),
  );
  return resultRow(ctx, scenario, connections, run, baseline);
}
