// Small pieces the console's pages share.
import { html, type SafeHtml } from '../../views/escape.ts';

/** A status as a badge; the word itself is the information (colour only repeats it). */
export function statusBadge(status: string): SafeHtml {
  return html`<span class="badge st-${/^[A-Z_]+$/.test(status) ? status : 'OTHER'}">${status}</span>`;
}

/** An ISO timestamp as readable UTC, in a <time> element carrying the exact value. */
export function when(iso: string | null | undefined): SafeHtml {
  if (!iso) return html`<span class="muted">—</span>`;
  return html`<time datetime="${iso}">${iso
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC')
    .replace(/Z$/, ' UTC')}</time>`;
}

/** A URL with its query built from the non-empty values. */
export function withQuery(path: string, params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

/** "First page" / "Next page" links of a keyset listing. */
export function pager(firstHref: string, nextHref: string | undefined, onFirst: boolean): SafeHtml {
  if (onFirst && !nextHref) return html``;
  return html`<nav class="pager" aria-label="Pages">${onFirst ? '' : html`<a href="${firstHref}">First page</a>`}${nextHref ? html`<a href="${nextHref}" rel="next">Next page</a>` : ''}</nav>`;
}

/** A toolkit's logo, served same-origin (GET /logos/<slug>.svg; CSP img-src 'self'). Decorative: its name is always beside it. */
export function logo(slug: string): SafeHtml {
  return html`<img class="logo" src="/logos/${encodeURIComponent(slug)}.svg" alt="" width="24" height="24">`;
}

/** A form's error, announced to screen readers. */
export function formError(message: string | undefined): SafeHtml {
  return message ? html`<p class="error" role="alert">${message}</p>` : html``;
}
