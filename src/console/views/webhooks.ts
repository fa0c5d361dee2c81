// Webhook subscriptions (list, create with the signing secret shown once,
// enable/disable, delete), a subscription's deliveries, and one delivery
// with its payload and a redeliver button.
import { html, type SafeHtml } from '../../views/escape.ts';
import type { WebhookDeliveryRow, WebhookEventRow } from '../../store/webhooks.ts';
import type { WebhookSubscriptions } from '../../webhooks/subscriptions.ts';
import { csrfField, projectBase, renderShell, type ShellContext } from './shell.ts';
import { formError, pager, statusBadge, when, withQuery } from './format.ts';

type Ctx = ShellContext & { project: { id: string; name: string } };
type Subscription = ReturnType<WebhookSubscriptions['view']>;
type EventType = { event_type: string; description: string; opt_in: boolean };

export const hooksPath = (ctx: Ctx) => `${projectBase(ctx.project.id)}/webhooks`;
const subHref = (ctx: Ctx, id: string) => `${hooksPath(ctx)}/${encodeURIComponent(id)}`;
const deliveryHref = (ctx: Ctx, subId: string, id: string) => `${subHref(ctx, subId)}/deliveries/${encodeURIComponent(id)}`;

const deliveryBadge = (status: string) => statusBadge(status.toUpperCase());

function eventsText(events: string[]): string {
  return events.includes('*') ? 'all events (*) but the opt-in ones' : events.join(', ');
}

export function renderWebhooks(
  ctx: Ctx,
  subs: Subscription[],
  eventTypes: EventType[],
  opts: { notice?: string; error?: string; created?: Subscription; values?: { url?: string; events?: string[]; description?: string } },
): string {
  const v = opts.values ?? {};
  const chosen = new Set(v.events ?? ['*']);
  const rows = subs.map(
    (
      s,
    ) => html`<tr><td><a href="${subHref(ctx, s.id)}"><code>${s.webhook_url}</code></a>${s.description ? html`<br><span class="muted">${s.description}</span>` : ''}</td>
<td>${eventsText(s.enabled_events)}</td><td>${statusBadge(s.enabled ? 'ENABLED' : 'DISABLED')}</td><td><code>${s.secret}</code></td><td>${when(s.created_at)}</td></tr>`,
  );
  const check = (value: string, label: SafeHtml | string, i: number) =>
    html`<label for="ev-${i}"><input type="checkbox" id="ev-${i}" name="events" value="${value}"${chosen.has(value) ? html` checked` : ''}> <span>${label}</span></label>`;
  return renderShell(ctx, {
    title: 'Webhooks',
    section: 'webhooks',
    notice: opts.notice,
    body: html`<h1>Webhooks</h1>
${
  opts.created
    ? html`<section class="panel" aria-labelledby="new-secret"><h2 id="new-secret">Signing secret of the new subscription</h2>
<p><strong>Copy it now: it is shown only once.</strong> Your receiver checks each delivery's signature with it.</p>
<label for="new-secret-value">Signing secret for <code>${opts.created.webhook_url}</code></label>
<input type="text" id="new-secret-value" class="secret" value="${opts.created.secret}" readonly spellcheck="false"></section>`
    : ''
}
<section class="panel" aria-labelledby="subs"><h2 id="subs">Subscriptions</h2>
${
  subs.length
    ? html`<div class="table-wrap"><table><caption>Where this project's events are sent. Open one to see its deliveries.</caption>
<thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">State</th><th scope="col">Secret</th><th scope="col">Created</th></tr></thead>
<tbody>${rows}</tbody></table></div>`
    : html`<p>No subscription: this project's events are not sent anywhere.</p>`
}</section>
<section class="panel" aria-labelledby="new-sub"><h2 id="new-sub">Subscribe</h2>
${formError(opts.error)}
<form method="post" action="${hooksPath(ctx)}">${csrfField(ctx.csrf)}
<div class="field"><label for="wh-url">URL</label><input type="url" id="wh-url" name="url" value="${v.url ?? ''}" required maxlength="2048" autocomplete="off" spellcheck="false" placeholder="https://example.com/hooks"></div>
<div class="field"><label for="wh-desc">Description <span class="muted">(optional)</span></label><input type="text" id="wh-desc" name="description" value="${v.description ?? ''}" maxlength="500" autocomplete="off"></div>
<fieldset><legend>Events</legend><div class="checks">
${check('*', 'Every event but the opt-in ones (*)', 0)}
${eventTypes.map((e, i) => check(e.event_type, html`<code>${e.event_type}</code>${e.opt_in ? ' (opt-in)' : ''}`, i + 1))}
</div></fieldset>
<button type="submit">Subscribe</button></form></section>`,
  });
}

/** The last attempt's HTTP status and the start of its error, if any. */
function lastResponse(d: WebhookDeliveryRow): SafeHtml {
  if (d.last_status === null && !d.last_error) return html`<span class="muted">—</span>`;
  const excerpt = d.last_error && d.last_error.length > 120 ? `${d.last_error.slice(0, 120)}…` : d.last_error;
  return html`${d.last_status ?? ''}${excerpt ? html`<br><span class="muted">${excerpt}</span>` : ''}`;
}

export function renderSubscription(
  ctx: Ctx,
  data: { view: Subscription; deliveries: WebhookDeliveryRow[]; nextCursor: string | null; types: Map<string, string> },
  opts: { notice?: string; onFirst: boolean },
): string {
  const s = data.view;
  const href = subHref(ctx, s.id);
  const rows = data.deliveries.map(
    (d) => html`<tr><td><a href="${deliveryHref(ctx, s.id, d.id)}"><code>${data.types.get(d.event_id) ?? d.event_id}</code></a></td>
<td>${deliveryBadge(d.status)}</td><td>${d.attempts}</td><td>${lastResponse(d)}</td><td class="nowrap">${when(d.created_at)}</td></tr>`,
  );
  return renderShell(ctx, {
    title: 'Webhook subscription',
    section: 'webhooks',
    notice: opts.notice,
    body: html`<h1>Webhook subscription</h1>
<section class="panel" aria-labelledby="sub-state"><h2 id="sub-state">Subscription</h2>
<dl class="meta">
<div><dt>URL</dt><dd><code>${s.webhook_url}</code></dd></div>
<div><dt>Description</dt><dd>${s.description ?? html`<span class="muted">—</span>`}</dd></div>
<div><dt>Events</dt><dd>${eventsText(s.enabled_events)}</dd></div>
<div><dt>State</dt><dd>${statusBadge(s.enabled ? 'ENABLED' : 'DISABLED')}</dd></div>
<div><dt>Signing secret</dt><dd><code>${s.secret}</code> <span class="muted">(masked; rotate it through the API)</span></dd></div>
<div><dt>Id</dt><dd><code>${s.id}</code></dd></div>
<div><dt>Created</dt><dd>${when(s.created_at)}</dd></div>
</dl>
<div class="actions">${
      s.enabled
        ? html`<form method="post" action="${href}/disable">${csrfField(ctx.csrf)}<button type="submit" class="secondary">Disable</button></form>`
        : html`<form method="post" action="${href}/enable">${csrfField(ctx.csrf)}<button type="submit">Enable</button></form>`
    }</div>
<form method="post" action="${href}/delete">${csrfField(ctx.csrf)}
<p class="check"><input type="checkbox" id="confirm-sub-delete" name="confirm" value="yes" required><label for="confirm-sub-delete">Delete this subscription (no more deliveries to it)</label></p>
<button type="submit" class="danger">Delete subscription</button></form></section>
<section class="panel" aria-labelledby="deliveries"><h2 id="deliveries">Deliveries</h2>
${
  data.deliveries.length
    ? html`<div class="table-wrap"><table><caption>Newest first. A dead delivery gave up after its retries; open it to send it again.</caption>
<thead><tr><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Last response</th><th scope="col">Created</th></tr></thead>
<tbody>${rows}</tbody></table></div>`
    : html`<p>No delivery yet.</p>`
}
${pager(href, data.nextCursor ? withQuery(href, { cursor: data.nextCursor }) : undefined, opts.onFirst)}
</section>`,
  });
}

/** The payload pretty-printed; it is escaped like every value. */
function payloadOf(event: WebhookEventRow | undefined): SafeHtml {
  if (!event) return html`<p class="muted">The event is no longer stored.</p>`;
  let text = event.payload;
  try {
    text = JSON.stringify(JSON.parse(event.payload), null, 2);
  } catch {
    // shown as stored
  }
  return html`<pre class="payload" tabindex="0" aria-label="Payload">${text}</pre>`;
}

export function renderDelivery(ctx: Ctx, data: { view: Subscription; delivery: WebhookDeliveryRow; event?: WebhookEventRow }, notice?: string): string {
  const d = data.delivery;
  const href = deliveryHref(ctx, data.view.id, d.id);
  return renderShell(ctx, {
    title: 'Webhook delivery',
    section: 'webhooks',
    notice,
    body: html`<h1>Delivery of <code>${data.event?.type ?? d.event_id}</code></h1>
<p><a href="${subHref(ctx, data.view.id)}">Back to the subscription</a> (<code>${data.view.webhook_url}</code>)</p>
<section class="panel" aria-labelledby="dl-state"><h2 id="dl-state">Attempts</h2>
<dl class="meta">
<div><dt>Status</dt><dd>${deliveryBadge(d.status)}</dd></div>
<div><dt>Attempts</dt><dd>${d.attempts}</dd></div>
<div><dt>Next attempt</dt><dd>${d.status === 'pending' ? when(d.next_attempt_at) : html`<span class="muted">—</span>`}</dd></div>
<div><dt>Last response status</dt><dd>${d.last_status ?? html`<span class="muted">—</span>`}</dd></div>
<div><dt>Last error</dt><dd>${d.last_error ?? html`<span class="muted">—</span>`}</dd></div>
<div><dt>Delivered</dt><dd>${when(d.delivered_at)}</dd></div>
<div><dt>Delivery id</dt><dd><code>${d.id}</code></dd></div>
<div><dt>Event id</dt><dd><code>${d.event_id}</code> <span class="muted">(the webhook-id header)</span></dd></div>
<div><dt>Created</dt><dd>${when(d.created_at)}</dd></div>
</dl>
<form method="post" action="${href}/redeliver">${csrfField(ctx.csrf)}<button type="submit">Redeliver</button>
<p class="hint">Queues it again now, with a fresh set of retries.</p></form></section>
<section class="panel" aria-labelledby="dl-payload"><h2 id="dl-payload">Payload</h2>
<p class="hint">As sent. Events carry the account as the API shows it, never a credential.</p>
${payloadOf(data.event)}</section>`,
  });
}
