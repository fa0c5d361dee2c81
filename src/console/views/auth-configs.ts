// Auth configs: the list, one config (masked fields, scopes, enable/disable,
// delete) and the create form, which shows the chosen toolkit scheme's own
// creation fields (secret ones as password inputs, never filled back in).
import { html, type SafeHtml } from '../../views/escape.ts';
import type { AuthConfigRow } from '../../store/auth-configs.ts';
import type { AuthScheme, FieldDef, ToolkitDef } from '../../toolkits/types.ts';
import { schemeHasScopes } from '../service.ts';
import { csrfField, projectBase, renderShell, type ShellContext } from './shell.ts';
import { formError, logo, pager, statusBadge, when, withQuery } from './format.ts';

type Ctx = ShellContext & { project: { id: string; name: string } };

export const configsPath = (ctx: Ctx) => `${projectBase(ctx.project.id)}/auth-configs`;
const configHref = (ctx: Ctx, id: string) => `${configsPath(ctx)}/${encodeURIComponent(id)}`;

function toolkitCell(slug: string, toolkit: ToolkitDef | undefined): SafeHtml {
  return html`<span class="tk">${logo(slug)}<span>${toolkit?.name ?? slug} <span class="muted">(${slug})</span></span></span>`;
}

export function renderAuthConfigs(
  ctx: Ctx,
  page: { items: AuthConfigRow[]; nextCursor: string | null; total: number; counts: Map<string, number> },
  toolkitOf: (slug: string) => ToolkitDef | undefined,
  opts: { notice?: string; onFirst: boolean },
): string {
  const path = configsPath(ctx);
  const rows = page.items.map(
    (r) => html`<tr><td><a href="${configHref(ctx, r.id)}">${r.name}</a><br><code>${r.id}</code></td>
<td>${toolkitCell(r.toolkit_slug, toolkitOf(r.toolkit_slug))}</td>
<td>${r.auth_scheme}${r.is_composio_managed ? html` <span class="muted">(managed)</span>` : ''}</td>
<td>${statusBadge(r.status)}</td><td>${page.counts.get(r.id) ?? 0}</td><td>${when(r.created_at)}</td></tr>`,
  );
  return renderShell(ctx, {
    title: 'Auth configs',
    section: 'auth-configs',
    notice: opts.notice,
    body: html`<h1>Auth configs</h1>
<p><a class="button" href="${path}/new">Create an auth config</a></p>
<div class="panel">
${
  page.items.length
    ? html`<div class="table-wrap"><table><caption>${page.total} auth config(s), newest first. An auth config is how this project's users connect to one toolkit.</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Toolkit</th><th scope="col">Scheme</th><th scope="col">Status</th><th scope="col">Accounts</th><th scope="col">Created</th></tr></thead>
<tbody>${rows}</tbody></table></div>`
    : html`<p>No auth config yet. <a href="${projectBase(ctx.project.id)}/toolkits">Find a toolkit</a> and create one.</p>`
}
${pager(path, page.nextCursor ? withQuery(path, { cursor: page.nextCursor }) : undefined, opts.onFirst)}
</div>`,
  });
}

export interface AuthConfigDetail {
  row: AuthConfigRow;
  toolkit?: ToolkitDef;
  scheme?: AuthScheme;
  credentials: Record<string, unknown>;
  scopes: string[] | null;
  defaultScopes: string[];
  connections: number;
}

export function renderAuthConfig(ctx: Ctx, d: AuthConfigDetail, opts: { notice?: string; error?: string } = {}): string {
  const href = configHref(ctx, d.row.id);
  const enabled = d.row.status === 'ENABLED';
  const creds = Object.entries(d.credentials).filter(([k]) => k !== 'scopes');
  const scopesText = (d.scopes ?? d.defaultScopes).join(' ');
  return renderShell(ctx, {
    title: `Auth config ${d.row.name}`,
    section: 'auth-configs',
    notice: opts.notice,
    body: html`<h1>Auth config ${d.row.name}</h1>
<section class="panel" aria-labelledby="ac-state"><h2 id="ac-state">State</h2>
<dl class="meta">
<div><dt>Status</dt><dd>${statusBadge(d.row.status)}${enabled ? '' : html` <span class="muted">new links and tool calls with its accounts are refused</span>`}</dd></div>
<div><dt>Toolkit</dt><dd>${toolkitCell(d.row.toolkit_slug, d.toolkit)}</dd></div>
<div><dt>Scheme</dt><dd>${d.row.auth_scheme}${d.scheme ? html` (${d.scheme.name})` : ''}</dd></div>
<div><dt>Type</dt><dd>${d.row.is_composio_managed ? 'managed (the server operator’s OAuth app)' : 'custom (this project’s own credentials)'}</dd></div>
<div><dt>Id</dt><dd><code>${d.row.id}</code></dd></div>
<div><dt>Connected accounts</dt><dd><a href="${withQuery(`${projectBase(ctx.project.id)}/accounts`, { toolkit: d.row.toolkit_slug })}">${d.connections}</a></dd></div>
<div><dt>Created</dt><dd>${when(d.row.created_at)}</dd></div>
<div><dt>Updated</dt><dd>${when(d.row.updated_at)}</dd></div>
</dl></section>
<section class="panel" aria-labelledby="ac-fields"><h2 id="ac-fields">Fields (secrets masked)</h2>
${
  creds.length
    ? html`<dl class="meta">${creds.map(([k, v]) => html`<div><dt>${k}</dt><dd><code>${typeof v === 'string' ? v : JSON.stringify(v)}</code></dd></div>`)}</dl>`
    : html`<p class="muted">No stored fields.</p>`
}
</section>
${
  d.scheme && schemeHasScopes(d.scheme)
    ? html`<section class="panel" aria-labelledby="ac-scopes"><h2 id="ac-scopes">Scopes</h2>
<p>${d.scopes === null ? html`The toolkit’s default scopes apply.` : html`This config requests its own scopes.`} New connections and reconnections ask for these; existing accounts keep what they were granted.</p>
${formError(opts.error)}
<form method="post" action="${href}/scopes">${csrfField(ctx.csrf)}
<div class="field"><label for="ac-scopes-input">Scopes</label><p class="hint" id="ac-scopes-hint">Separated by spaces or commas. Saved empty, no scope is requested.</p>
<textarea id="ac-scopes-input" name="scopes" rows="3" aria-describedby="ac-scopes-hint" spellcheck="false">${scopesText}</textarea></div>
<button type="submit">Save scopes</button></form></section>`
    : ''
}
<section class="panel" aria-labelledby="ac-manage"><h2 id="ac-manage">Manage</h2>
<div class="actions">${
      enabled
        ? html`<form method="post" action="${href}/disable">${csrfField(ctx.csrf)}<button type="submit" class="secondary">Disable</button></form>`
        : html`<form method="post" action="${href}/enable">${csrfField(ctx.csrf)}<button type="submit">Enable</button></form>`
    }</div>
<form method="post" action="${href}/delete">${csrfField(ctx.csrf)}
<p class="check"><input type="checkbox" id="confirm-ac-delete" name="confirm" value="yes" required><label for="confirm-ac-delete">Delete this auth config (its ${d.connections} connected account(s) stop working; cannot be undone)</label></p>
<button type="submit" class="danger">Delete auth config</button></form>
</section>`,
  });
}

/** The first step of creating one: choose a toolkit (a search that leads to its schemes). */
export function renderChooseToolkit(ctx: Ctx, toolkits: ToolkitDef[], q: string | undefined): string {
  const path = `${configsPath(ctx)}/new`;
  const rows = toolkits
    .slice(0, 50)
    .map(
      (t) =>
        html`<li>${t.auth_schemes.map(
          (s) =>
            html`<a href="${withQuery(path, { toolkit: t.slug, scheme: s.mode })}"><span class="tk">${logo(t.slug)}<span>${t.name} · ${s.name} (${s.mode})</span></span></a>`,
        )}</li>`,
    );
  return renderShell(ctx, {
    title: 'Create an auth config',
    section: 'auth-configs',
    body: html`<h1>Create an auth config</h1>
<form method="get" action="${path}" class="panel" role="search" aria-label="Find a toolkit">
<div class="field"><label for="choose-q">Toolkit</label><input type="search" id="choose-q" name="q" value="${q ?? ''}" maxlength="100" autocomplete="off" placeholder="name, slug or category"></div>
<button type="submit">Find</button></form>
<section class="panel" aria-labelledby="choose"><h2 id="choose">Choose a toolkit and a scheme</h2>
${rows.length ? html`<ul class="choices">${rows}</ul>${toolkits.length > 50 ? html`<p class="muted">${toolkits.length - 50} more: narrow the search.</p>` : ''}` : html`<p>No toolkit matches.</p>`}
</section>`,
  });
}

function fieldInput(f: FieldDef, required: boolean, value: string | undefined): SafeHtml {
  const id = `cf-${f.name}`;
  // A secret is never written back into the page, not even after an error.
  const input = f.secret
    ? html`<input type="password" id="${id}" name="f_${f.name}" autocomplete="new-password" spellcheck="false"${required ? html` required` : ''} aria-describedby="${id}-hint">`
    : html`<input type="text" id="${id}" name="f_${f.name}" value="${value ?? f.default ?? ''}" autocomplete="off" spellcheck="false"${required ? html` required` : ''} aria-describedby="${id}-hint">`;
  return html`<div class="field"><label for="${id}">${f.display_name}${required ? '' : html` <span class="muted">(optional)</span>`}</label>
<p class="hint" id="${id}-hint">${f.description}${f.secret ? ' Secret: stored encrypted, shown masked.' : ''}</p>${input}</div>`;
}

export function renderNewAuthConfig(
  ctx: Ctx,
  toolkit: ToolkitDef,
  scheme: AuthScheme,
  opts: { managedAvailable: boolean; error?: string; values?: { name?: string; managed?: boolean; fields?: Record<string, string>; scopes?: string } },
): string {
  const v = opts.values ?? {};
  const creation = scheme.fields.auth_config_creation;
  const own = [...creation.required.map((f) => [f, true] as const), ...creation.optional.map((f) => [f, false] as const)].filter(
    ([f]) => f.name !== 'scopes' && f.name !== 'user_scopes',
  );
  const defaults = scheme.oauth2?.default_scopes ?? scheme.service_account?.default_scopes ?? [];
  const others = toolkit.auth_schemes.filter((s) => s.mode !== scheme.mode);
  return renderShell(ctx, {
    title: `New ${toolkit.name} auth config`,
    section: 'auth-configs',
    body: html`<h1><span class="tk">${logo(toolkit.slug)}<span>New ${toolkit.name} auth config</span></span></h1>
<p>Scheme: <strong>${scheme.name}</strong> (${scheme.mode}).${
      others.length
        ? html` Other schemes: ${others.map(
            (s, i) =>
              html`${i ? ', ' : ''}<a href="${withQuery(`${configsPath(ctx)}/new`, { toolkit: toolkit.slug, scheme: s.mode })}">${s.name} (${s.mode})</a>`,
          )}.`
        : ''
    }</p>
<section class="panel" aria-labelledby="new-ac"><h2 id="new-ac">Settings</h2>
${formError(opts.error)}
<form method="post" action="${configsPath(ctx)}">${csrfField(ctx.csrf)}
<input type="hidden" name="toolkit" value="${toolkit.slug}"><input type="hidden" name="scheme" value="${scheme.mode}">
<div class="field"><label for="cf-name">Name <span class="muted">(optional)</span></label><input type="text" id="cf-name" name="name" value="${v.name ?? ''}" maxlength="200" autocomplete="off"></div>
${
  opts.managedAvailable
    ? html`<fieldset><legend>Whose credentials</legend>
<p class="check"><input type="radio" id="cf-custom" name="type" value="custom"${v.managed ? '' : html` checked`}><label for="cf-custom">This project’s own (fill in the fields below)</label></p>
<p class="check"><input type="radio" id="cf-managed" name="type" value="managed"${v.managed ? html` checked` : ''}><label for="cf-managed">The server operator’s app (managed: the fields below are not used)</label></p></fieldset>`
    : html`<input type="hidden" name="type" value="custom">`
}
${own.length ? own.map(([f, req]) => fieldInput(f, req && !v.managed && !opts.managedAvailable, v.fields?.[f.name])) : html`<p class="muted">This scheme needs no settings: each user gives their own credential when they connect.</p>`}
${
  schemeHasScopes(scheme)
    ? html`<div class="field"><label for="cf-scopes">Scopes <span class="muted">(optional)</span></label><p class="hint" id="cf-scopes-hint">Separated by spaces or commas. Empty: the toolkit’s defaults${defaults.length ? html` (<code>${defaults.join(' ')}</code>)` : ''}.</p>
<textarea id="cf-scopes" name="scopes" rows="2" spellcheck="false" aria-describedby="cf-scopes-hint">${v.scopes ?? ''}</textarea></div>`
    : ''
}
<button type="submit">Create auth config</button></form></section>`,
  });
}
