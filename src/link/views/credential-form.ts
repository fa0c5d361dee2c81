// Credential form for API key / bearer token / basic-auth toolkits.

import { html, type SafeHtml } from '../../views/escape.ts';
import { brandRow, csrfInput, metaList, renderErrors, sharedNotice } from './components.ts';
import { renderDocument } from './layout.ts';
import { requireSafeUrl } from './url.ts';
import type { ConnectVmBase } from './types.ts';
import type { FormField } from '../../services/hosted-flow.ts';

/** A form field as the hosted flow describes it (src/services/hosted-flow.ts). */
export type CredentialFieldVm = FormField;

export interface CredentialFormVm extends ConnectVmBase {
  /** Human name of the auth scheme, e.g. "API Key". */
  schemeName: string;
  fields: CredentialFieldVm[];
  /** Validation errors from a previous submission, shown above the form. */
  errors?: string[];
}

function renderField(field: CredentialFieldVm, index: number): SafeHtml {
  // ids are index-based so odd field names can't break label association.
  const id = `field-${index}`;
  const hintId = `${id}-hint`;
  const hint = field.description ? html`<p class="hint" id="${hintId}">${field.description}</p>` : '';
  const describedBy = field.description ? html` aria-describedby="${hintId}"` : '';
  const required = field.required ? html` required aria-required="true"` : '';
  const input = field.secret
    ? html`<input class="input" type="password" id="${id}" name="${field.name}" autocomplete="off" autocapitalize="off" spellcheck="false"${required}${describedBy}>`
    : html`<input class="input" type="text" id="${id}" name="${field.name}" value="${field.value ?? ''}" autocomplete="off" autocapitalize="off" spellcheck="false"${required}${describedBy}>`;
  return html`<div class="field">
<label for="${id}">${field.display_name}${field.required ? '' : html` <span class="optional">(optional)</span>`}</label>
${hint}${input}
</div>`;
}

export function renderCredentialForm(vm: CredentialFormVm): string {
  const action = requireSafeUrl(vm.action, 'credential form action');
  const cancelAction = requireSafeUrl(vm.cancelAction, 'cancel form action');
  const { projectName, toolkit } = vm;

  const body = html`${brandRow(projectName, toolkit)}
<h1>${vm.reconnect ? 'Reconnect' : 'Connect'} your ${toolkit.name} account</h1>
<p class="lead">${projectName} needs your ${toolkit.name} credentials to connect.</p>
${renderErrors(vm.errors)}
${metaList([
  ['App', projectName],
  ['Connecting for', html`<code>${vm.userId}</code>`],
  ['Connection name', vm.alias],
  ['Sign-in method', vm.schemeName],
  ['Access', vm.accountType === 'SHARED' ? 'Shared' : 'Private'],
])}
${vm.accountType === 'SHARED' ? sharedNotice(projectName, toolkit.name) : ''}
<form method="post" action="${action}">
${csrfInput(vm.csrfToken)}
${vm.fields.map(renderField)}
<p class="note">Your credentials are encrypted before they are stored.</p>
<div class="actions"><button type="submit" class="btn btn-primary">Connect ${toolkit.name}</button></div>
</form>
<form method="post" action="${cancelAction}" class="cancel-form">
${csrfInput(vm.csrfToken)}
<button type="submit" class="btn btn-secondary">Cancel</button>
</form>`;

  const title = `Connect ${toolkit.name} to ${projectName}`;
  return renderDocument({ title: vm.errors?.length ? `Error: ${title}` : title, body });
}
