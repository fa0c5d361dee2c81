// The project's audit log, newest first.
import { html, type SafeHtml } from '../../views/escape.ts';
import type { AuditEntry } from '../../store/audit.ts';
import { projectBase, renderShell, type ShellContext } from './shell.ts';
import { pager, when, withQuery } from './format.ts';

export function auditRows(entries: AuditEntry[], caption: string): SafeHtml {
  const rows = entries.map(
    (e) => html`<tr><td>${when(e.created_at)}</td><td><code>${e.action}</code></td><td><code>${e.target_id}</code></td>
<td>${e.api_key_id ? html`<code>${e.api_key_id}</code>` : html`<span class="muted">operator</span>`}</td><td class="details"><code>${e.details ?? ''}</code></td></tr>`,
  );
  return html`<div class="table-wrap"><table><caption>${caption}</caption>
<thead><tr><th scope="col">When</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">By (API key)</th><th scope="col">Details</th></tr></thead>
<tbody>${rows}</tbody></table></div>`;
}

export function renderAudit(
  ctx: ShellContext & { project: { id: string; name: string } },
  page: { items: AuditEntry[]; nextCursor: string | null },
  onFirst: boolean,
): string {
  const path = `${projectBase(ctx.project.id)}/audit`;
  return renderShell(ctx, {
    title: 'Audit log',
    section: 'audit',
    body: html`<h1>Audit log</h1><div class="panel">
${page.items.length ? auditRows(page.items, 'Most recent first.') : html`<p>No audit entries.</p>`}
${pager(path, page.nextCursor ? withQuery(path, { cursor: page.nextCursor }) : undefined, onFirst)}
</div>`,
  });
}
