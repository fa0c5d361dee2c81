// 8. `link` with the project subscribed to the event a new link announces
// (composio.connected_account.initiated): every link also writes its webhook
// event and delivery rows, in the same statement (PostgreSQL) or transaction
// (SQLite). The receiver is the local upstream (POST /hooks/..., 200 at once).
// What is measured is the link request, against the same baseline as `link`;
// deliveries run in the background at the worker's production pace, and are
// checked afterwards in the store: one per link, some delivered, none failed.
// The subscription exists only while this scenario runs (after `link`).
import { expectStatus } from '../lib/http.ts';
import { outboxCounts, type OutboxCounts } from '../lib/outbox.ts';
import type { ResultRow } from '../lib/report.ts';
import type { Ctx } from './context.ts';
import { measureLinks } from './link.ts';

export const LINK_EVENT = 'composio.connected_account.initiated';
const SUBSCRIPTIONS = '/api/v3.1/webhook_subscriptions';
/** How long to wait after the run for a first delivery (the worker polls every second by default). */
const FIRST_DELIVERY_S = 10;

async function delivered(ctx: Ctx, userPrefix: string, subscriptionId: string): Promise<OutboxCounts> {
  const deadline = Date.now() + FIRST_DELIVERY_S * 1000;
  for (;;) {
    const c = await outboxCounts(ctx.world.a, userPrefix, subscriptionId);
    if (c.succeeded > 0 || c.failed > 0 || Date.now() > deadline) return c;
    await new Promise((r) => setTimeout(r, 250));
  }
}

function problems(c: OutboxCounts): string[] {
  const p: string[] = [];
  if (c.deliveries !== c.accounts) p.push(`${c.accounts} links created but ${c.deliveries} deliveries queued`);
  if (c.succeeded === 0) p.push(`no delivery succeeded within ${FIRST_DELIVERY_S} s of the run`);
  if (c.failed > 0) p.push(`${c.failed} deliveries failed an attempt (${c.dead} dead)`);
  return p;
}

export async function linkWebhookScenario(ctx: Ctx): Promise<ResultRow> {
  const w = ctx.world;
  const sub = await expectStatus(
    'create webhook subscription',
    w.api('POST', SUBSCRIPTIONS, {
      webhook_url: `${ctx.upstreamUrl}/hooks/authlink`,
      enabled_events: [LINK_EVENT],
      description: 'bench link_webhook',
    }),
    201,
  );
  const subscriptionId: string = sub.body.id;
  try {
    const userPrefix = `bench-wh-${Date.now().toString(36)}-`;
    const started = Date.now();
    const row = await measureLinks(ctx, 'link_webhook', userPrefix);
    const c = await delivered(ctx, userPrefix, subscriptionId);
    const seconds = (Date.now() - started) / 1000;
    const bad = problems(c);
    if (bad.length) {
      ctx.log(
        `  WARNING: link_webhook on ${w.id}: the webhook deliveries are not what the links should give: ${bad.join('; ')}; server output:\n${w.a.proc.tail(1500)}`,
      );
    }
    ctx.log(
      `  link_webhook: ${c.accounts} links, ${c.deliveries} deliveries queued; ${c.succeeded} delivered in ${seconds.toFixed(1)} s (${(c.succeeded / seconds).toFixed(1)}/s), ${c.pending} pending, ${c.failed} failed`,
    );
    return { ...row, webhooks: c };
  } finally {
    const gone = await w.api('DELETE', `${SUBSCRIPTIONS}/${subscriptionId}`);
    if (gone.status !== 200) ctx.log(`  WARNING: link_webhook: deleting the subscription answered ${gone.status}: ${JSON.stringify(gone.body).slice(0, 300)}`);
  }
}
