// The project's API keys: list, create (the new key shown once, on the page
// the create form posts to), revoke.
import { html } from '../../views/escape.ts';
import type { ApiKeyRecord } from '../../store/api-keys.ts';
import { csrfField, projectBase, renderShell, type ShellContext } from './shell.ts';
import { statusBadge, when } from './format.ts';

export function renderKeys(
  ctx: ShellContext & { project: { id: string; name: string } },
  keys: ApiKeyRecord[],
  opts: { created?: { name: string; apiKey: string }; error?: string; notice?: string; currentKeyId?: string } = {},
): string {
  const base = `${projectBase(ctx.project.id)}/keys`;
  const rows = keys.map(
    (
      k,
    ) => html`<tr><td>${k.name}${k.id === opts.currentKeyId ? html` <span class="muted">(this session)</span>` : ''}</td><td><code>${k.key_prefix}…</code></td><td><code>${k.id}</code></td><td>${when(k.created_at)}</td>
<td>${k.revoked_at ? html`${statusBadge('REVOKED')} ${when(k.revoked_at)}` : statusBadge('ACTIVE')}</td>
<td>${k.revoked_at ? '' : html`<form method="post" action="${base}/${encodeURIComponent(k.id)}/revoke">${csrfField(ctx.csrf)}<button type="submit" class="danger" aria-label="Revoke key ${k.name} (${k.key_prefix}…)">Revoke</button></form>`}</td></tr>`,
  );
  return renderShell(ctx, {
    title: 'API keys',
    section: 'keys',
    notice: opts.notice,
    body: html`<h1>API keys</h1>
${
  opts.created
    ? html`<section class="panel" aria-labelledby="new-key"><h2 id="new-key">New key “${opts.created.name}”</h2>
<p><strong>Copy it now: it is shown only once.</strong> authlink stores only its hash.</p>
<code class="secret" id="new-key-value">${opts.created.apiKey}</code></section>`
    : ''
}
<section class="panel" aria-labelledby="create"><h2 id="create">Create a key</h2>
${opts.error ? html`<p class="error" role="alert">${opts.error}</p>` : ''}
<form method="post" action="${base}">${csrfField(ctx.csrf)}
<div class="field"><label for="key-name">Name</label><input type="text" id="key-name" name="name" required maxlength="100" autocomplete="off"></div>
<button type="submit">Create key</button></form></section>
<section class="panel" aria-labelledby="list"><h2 id="list">Keys</h2>
<div class="table-wrap"><table><caption>Revoking a key stops it at once, and ends console sessions signed in with it.</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Prefix</th><th scope="col">Id</th><th scope="col">Created</th><th scope="col">State</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
<tbody>${rows}</tbody></table></div></section>`,
  });
}
