// Connected accounts: the filtered list and one account's detail, with its
// enable/disable and delete forms.
import { html, type SafeHtml } from '../../views/escape.ts';
import { ACCOUNT_STATUSES, type AccountService } from '../../services/accounts.ts';
import type { AuditEntry } from '../../store/audit.ts';
import type { AccountFilters } from '../service.ts';
import { csrfField, projectBase, renderShell, type ShellContext } from './shell.ts';
import { pager, statusBadge, when, withQuery } from './format.ts';
import { auditRows } from './audit.ts';

type AccountView = ReturnType<AccountService['view']>;
type Ctx = ShellContext & { project: { id: string; name: string } };

function accountHref(ctx: Ctx, id: string): string {
  return `${projectBase(ctx.project.id)}/accounts/${encodeURIComponent(id)}`;
}

function filterForm(ctx: Ctx, f: AccountFilters): SafeHtml {
  const options = ACCOUNT_STATUSES.map((s) => html`<option value="${s}"${f.status === s ? html` selected` : ''}>${s}</option>`);
  return html`<form method="get" action="${projectBase(ctx.project.id)}/accounts" class="panel filters" role="search" aria-label="Filter connected accounts">
<div class="field"><label for="f-user">User id</label><input type="text" id="f-user" name="user_id" value="${f.userId ?? ''}" maxlength="256" autocomplete="off" spellcheck="false"></div>
<div class="field"><label for="f-toolkit">Toolkit</label><input type="text" id="f-toolkit" name="toolkit" value="${f.toolkit ?? ''}" maxlength="100" autocomplete="off" spellcheck="false" placeholder="e.g. github"></div>
<div class="field"><label for="f-status">Status</label><select id="f-status" name="status"><option value="">Any status</option>${options}</select></div>
<div class="field"><button type="submit">Filter</button></div>
</form>`;
}

export function renderAccounts(ctx: Ctx, f: AccountFilters, page: { items: AccountView[]; total: number; nextCursor: string | null }, notice?: string): string {
  const listPath = `${projectBase(ctx.project.id)}/accounts`;
  const filters = { user_id: f.userId, toolkit: f.toolkit, status: f.status };
  const rows = page.items.map(
    (a) => html`<tr>
<td><a href="${accountHref(ctx, a.id)}">${a.user_id}</a>${a.alias ? html` <span class="muted">(${a.alias})</span>` : ''}</td>
<td>${a.toolkit.slug}</td>
<td>${statusBadge(a.status)}${a.is_disabled ? html` ${statusBadge('DISABLED')}` : ''}</td>
<td><code>${a.id}</code></td>
<td>${when(a.updated_at)}</td></tr>`,
  );
  return renderShell(ctx, {
    title: 'Connected accounts',
    section: 'accounts',
    notice,
    body: html`<h1>Connected accounts</h1>
${filterForm(ctx, f)}
<div class="panel">
${
  page.items.length
    ? html`<div class="table-wrap"><table><caption>${page.total} matching account(s), newest first.</caption>
<thead><tr><th scope="col">User id</th><th scope="col">Toolkit</th><th scope="col">Status</th><th scope="col">Account id</th><th scope="col">Updated</th></tr></thead>
<tbody>${rows}</tbody></table></div>`
    : html`<p>No connected account matches these filters.</p>`
}
${pager(withQuery(listPath, filters), page.nextCursor ? withQuery(listPath, { ...filters, cursor: page.nextCursor }) : undefined, !f.cursor)}
</div>`,
  });
}

/** The credential fields as the API shows them: secrets masked, never in clear. */
function credentialRows(val: Record<string, unknown>): SafeHtml {
  const entries = Object.entries(val).filter(([k]) => k !== 'status');
  if (!entries.length) return html`<p class="muted">No stored fields.</p>`;
  return html`<dl class="meta">${entries.map(([k, v]) => html`<div><dt>${k}</dt><dd><code>${typeof v === 'string' ? v : JSON.stringify(v)}</code></dd></div>`)}</dl>`;
}

export function renderAccount(ctx: Ctx, a: AccountView, history: AuditEntry[], notice?: string): string {
  const href = accountHref(ctx, a.id);
  const toggle = a.is_disabled
    ? html`<form method="post" action="${href}/enable">${csrfField(ctx.csrf)}<button type="submit">Enable</button></form>`
    : html`<form method="post" action="${href}/disable">${csrfField(ctx.csrf)}<button type="submit" class="secondary">Disable</button></form>`;
  return renderShell(ctx, {
    title: `Account ${a.user_id}`,
    section: 'accounts',
    notice,
    body: html`<h1>Connected account of <span class="mono">${a.user_id}</span></h1>
<section class="panel" aria-labelledby="state"><h2 id="state">State</h2>
<dl class="meta">
<div><dt>Status</dt><dd>${statusBadge(a.status)}${a.is_disabled ? html` ${statusBadge('DISABLED')} <span class="muted">disabled: tools and the proxy will not use it</span>` : ''}</dd></div>
<div><dt>Status reason</dt><dd>${a.status_reason ?? html`<span class="muted">—</span>`}</dd></div>
<div><dt>Toolkit</dt><dd>${a.toolkit.slug}</dd></div>
<div><dt>User id</dt><dd><code>${a.user_id}</code></dd></div>
<div><dt>Alias</dt><dd>${a.alias ?? html`<span class="muted">—</span>`}</dd></div>
<div><dt>Account id</dt><dd><code>${a.id}</code></dd></div>
<div><dt>Auth config</dt><dd><code>${a.auth_config.id}</code> (${a.auth_config.auth_scheme})</dd></div>
<div><dt>Type</dt><dd>${a.experimental.account_type}</dd></div>
<div><dt>Created</dt><dd>${when(a.created_at)}</dd></div>
<div><dt>Updated</dt><dd>${when(a.updated_at)}</dd></div>
</dl></section>
<section class="panel" aria-labelledby="creds"><h2 id="creds">Credentials (masked)</h2>${credentialRows(a.state.val)}</section>
<section class="panel" aria-labelledby="manage"><h2 id="manage">Manage</h2>
<div class="actions">${toggle}</div>
<form method="post" action="${href}/delete">${csrfField(ctx.csrf)}
<p class="check"><input type="checkbox" id="confirm-delete" name="confirm" value="yes" required><label for="confirm-delete">Delete this account and its stored credential (cannot be undone)</label></p>
<button type="submit" class="danger">Delete account</button></form>
</section>
<section class="panel" aria-labelledby="history"><h2 id="history">Audit entries</h2>
${history.length ? auditRows(history, 'Changes made to this account through the console or the API, newest first.') : html`<p class="muted">No audit entries for this account.</p>`}
</section>`,
  });
}
