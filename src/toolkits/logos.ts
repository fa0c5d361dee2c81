// Toolkit logos. Built-ins whose brand Simple Icons carries have it
// (src/toolkits/logos.generated.json, scripts/logos.ts; read on first use: a
// process that serves no hosted page and no logo never parses the file); every
// other toolkit, operators' included, gets a generated tile: its name's
// initials on a colour derived from its slug. authlink serves them itself, so
// pages and API clients never fetch a third-party image.
import { readFileSync } from 'node:fs';

export interface Logo {
  /** Its Simple Icons slug. */
  icon: string;
  /** The brand's name as Simple Icons spells it. */
  title: string;
  /** Brand colour, six hex digits. */
  hex: string;
  /** SVG path data on a 24x24 canvas. */
  path: string;
}

/** Where authlink serves them: GET /logos/<toolkit slug>.svg (src/api/logos.ts). */
export const LOGO_PATH = '/logos';

const FILE = new URL('./logos.generated.json', import.meta.url);

let logos: Map<string, Logo> | undefined;

/** The logo of a built-in toolkit, by toolkit slug. */
export function toolkitLogo(slug: string): Logo | undefined {
  logos ??= new Map(Object.entries((JSON.parse(readFileSync(FILE, 'utf8')) as { logos: Record<string, Logo> }).logos));
  return logos.get(slug);
}

/** A fill that stays visible on a white tile: near-white brand colours are drawn dark. */
export function logoFill(hex: string): string {
  const [r, g, b] = [0, 2, 4].map((i) => Number.parseInt(hex.slice(i, i + 2), 16) / 255);
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return luminance > 0.85 ? '#1f2328' : `#${hex}`;
}

/** Text and attribute values in SVG markup: every character that could end either is a character reference. */
export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The logo as a standalone SVG document (GET /logos/<slug>.svg). Path data comes from the generated file, never from a request. */
export function logoSvg(logo: Logo): string {
  const title = escapeXml(logo.title);
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 24 24" width="24" height="24"><title>${title}</title><path fill="${logoFill(logo.hex)}" d="${logo.path}"/></svg>`;
}

/**
 * Tile colours of the generated logo, and of the hosted page's monogram badges
 * (src/link/views/style.ts draws `tone-N` with them, so the page shows the
 * same tile), chosen so white text on each has a contrast of at least 4.5:1.
 */
export const FALLBACK_PALETTE: readonly string[] = [
  '#b91c1c',
  '#c2410c',
  '#a16207',
  '#15803d',
  '#047857',
  '#0f766e',
  '#0e7490',
  '#1d4ed8',
  '#4338ca',
  '#6d28d9',
  '#a21caf',
  '#be185d',
];

/** A stable palette index for a key (FNV-1a 32-bit): the same slug always gets the same tile colour. */
export function paletteIndex(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % FALLBACK_PALETTE.length;
}

/** Up to two initials of a name ("Google Calendar" -> "GC", "monday.com" -> "MC", "GitHub" -> "G"); "?" when it has no letter or digit. */
export function initials(name: string): string {
  const words = (name ?? '').match(/[\p{L}\p{N}]+/gu) ?? [];
  const letters = words.slice(0, 2).map((w) => Array.from(w)[0].toLocaleUpperCase('en'));
  return letters.join('') || '?';
}

export interface FallbackLogo {
  /** Text on the tile. */
  initials: string;
  /** Tile colour, "#rrggbb". */
  fill: string;
}

/** The generated logo of a toolkit without a bundled one: its name's initials on a tile coloured from its slug. */
export function fallbackLogo(toolkit: { slug: string; name: string }): FallbackLogo {
  return { initials: initials(toolkit.name), fill: FALLBACK_PALETTE[paletteIndex(toolkit.slug)] };
}

/** The tile's SVG elements on a 24x24 canvas. Escaped here: the initials come from a toolkit file's name. */
function fallbackSvgBody(logo: FallbackLogo): string {
  const size = logo.initials.length > 1 ? 10 : 13;
  return (
    `<rect width="24" height="24" rx="5.5" fill="${logo.fill}"/>` +
    `<text x="12" y="12" dy=".35em" text-anchor="middle" font-family="system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif" font-size="${size}" font-weight="700" fill="#fff">${escapeXml(logo.initials)}</text>`
  );
}

/**
 * The SVG document GET /logos/<slug>.svg serves for a toolkit: its bundled
 * logo when it has one, else the generated tile. Every value from a toolkit
 * file (name, initials) is escaped; path data and colours come from the
 * generated file or the palette, never from a request.
 */
export function toolkitLogoSvg(toolkit: { slug: string; name: string }): string {
  const logo = toolkitLogo(toolkit.slug);
  if (logo) return logoSvg(logo);
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 24 24" width="24" height="24"><title>${escapeXml(toolkit.name)}</title>${fallbackSvgBody(fallbackLogo(toolkit))}</svg>`;
}
