// Final page of the connect flow: success, or why the link can't be used.

import { html, type SafeHtml } from '../../views/escape.ts';
import { icon, type IconName } from './components.ts';
import { renderDocument } from './layout.ts';
import { isSafeUrl } from './url.ts';

export type ResultKind = 'success' | 'failed' | 'expired' | 'used' | 'invalid' | 'cancelled';

export interface ResultVm {
  kind: ResultKind;
  projectName?: string;
  toolkitName?: string;
  /** Extra detail (e.g. the provider's error description), shown as-is (escaped). */
  message?: string;
  /** Where the "Return to app" button goes; omitted unless relative or http(s). */
  continueUrl?: string;
}

/** Suggested HTTP status for each result page. */
export const RESULT_HTTP_STATUS: Readonly<Record<ResultKind, number>> = {
  success: 200,
  cancelled: 200,
  failed: 400,
  expired: 410,
  used: 410,
  invalid: 404,
};

interface Copy {
  icon: IconName;
  tone: 'ok' | 'bad' | 'attn' | 'neutral';
  title: string;
  headline: string;
  text: SafeHtml;
}

function copyFor(kind: ResultKind, app: SafeHtml, toolkit: string | undefined): Copy {
  const account = toolkit ? html`your ${toolkit} account` : html`your account`;
  switch (kind) {
    case 'success':
      return {
        icon: 'check',
        tone: 'ok',
        title: 'Account connected',
        headline: toolkit ? `${toolkit} connected` : 'Account connected',
        text: html`${toolkit ? html`Your ${toolkit} account` : 'Your account'} is now connected to ${app}. You can close this window.`,
      };
    case 'failed':
      return {
        icon: 'cross',
        tone: 'bad',
        title: 'Connection failed',
        headline: toolkit ? `Couldn't connect ${toolkit}` : 'Connection failed',
        text: html`Something went wrong while connecting ${account}. Go back to ${app} and try again. If it keeps happening, contact ${app}'s support.`,
      };
    case 'expired':
      return {
        icon: 'clock',
        tone: 'attn',
        title: 'Link expired',
        headline: 'This link has expired',
        text: html`For your security, connection links only work for a limited time. Ask ${app} for a new link and try again.`,
      };
    case 'used':
      return {
        icon: 'alert',
        tone: 'attn',
        title: 'Link already used',
        headline: 'This link has already been used',
        text: html`Each connection link works only once. If you still need to connect ${account}, ask ${app} for a new link.`,
      };
    case 'invalid':
      return {
        icon: 'alert',
        tone: 'bad',
        title: 'Invalid link',
        headline: "This link isn't valid",
        text: html`The link may be incomplete or mistyped. Make sure you opened the whole link, or ask ${app} for a new one.`,
      };
    case 'cancelled':
      return {
        icon: 'minus',
        tone: 'neutral',
        title: 'Connection cancelled',
        headline: 'Connection cancelled',
        text: html`No account was connected and nothing was shared with ${app}. You can close this window.`,
      };
  }
}

export function renderResult(vm: ResultVm): string {
  const app = vm.projectName ? html`${vm.projectName}` : html`the app`;
  const copy = copyFor(vm.kind, app, vm.toolkitName || undefined);
  const continueUrl = vm.continueUrl && isSafeUrl(vm.continueUrl) ? vm.continueUrl : null;
  const label = vm.projectName ? html`Return to ${vm.projectName}` : html`Return to the app`;

  const body = html`<div class="status-icon status-${copy.tone}">${icon(copy.icon, 28)}</div>
<h1>${copy.headline}</h1>
<p class="lead">${copy.text}</p>
${vm.message ? html`<div class="alert alert-info"><p>${vm.message}</p></div>` : ''}
${continueUrl ? html`<div class="actions"><a class="btn btn-primary" href="${continueUrl}">${label}</a></div>` : ''}`;

  return renderDocument({ title: copy.title, body });
}
