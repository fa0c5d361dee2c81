// The HTML document shell shared by every page of the connect flow.

import { html, type SafeHtml } from '../../views/escape.ts';
import { poweredBy } from './components.ts';
import { STYLESHEET_PATH } from './style.ts';

export interface DocumentOptions {
  title: string;
  body: SafeHtml;
}

/**
 * Full HTML document: a centred card holding `body`, and the footer. No
 * scripts; the only subresource is the same-origin stylesheet (the favicon is
 * an empty data: URL so browsers don't request /favicon.ico).
 */
export function renderDocument({ title, body }: DocumentOptions): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<meta name="color-scheme" content="light dark">
<title>${title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${STYLESHEET_PATH}">
</head>
<body>
<div class="shell">
<main class="card">
${body}
</main>
${poweredBy}
</div>
</body>
</html>
`.toString();
}
