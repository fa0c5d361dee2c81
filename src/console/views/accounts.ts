// Connected accounts: the filtered list and one account's detail, with its
// enable/disable and delete forms.
import { html, type SafeHtml } from '../../views/escape.ts';
import { ACCOUNT_STATUSES, type AccountService } from '../../services/accounts.ts';
import type { AuditEntry } from '../../store/audit.ts';
import type { AccountFilters } from '../service.ts';
import { csrfField, projectBase, renderShell, type ShellContext } from './shell.ts';
import { formError, pager, statusBadge, when, withQuery } from './format.ts';
import type { WebhookEventRow } from '../../store/webhooks.ts';
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
<div class="field"><label for="f-alias">Alias</label><input type="text" id="f-alias" name="alias" value="${f.alias ?? ''}" maxlength="100" autocomplete="off" spellcheck="false"></div>
<div class="field"><label for="f-toolkit">Toolkit</label><input type="text" id="f-toolkit" name="toolkit" value="${f.toolkit ?? ''}" maxlength="100" autocomplete="off" spellcheck="false" placeholder="e.g. github"></div>
<div class="field"><label for="f-status">Status</label><select id="f-status" name="status"><option value="">Any status</option>${options}</select></div>
<div class="field"><button type="submit">Filter</button></div>
</form>`;
}

export function renderAccounts(ctx: Ctx, f: AccountFilters, page: { items: AccountView[]; total: number; nextCursor: string | null }, notice?: string): string {
  const listPath = `${projectBase(ctx.project.id)}/accounts`;
  const filters = { user_id: f.userId, alias: f.alias, toolkit: f.toolkit, status: f.status };
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

export interface AccountDetail {
  view: AccountView;
  history: AuditEntry[];
  events: WebhookEventRow[];
  scopes: { requested: string[] | null; granted: string[] | null };
  refresh: { failures: number; next: string | null; tokenExpires: string | null };
}

export interface ReconnectState {
  /** The new link: shown on this response only. */
  created?: { url: string; expiresAt: string };
  error?: string;
  redirectUrl?: string;
}

function scopeList(list: string[] | null, other: string[] | null, missingWord: string): SafeHtml {
  if (list === null) return html`<span class="muted">—</span>`;
  if (!list.length) return html`<span class="muted">none</span>`;
  const otherSet = new Set(other ?? []);
  return html`<ul class="scopes">${list.map(
    (s) => html`<li><code>${s}</code>${other !== null && !otherSet.has(s) ? html` <span class="badge st-FAILED">${missingWord}</span>` : ''}</li>`,
  )}</ul>`;
}

function scopesSection(d: AccountDetail): SafeHtml {
  const { requested, granted } = d.scopes;
  if (requested === null && granted === null) return html``;
  return html`<section class="panel" aria-labelledby="scopes"><h2 id="scopes">Scopes</h2>
<dl class="meta">
<div><dt>Requested</dt><dd>${scopeList(requested, granted, 'not granted')}</dd></div>
<div><dt>Granted</dt><dd>${scopeList(granted, requested, 'not requested')}</dd></div>
</dl></section>`;
}

/** What an event adds to its type: the account's status then, its reason, and the event's own metadata (an error, a refresh). */
function eventSummary(e: WebhookEventRow): SafeHtml {
  try {
    const p = JSON.parse(e.payload) as { metadata?: Record<string, unknown>; data?: { status?: string; status_reason?: string | null } };
    const { project_id: _p, org_id: _o, ...meta } = p.metadata ?? {};
    return html`${p.data?.status ? statusBadge(p.data.status) : ''} ${p.data?.status_reason ?? ''}${Object.keys(meta).length ? html` <code>${JSON.stringify(meta)}</code>` : ''}`;
  } catch {
    return html``;
  }
}

function timeline(d: AccountDetail): SafeHtml {
  if (!d.events.length)
    return html`<p class="muted">No stored event about this account (events are kept only while the project has a webhook subscription for them).</p>`;
  return html`<div class="table-wrap"><table><caption>What happened to this account, newest first: the events sent to this project's webhooks.</caption>
<thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">Status then, reason, details</th></tr></thead>
<tbody>${d.events.map((e) => html`<tr><td class="nowrap">${when(e.created_at)}</td><td><code>${e.type}</code></td><td class="details">${eventSummary(e)}</td></tr>`)}</tbody></table></div>`;
}

function reconnectSection(ctx: Ctx, a: AccountView, r: ReconnectState): SafeHtml {
  const href = accountHref(ctx, a.id);
  return html`<section class="panel" aria-labelledby="reconnect"><h2 id="reconnect">Reconnect link</h2>
${
  r.created
    ? html`<div class="notice" role="status"><p><strong>Send this link to ${a.user_id}. It is shown only once</strong> and works once, until ${when(r.created.expiresAt)}.</p>
<label for="reconnect-url">New reconnect link</label><input type="text" id="reconnect-url" class="secret" value="${r.created.url}" readonly spellcheck="false"></div>`
    : ''
}
<p>A new link for the user to connect this same account again (for example after it EXPIRED). Until they finish, the account keeps its current state and credential.</p>
${formError(r.error)}
<form method="post" action="${href}/reconnect-link">${csrfField(ctx.csrf)}
<div class="field"><label for="reconnect-redirect">Where to send the user afterwards</label><p class="hint" id="reconnect-redirect-hint">Your app’s callback URL, checked against the project’s callback URL rules.</p>
<input type="url" id="reconnect-redirect" name="redirect_url" value="${r.redirectUrl ?? ''}" required maxlength="2048" autocomplete="off" spellcheck="false" aria-describedby="reconnect-redirect-hint"></div>
<button type="submit">Create a reconnect link</button></form></section>`;
}

export function renderAccount(ctx: Ctx, d: AccountDetail, opts: { notice?: string; reconnect?: ReconnectState } = {}): string {
  const a = d.view;
  const history = d.history;
  const notice = opts.notice;
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
<div><dt>Auth config</dt><dd><a href="${projectBase(ctx.project.id)}/auth-configs/${encodeURIComponent(a.auth_config.id)}"><code>${a.auth_config.id}</code></a> (${a.auth_config.auth_scheme})</dd></div>
<div><dt>Type</dt><dd>${a.experimental.account_type}</dd></div>
<div><dt>Created</dt><dd>${when(a.created_at)}</dd></div>
<div><dt>Updated</dt><dd>${when(a.updated_at)}</dd></div>
${d.refresh.tokenExpires ? html`<div><dt>Token expires</dt><dd>${when(d.refresh.tokenExpires)}</dd></div>` : ''}
${d.refresh.failures ? html`<div><dt>Failed refreshes</dt><dd>${d.refresh.failures} in a row; next attempt ${when(d.refresh.next)}</dd></div>` : ''}
</dl></section>
${scopesSection(d)}
<section class="panel" aria-labelledby="creds"><h2 id="creds">Credentials (masked)</h2>${credentialRows(a.state.val)}</section>
<section class="panel" aria-labelledby="manage"><h2 id="manage">Manage</h2>
<div class="actions">${toggle}</div>
<form method="post" action="${href}/delete">${csrfField(ctx.csrf)}
<p class="check"><input type="checkbox" id="confirm-delete" name="confirm" value="yes" required><label for="confirm-delete">Delete this account and its stored credential (cannot be undone)</label></p>
<button type="submit" class="danger">Delete account</button></form>
</section>
${reconnectSection(ctx, a, opts.reconnect ?? {})}
<section class="panel" aria-labelledby="events"><h2 id="events">Event timeline</h2>${timeline(d)}</section>
<section class="panel" aria-labelledby="history"><h2 id="history">Audit entries</h2>
${history.length ? auditRows(history, 'Changes made to this account through the console or the API, newest first.') : html`<p class="muted">No audit entries for this account.</p>`}
</section>`,
  });
}
