// URL checks for values placed in href/action attributes. Escaping keeps a
// value inside its attribute; this keeps script-bearing schemes out of it.

const BASE = 'https://base.invalid/';

/**
 * True when `url` resolves (the way a browser would, relative to the page) to
 * an http: or https: URL. Rejects javascript:, data:, vbscript:, etc. even when
 * obfuscated with whitespace, tabs or mixed case, since the WHATWG URL parser
 * normalises those the same way browsers do.
 */
export function isSafeUrl(url: string): boolean {
  if (typeof url !== 'string' || url.length === 0) return false;
  try {
    const { protocol } = new URL(url, BASE);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}

/** Returns `url` unchanged if safe; throws otherwise (form actions are server-built). */
export function requireSafeUrl(url: string, what: string): string {
  if (!isSafeUrl(url)) throw new TypeError(`unsafe URL for ${what}`);
  return url;
}
