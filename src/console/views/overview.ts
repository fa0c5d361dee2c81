// The operator's project picker and a project's overview.
import { html } from '../../views/escape.ts';
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

export function renderOverview(
  ctx: ShellContext & { project: { id: string; name: string } },
  data: { byStatus: Map<string, number>; authConfigs: number; failures: AccountRow[] },
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
