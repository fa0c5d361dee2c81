// Small building blocks shared by the pages. All return SafeHtml built with `html`.

import { html, raw, type SafeHtml } from '../../views/escape.ts';
import { initials, logoFill, paletteIndex, toolkitLogo } from '../../toolkits/logos.ts';

/** Stable palette index for a key: the generated logo's (same key, same colour). */
export const toneIndex = paletteIndex;

/** First letter/digit of `name`, upper-cased; '?' if there is none. */
export function monogramLetter(name: string): string {
  const match = /[\p{L}\p{N}]/u.exec(name ?? '');
  return match ? match[0].toLocaleUpperCase('en') : '?';
}

/** Decorative letter badge; the name is always spelled out in nearby text. */
export function monogram(colourKey: string, name: string): SafeHtml {
  return html`<span class="monogram tone-${toneIndex(colourKey)}" aria-hidden="true">${monogramLetter(name)}</span>`;
}

// Inline SVG is markup, not a fetched resource, so it is allowed by the CSP.
// Only presentation attributes are used (style="" would be blocked).
const ICON_PATHS = {
  connect: 'M7 8h11m0 0-3-3m3 3-3 3M17 16H6m0 0 3 3m-3-3 3-3',
  check: 'M5 12.5l4.5 4.5L19 7.5',
  cross: 'M7 7l10 10M17 7L7 17',
  clock: 'M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18M12 7v5l3 2',
  alert: 'M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18M12 7.5v5.5M12 16.5v.01',
  minus: 'M12 3a9 9 0 1 0 0 18a9 9 0 1 0 0-18M8 12h8',
} as const;

export type IconName = keyof typeof ICON_PATHS;

export function icon(name: IconName, size = 24): SafeHtml {
  return html`<svg width="${size}" height="${size}" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false"><path d="${ICON_PATHS[name]}"/></svg>`;
}

/**
 * The toolkit's logo, drawn inline (nothing is fetched): its brand's as SVG,
 * or else the generated tile GET /logos/<slug>.svg serves (src/toolkits/logos.ts)
 * drawn as a badge: the same initials on the same colour (tone-N is
 * FALLBACK_PALETTE[paletteIndex(slug)]). Decorative: the name is spelled out nearby.
 */
export function toolkitMark(toolkit: { slug: string; name: string }): SafeHtml {
  const logo = toolkitLogo(toolkit.slug);
  if (!logo) return html`<span class="monogram tone-${paletteIndex(toolkit.slug)}" aria-hidden="true">${initials(toolkit.name)}</span>`;
  return html`<span class="logo" aria-hidden="true"><svg width="28" height="28" viewBox="0 0 24 24" focusable="false"><path fill="${logoFill(logo.hex)}" d="${logo.path}"/></svg></span>`;
}

/** "[A] <-> [G]" header showing the app and the toolkit being connected. */
export function brandRow(projectName: string, toolkit: { slug: string; name: string }): SafeHtml {
  return html`<div class="brand-row">${monogram(`project:${projectName}`, projectName)}<span class="connector">${icon('connect')}</span>${toolkitMark(toolkit)}</div>`;
}

export function csrfInput(token: string): SafeHtml {
  return html`<input type="hidden" name="csrf" value="${token}">`;
}

/** Definition list of label/value rows; rows with an empty value are left out. */
export function metaList(rows: Array<[label: string, value: string | SafeHtml | null | undefined]>): SafeHtml {
  const items = rows.filter(([, v]) => v !== null && v !== undefined && v !== '').map(([label, value]) => html`<div><dt>${label}</dt><dd>${value}</dd></div>`);
  return html`<dl class="meta">${items}</dl>`;
}

export function sharedNotice(projectName: string, toolkitName: string): SafeHtml {
  return html`<div class="alert alert-warn"><p><strong>Shared connection.</strong> Other users of ${projectName} may use this connection to act on your ${toolkitName} account.</p></div>`;
}

export const poweredBy: SafeHtml = raw('<footer class="footer">Secured by <strong>authlink</strong></footer>');

/** Why the last attempt did not connect (a form's validation, a provider that could not be reached), shown above the form. */
export function renderErrors(errors: string[] | undefined): SafeHtml | '' {
  if (!errors || errors.length === 0) return '';
  return html`<div class="alert alert-error" role="alert"><p><strong>We couldn't connect your account.</strong></p><ul>${errors.map((e) => html`<li>${e}</li>`)}</ul></div>`;
}
