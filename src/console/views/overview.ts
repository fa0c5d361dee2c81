// The operator's project picker and a project's overview.
import { html, type SafeHtml } from '../../views/escape.ts';
import type { LinkFunnel } from '../../store/console-reads.ts';
import type { WebhookDeliveryRow } from '../../store/webhooks.ts';
import { ACCOUNT_STATUSES } from '../../services/accounts.ts';
import type { AccountRow } from '../../store/accounts.ts';
import type { Project } from '../../store/projects.ts';
import { projectBase, renderShell, type ShellContext } from './shell.ts';
import { statusBadge, when, withQuery } from './format.ts';

export function renderProjects(ctx: ShellContext, projects: Project[]): string {
  const rows = projects.map(
    (p) => html`<tr><td><a href="${projectBase(p.id)}">${p.name}</a></td><td><code>${p.id}</code></td><td>${when(p.created_at)}</td></tr>`,
  );
  return renderShell(ctx, {
    title: 'Projects',
    section: 'projects',
    body: html`<h1>Projects</h1>
<div class="panel table-wrap"><table>
<caption>${projects.length} project(s). Choose one to see its accounts, keys and audit log.</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Id</th><th scope="col">Created</th></tr></thead>
<tbody>${rows}</tbody></table></div>`,
  });
}

const STAGES: Array<[keyof LinkFunnel, string]> = [
  ['created', 'Created'],
  ['opened', 'Opened'],
  ['completed', 'Completed'],
  ['failed', 'Failed'],
  ['expired', 'Expired'],
];

/**
 * The funnel as horizontal bars in inline SVG: no script, no inline style
 * (the bars' colours come from the stylesheet's classes), the numbers drawn
 * beside the bars, and the whole chart described in one sentence for screen
 * readers (the drawing itself is hidden from them).
 */
export function funnelChart(id: string, caption: string, f: LinkFunnel): SafeHtml {
  const max = Math.max(1, f.created);
  const row = 22;
  const barX = 78;
  const barMax = 170;
  const bars = STAGES.map(([key, label], i) => {
    const y = i * row;
    const w = f[key] === 0 ? 0 : Math.max(2, Math.round((f[key] / max) * barMax));
    return html`<text x="0" y="${y + 15}" class="lbl">${label}</text><rect x="${barX}" y="${y + 4}" width="${w}" height="14" rx="2" class="bar bar-${key}"></rect><text x="${barX + w + 6}" y="${y + 15}" class="num">${f[key]}</text>`;
  });
  const sentence = `${caption}: ${STAGES.map(([key, label]) => `${f[key]} ${label.toLowerCase()}`).join(', ')}.`;
  return html`<figure class="funnel"><figcaption id="${id}">${caption}</figcaption>
<p class="sr-only">${sentence}</p>
<svg viewBox="0 0 300 ${STAGES.length * row}" width="300" height="${STAGES.length * row}" aria-hidden="true" focusable="false">${bars}</svg></figure>`;
}

export function renderOverview(
  ctx: ShellContext & { project: { id: string; name: string } },
  data: {
    byStatus: Map<string, number>;
    authConfigs: number;
    failures: AccountRow[];
    funnels: { day: LinkFunnel; week: LinkFunnel };
    refreshing: AccountRow[];
    dead: { count: number; latest: Array<WebhookDeliveryRow & { type: string | null }> };
  },
): string {
  const base = projectBase(ctx.project.id);
  const total = [...data.byStatus.values()].reduce((a, b) => a + b, 0);
  const stats = ACCOUNT_STATUSES.map(
    (s) =>
      html`<div><dt>${statusBadge(s)}</dt><dd><a href="${withQuery(`${base}/accounts`, { status: s })}" aria-label="${data.byStatus.get(s) ?? 0} ${s} accounts">${data.byStatus.get(s) ?? 0}</a></dd></div>`,
  );
  const failures = data.failures.map(
    (a) =>
      html`<tr><td><a href="${base}/accounts/${encodeURIComponent(a.id)}">${a.user_id}</a></td><td>${a.toolkit_slug}</td><td>${statusBadge(a.status)}</td><td>${a.status_reason ?? ''}</td><td>${when(a.updated_at)}</td></tr>`,
  );
  return renderShell(ctx, {
    title: 'Overview',
    section: 'overview',
    body: html`<h1>Overview</h1>
<section class="panel" aria-labelledby="by-status"><h2 id="by-status">Connected accounts by status</h2>
<p class="muted">${total} connected account(s), ${data.authConfigs} auth config(s).</p>
<dl class="stats">${stats}</dl></section>
<section class="panel" aria-labelledby="funnel"><h2 id="funnel">Link funnel</h2>
<p class="muted">Links created in the period, by how far they got: opened (the user acted on the page), completed, failed (refused, cancelled or denied), expired unused.</p>
<div class="funnels">${funnelChart('funnel-day', 'Last 24 hours', data.funnels.day)}${funnelChart('funnel-week', 'Last 7 days', data.funnels.week)}</div>
</section>
<section class="panel" aria-labelledby="refreshing"><h2 id="refreshing">Failing refreshes</h2>
${
  data.refreshing.length
    ? html`<div class="table-wrap"><table><caption>Accounts whose token refresh failed and is being retried (a provider that refuses outright makes the account EXPIRED instead).</caption>
<thead><tr><th scope="col">User id</th><th scope="col">Toolkit</th><th scope="col">Failures</th><th scope="col">Next attempt</th><th scope="col">Token expires</th></tr></thead>
<tbody>${data.refreshing.map(
        (a) =>
          html`<tr><td><a href="${base}/accounts/${encodeURIComponent(a.id)}">${a.user_id}</a></td><td>${a.toolkit_slug}</td><td>${a.refresh_failures}</td><td>${when(a.next_refresh_at)}</td><td>${when(a.token_expires_at)}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p>No failing token refresh.</p>`
}
</section>
<section class="panel" aria-labelledby="dead"><h2 id="dead">Dead webhook deliveries</h2>
${
  data.dead.count
    ? html`<p><strong>${data.dead.count}</strong> deliver${data.dead.count === 1 ? 'y' : 'ies'} gave up after every retry. Open one to see the last response and send it again.</p>
<ul>${data.dead.latest.map(
        (d) =>
          html`<li><a href="${base}/webhooks/${encodeURIComponent(d.endpoint_id)}/deliveries/${encodeURIComponent(d.id)}"><code>${d.type ?? d.event_id}</code></a> · ${d.last_status ?? d.last_error ?? ''} · ${when(d.updated_at)}</li>`,
      )}</ul>
<p><a href="${base}/webhooks">All subscriptions</a></p>`
    : html`<p>No dead delivery.</p>`
}
</section>
<section class="panel" aria-labelledby="failures"><h2 id="failures">Recent failures</h2>
${
  data.failures.length
    ? html`<div class="table-wrap"><table><caption>The latest accounts that ended FAILED or EXPIRED, with the reason.</caption>
<thead><tr><th scope="col">User id</th><th scope="col">Toolkit</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">Updated</th></tr></thead>
<tbody>${failures}</tbody></table></div>`
    : html`<p>No failed or expired accounts.</p>`
}
</section>`,
  });
}
