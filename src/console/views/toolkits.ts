// The toolkit catalog: a search by name, slug or category, and one toolkit's
// schemes with the fields each asks for, linking to the auth-config form.
import { html, type SafeHtml } from '../../views/escape.ts';
import type { AuthScheme, FieldGroup, ToolkitDef } from '../../toolkits/types.ts';
import { projectBase, renderShell, type ShellContext } from './shell.ts';
import { logo, withQuery } from './format.ts';

type Ctx = ShellContext & { project: { id: string; name: string } };

const toolkitHref = (ctx: Ctx, slug: string) => `${projectBase(ctx.project.id)}/toolkits/${encodeURIComponent(slug)}`;

export function renderToolkits(ctx: Ctx, found: ToolkitDef[], total: number, q: string | undefined): string {
  const rows = found.map(
    (
      t,
    ) => html`<tr><td><a href="${toolkitHref(ctx, t.slug)}"><span class="tk">${logo(t.slug)}<span>${t.name}</span></span></a></td><td><code>${t.slug}</code></td>
<td>${t.categories.join(', ')}</td><td>${t.auth_schemes.map((s) => s.mode).join(', ')}</td></tr>`,
  );
  return renderShell(ctx, {
    title: 'Toolkits',
    section: 'toolkits',
    body: html`<h1>Toolkits</h1>
<form method="get" action="${projectBase(ctx.project.id)}/toolkits" class="panel" role="search" aria-label="Search toolkits">
<div class="field"><label for="tk-q">Name, slug or category</label><input type="search" id="tk-q" name="q" value="${q ?? ''}" maxlength="100" autocomplete="off" spellcheck="false"></div>
<button type="submit">Search</button></form>
<div class="panel">
${
  found.length
    ? html`<div class="table-wrap"><table><caption>${found.length} of ${total} toolkit(s)${q ? html` matching “${q}”` : ''}.</caption>
<thead><tr><th scope="col">Toolkit</th><th scope="col">Slug</th><th scope="col">Categories</th><th scope="col">Schemes</th></tr></thead>
<tbody>${rows}</tbody></table></div>`
    : html`<p>No toolkit matches “${q ?? ''}”.</p>`
}
</div>`,
  });
}

function fieldList(group: FieldGroup, caption: string): SafeHtml {
  const all = [...group.required.map((f) => [f, true] as const), ...group.optional.map((f) => [f, false] as const)];
  if (!all.length) return html`<p class="muted">${caption}: none.</p>`;
  return html`<div class="table-wrap"><table><caption>${caption}</caption>
<thead><tr><th scope="col">Field</th><th scope="col">Name</th><th scope="col">Required</th><th scope="col">Secret</th><th scope="col">Description</th></tr></thead>
<tbody>${all.map(
    ([f, req]) =>
      html`<tr><td>${f.display_name}</td><td><code>${f.name}</code></td><td>${req ? 'required' : 'optional'}</td><td>${f.secret ? 'secret' : ''}</td><td>${f.description}</td></tr>`,
  )}</tbody></table></div>`;
}

function schemeSection(ctx: Ctx, t: ToolkitDef, s: AuthScheme, i: number): SafeHtml {
  const scopes = s.oauth2?.default_scopes ?? s.service_account?.default_scopes;
  return html`<section class="panel" aria-labelledby="scheme-${i}"><h2 id="scheme-${i}">${s.name} <span class="muted">(${s.mode})</span></h2>
${scopes ? html`<p>Default scopes: ${scopes.length ? html`<code>${scopes.join(' ')}</code>` : html`<span class="muted">none</span>`}</p>` : ''}
${fieldList(s.fields.auth_config_creation, 'Fields of the auth config (the project gives them once)')}
${fieldList(s.fields.connected_account_initiation, 'Fields each user gives when connecting')}
<p><a class="button" href="${withQuery(`${projectBase(ctx.project.id)}/auth-configs/new`, { toolkit: t.slug, scheme: s.mode })}">Create an auth config with ${s.name}</a></p>
</section>`;
}

export function renderToolkit(ctx: Ctx, t: ToolkitDef): string {
  return renderShell(ctx, {
    title: `Toolkit ${t.name}`,
    section: 'toolkits',
    body: html`<h1><span class="tk">${logo(t.slug)}<span>${t.name}</span></span></h1>
<section class="panel" aria-labelledby="tk-about"><h2 id="tk-about">About</h2>
<dl class="meta">
<div><dt>Slug</dt><dd><code>${t.slug}</code></dd></div>
<div><dt>Description</dt><dd>${t.description}</dd></div>
<div><dt>Categories</dt><dd>${t.categories.join(', ')}</dd></div>
<div><dt>API base URL</dt><dd><code>${t.base_url}</code></dd></div>
<div><dt>Documentation</dt><dd><code>${t.docs_url}</code></dd></div>
</dl></section>
${t.auth_schemes.map((s, i) => schemeSection(ctx, t, s, i))}`,
  });
}
