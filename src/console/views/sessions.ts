// Tool-router sessions: the list (filter by user) and one session's config
// with, per toolkit, the account the session resolves to and why.
import { html, type SafeHtml } from '../../views/escape.ts';
import type { AccountRow } from '../../store/accounts.ts';
import type { SessionRow } from '../../store/sessions.ts';
import type { SessionConfig } from '../../services/sessions.ts';
import type { Resolution } from '../../services/account-resolution.ts';
import type { ToolkitDef } from '../../toolkits/types.ts';
import { projectBase, renderShell, type ShellContext } from './shell.ts';
import { logo, pager, statusBadge, when, withQuery } from './format.ts';

type Ctx = ShellContext & { project: { id: string; name: string } };

const sessionsPath = (ctx: Ctx) => `${projectBase(ctx.project.id)}/sessions`;

function toolkitsOf(config: SessionConfig): string {
  const t = config.toolkits;
  if (!t) return 'all toolkits';
  if ('enabled' in t) return t.enabled.length ? `only ${t.enabled.join(', ')}` : 'none';
  return t.disabled.length ? `all but ${t.disabled.join(', ')}` : 'all toolkits';
}

export function renderSessions(ctx: Ctx, page: { items: SessionRow[]; nextCursor: string | null }, f: { userId?: string; cursor?: string }): string {
  const path = sessionsPath(ctx);
  const rows = page.items.map((r) => {
    const config = JSON.parse(r.config) as SessionConfig;
    return html`<tr><td><a href="${path}/${encodeURIComponent(r.id)}"><code>${r.id}</code></a></td><td>${r.user_id}</td><td>${toolkitsOf(config)}</td><td>${r.config_version}</td><td>${when(r.created_at)}</td></tr>`;
  });
  return renderShell(ctx, {
    title: 'Tool-router sessions',
    section: 'sessions',
    body: html`<h1>Tool-router sessions</h1>
<form method="get" action="${path}" class="panel" role="search" aria-label="Filter sessions">
<div class="field"><label for="s-user">User id</label><input type="text" id="s-user" name="user_id" value="${f.userId ?? ''}" maxlength="256" autocomplete="off" spellcheck="false"></div>
<button type="submit">Filter</button></form>
<div class="panel">
${
  page.items.length
    ? html`<div class="table-wrap"><table><caption>Newest first. Open one to see which account each toolkit uses, and why.</caption>
<thead><tr><th scope="col">Session</th><th scope="col">User id</th><th scope="col">Toolkits</th><th scope="col">Version</th><th scope="col">Created</th></tr></thead>
<tbody>${rows}</tbody></table></div>`
    : html`<p>No session${f.userId ? ' of this user' : ''}.</p>`
}
${pager(withQuery(path, { user_id: f.userId }), page.nextCursor ? withQuery(path, { user_id: f.userId, cursor: page.nextCursor }) : undefined, !f.cursor)}
</div>`,
  });
}

export interface ToolkitResolution {
  slug: string;
  toolkit?: ToolkitDef;
  enabled: boolean;
  pinned: string[];
  authConfig?: string;
  keptFromRouter: string[];
  result: Resolution<AccountRow>;
}

function why(ctx: Ctx, r: ToolkitResolution): SafeHtml {
  const base = projectBase(ctx.project.id);
  if (r.result.ok) {
    const a = r.result.account;
    const reason =
      r.result.via === 'pinned'
        ? r.pinned.length > 1
          ? `Pinned in connected_accounts.${r.slug} (the newest usable of ${r.pinned.length} pins).`
          : `Pinned in connected_accounts.${r.slug}.`
        : `The user’s newest ACTIVE, enabled, private account for ${r.slug}${r.authConfig ? ` made with auth config ${r.authConfig} (auth_configs.${r.slug})` : ''}.`;
    return html`<a href="${base}/accounts/${encodeURIComponent(a.id)}"><code>${a.id}</code></a>${a.alias ? html` <span class="muted">(${a.alias})</span>` : ''} ${statusBadge(a.status)}<br>${reason}`;
  }
  const e = r.result.error;
  return html`<strong>No account.</strong> ${e.message}.${e.errors?.length ? html`<ul>${e.errors.map((x) => html`<li><code>${x}</code></li>`)}</ul>` : ''}${
    r.keptFromRouter.length
      ? html`<br><span class="muted">Kept from the tool router (is_enabled_for_tool_router false): ${r.keptFromRouter.join(', ')}.</span>`
      : ''
  }${e.suggestedFix ? html`<br><span class="muted">${e.suggestedFix}</span>` : ''}`;
}

export function renderSession(ctx: Ctx, data: { row: SessionRow; config: SessionConfig; resolutions: ToolkitResolution[] }): string {
  const { row, config } = data;
  const rows = data.resolutions.map(
    (r) => html`<tr><td><span class="tk">${logo(r.slug)}<span>${r.toolkit?.name ?? r.slug}</span></span></td><td>${r.enabled ? 'yes' : 'no'}</td>
<td class="details">${why(ctx, r)}</td></tr>`,
  );
  return renderShell(ctx, {
    title: 'Tool-router session',
    section: 'sessions',
    body: html`<h1>Tool-router session of <span class="mono">${row.user_id}</span></h1>
<section class="panel" aria-labelledby="s-state"><h2 id="s-state">Session</h2>
<dl class="meta">
<div><dt>Id</dt><dd><code>${row.id}</code></dd></div>
<div><dt>User id</dt><dd><a href="${withQuery(`${projectBase(ctx.project.id)}/accounts`, { user_id: row.user_id })}">${row.user_id}</a></dd></div>
<div><dt>Toolkits</dt><dd>${toolkitsOf(config)}</dd></div>
<div><dt>Multiple accounts</dt><dd>${config.multi_account?.require_explicit_selection ? 'the agent must choose one' : 'the newest one is used'}</dd></div>
<div><dt>Config version</dt><dd>${row.config_version}</dd></div>
<div><dt>Created</dt><dd>${when(row.created_at)}</dd></div>
<div><dt>Updated</dt><dd>${when(row.updated_at)}</dd></div>
</dl></section>
<section class="panel" aria-labelledby="s-resolve"><h2 id="s-resolve">Which account each toolkit uses</h2>
${
  rows.length
    ? html`<div class="table-wrap"><table><caption>Every toolkit the session names or the user has an account for, resolved by the same rules as the API's tool calls.</caption>
<thead><tr><th scope="col">Toolkit</th><th scope="col">Enabled</th><th scope="col">Account, and why</th></tr></thead>
<tbody>${rows}</tbody></table></div>`
    : html`<p>The session names no toolkit and the user has no account yet.</p>`
}</section>
<section class="panel" aria-labelledby="s-config"><h2 id="s-config">Config</h2>
<pre class="payload" tabindex="0" aria-label="Session config">${JSON.stringify(config, null, 2)}</pre></section>`,
  });
}
