// Built-in toolkits' logos (src/toolkits/logos.generated.json, from Simple
// Icons; scripts/logos.ts). Read on first use: a process that serves no
// hosted page and no logo never parses the file. authlink serves them itself,
// so pages and API clients never fetch a third-party image.
import { readFileSync } from 'node:fs';

export interface Logo {
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

/** The logo as a standalone SVG document (GET /logos/<slug>.svg). Path data comes from the generated file, never from a request. */
export function logoSvg(logo: Logo): string {
  const title = logo.title.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return `<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 24 24" width="24" height="24"><title>${title}</title><path fill="${logoFill(logo.hex)}" d="${logo.path}"/></svg>`;
}
