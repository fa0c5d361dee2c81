// The console's HTML document: a skip link, the top bar (who is signed in,
// sign out), the project's navigation and the page. No scripts; the only
// subresource is the same-origin stylesheet.
import { html, type SafeHtml } from '../../views/escape.ts';
import { CONSOLE_STYLESHEET_PATH } from './style.ts';

export type Section = 'overview' | 'accounts' | 'auth-configs' | 'toolkits' | 'webhooks' | 'sessions' | 'keys' | 'audit' | 'projects';

export interface ShellContext {
  /** The signed-in actor as shown in the top bar. */
  who: string;
  csrf: string;
  /** The project the page belongs to (absent on the project picker). */
  project?: { id: string; name: string };
  /** The operator can go back to the project picker. */
  operator: boolean;
}

export function projectBase(projectId: string): string {
  return `/console/projects/${encodeURIComponent(projectId)}`;
}

export function csrfField(token: string): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${token}">`;
}

function nav(ctx: ShellContext, current: Section): SafeHtml {
  const item = (section: Section, href: string, label: string) =>
    html`<li><a href="${href}"${current === section ? html` aria-current="page"` : ''}>${label}</a></li>`;
  const base = ctx.project ? projectBase(ctx.project.id) : '';
  return html`<nav class="side" aria-label="Console"><ul>
${
  ctx.project
    ? [
        item('overview', base, 'Overview'),
        item('accounts', `${base}/accounts`, 'Connected accounts'),
        item('auth-configs', `${base}/auth-configs`, 'Auth configs'),
        item('toolkits', `${base}/toolkits`, 'Toolkits'),
        item('webhooks', `${base}/webhooks`, 'Webhooks'),
        item('sessions', `${base}/sessions`, 'Tool-router sessions'),
        item('keys', `${base}/keys`, 'API keys'),
        item('audit', `${base}/audit`, 'Audit log'),
      ]
    : ''
}
${ctx.operator ? item('projects', '/console/projects', 'All projects') : ''}
</ul></nav>`;
}

function documentOf(title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<meta name="color-scheme" content="light dark">
<title>${title} · authlink console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${CONSOLE_STYLESHEET_PATH}">
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
${body}
</body>
</html>
`.toString();
}

/** A signed-in page. */
export function renderShell(ctx: ShellContext, page: { title: string; section: Section; body: SafeHtml; notice?: string }): string {
  return documentOf(
    ctx.project ? `${page.title} · ${ctx.project.name}` : page.title,
    html`<header class="topbar">
<a class="brand" href="/console">authlink console</a>
<span class="who">${ctx.project ? html`Project <strong>${ctx.project.name}</strong> · ` : ''}${ctx.who}</span>
<form method="post" action="/console/sign-out">${csrfField(ctx.csrf)}<button type="submit" class="secondary">Sign out</button></form>
</header>
<div class="layout">
${nav(ctx, page.section)}
<main id="main" tabindex="-1">
${page.notice ? html`<p class="notice" role="status">${page.notice}</p>` : ''}
${page.body}
</main>
</div>`,
  );
}

/** A page without the signed-in chrome (sign-in, errors before a session). */
export function renderBare(title: string, body: SafeHtml): string {
  return documentOf(title, html`<main id="main" class="signin" tabindex="-1">${body}</main>`);
}
