// The sign-in page and the error page shown before (or without) a session.
import { html } from '../../views/escape.ts';
import { renderBare } from './shell.ts';

export function renderSignIn(opts: { operatorEnabled: boolean; error?: string; notice?: string }): string {
  const what = opts.operatorEnabled ? 'a project API key (ak_…) or the operator token' : 'a project API key (ak_…)';
  return renderBare(
    'Sign in',
    html`<div class="panel">
<h1>Sign in to the authlink console</h1>
${opts.notice ? html`<p class="notice" role="status">${opts.notice}</p>` : ''}
${opts.error ? html`<p class="error" role="alert" id="signin-error">${opts.error}</p>` : ''}
<form method="post" action="/console/sign-in">
<div class="field">
<label for="secret">API key or operator token</label>
<input type="password" id="secret" name="secret" required autocomplete="current-password" spellcheck="false" autocapitalize="off" aria-describedby="secret-help${opts.error ? ' signin-error' : ''}">
<p class="muted" id="secret-help">Paste ${what}. It is sent in this form only, never in a URL, and not stored by your browser.</p>
</div>
<button type="submit">Sign in</button>
</form>
</div>`,
  );
}

export function renderErrorPage(opts: { title: string; message: string; signedIn: boolean }): string {
  return renderBare(
    opts.title,
    html`<div class="panel">
<h1>${opts.title}</h1>
<p>${opts.message}</p>
<p><a href="${opts.signedIn ? '/console' : '/console/sign-in'}">${opts.signedIn ? 'Back to the console' : 'Sign in'}</a></p>
</div>`,
  );
}
