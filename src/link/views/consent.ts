// OAuth2 consent screen: "<Project> wants to connect your <Toolkit> account".

import { html } from '../../views/escape.ts';
import { brandRow, csrfInput, metaList, renderErrors, sharedNotice } from './components.ts';
import { renderDocument } from './layout.ts';
import { requireSafeUrl } from './url.ts';
import type { ConnectVmBase } from './types.ts';

export interface ConsentVm extends ConnectVmBase {
  /** OAuth scopes that will be requested; empty means basic profile only. */
  scopes: string[];
  /** Why the last attempt did not reach the provider (an OAuth 1.0a provider that refused to start). */
  errors?: string[];
}

export function renderConsent(vm: ConsentVm): string {
  const action = requireSafeUrl(vm.action, 'consent form action');
  const cancelAction = requireSafeUrl(vm.cancelAction, 'cancel form action');
  const { projectName, toolkit } = vm;

  const access =
    vm.scopes.length > 0
      ? html`<ul class="scopes">${vm.scopes.map((s) => html`<li><code>${s}</code></li>`)}</ul>`
      : html`<ul class="scopes"><li>Your basic ${toolkit.name} profile</li></ul>`;

  const body = html`${brandRow(projectName, toolkit)}
<h1>${projectName} wants to ${vm.reconnect ? 'reconnect' : 'connect'} your ${toolkit.name} account</h1>
${renderErrors(vm.errors)}
${toolkit.description ? html`<p class="lead">${toolkit.description}</p>` : ''}
${metaList([
  ['App', projectName],
  ['Connecting for', html`<code>${vm.userId}</code>`],
  ['Connection name', vm.alias],
  ['Access', vm.accountType === 'SHARED' ? 'Shared' : 'Private'],
])}
<h2 id="access-heading">What will be shared</h2>
<div aria-labelledby="access-heading" role="group">${access}</div>
${vm.accountType === 'SHARED' ? sharedNotice(projectName, toolkit.name) : ''}
<p class="note">You'll be taken to ${toolkit.name} to sign in and approve access. Nothing is shared until you approve it there.</p>
${vm.reconnect ? html`<p class="note">Sign in with the same ${toolkit.name} account you connected before. Until you finish, your existing connection stays as it is.</p>` : ''}
<form method="post" action="${action}" class="actions">
${csrfInput(vm.csrfToken)}
<button type="submit" class="btn btn-primary">Continue to ${toolkit.name}</button>
</form>
<form method="post" action="${cancelAction}" class="cancel-form">
${csrfInput(vm.csrfToken)}
<button type="submit" class="btn btn-secondary">Cancel</button>
</form>`;

  const title = `Connect ${toolkit.name} to ${projectName}`;
  return renderDocument({ title: vm.errors?.length ? `Error: ${title}` : title, body });
}
