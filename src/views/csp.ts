// Content-Security-Policy and companion headers for the server-rendered pages (the hosted connect page, the console).

// A CSP host-source only allows [A-Za-z0-9-] labels; anything else in an origin
// (e.g. ';' or ',' which WHATWG URL accepts in hosts) could break out of the
// directive, so such origins are dropped.
const CSP_SAFE_ORIGIN = /^https?:\/\/[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?$/;

/**
 * Origin of `url` suitable for a CSP source list, or null when `url` is not an
 * absolute http(s) URL with a plain DNS/IPv4 host (IPv6 literals, custom
 * schemes and unparsable values are not representable and are skipped).
 */
export function cspOrigin(url: string): string | null {
  let origin: string;
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return null;
    origin = u.origin;
  } catch {
    return null;
  }
  return CSP_SAFE_ORIGIN.test(origin) ? origin : null;
}

export interface CspOptions {
  /**
   * Full URLs (or origins) that a form on the page may end up at, including
   * via redirects after the POST: Chrome applies form-action to those
   * redirects. Typically the OAuth provider's authorization URL and the app's
   * callback URL. Only their origins are used.
   */
  formActions: string[];
}

export function contentSecurityPolicy({ formActions }: CspOptions): string {
  const origins: string[] = [];
  for (const url of formActions) {
    const origin = cspOrigin(url);
    if (origin !== null && !origins.includes(origin)) origins.push(origin);
  }
  const formAction = ["'self'", ...origins].join(' ');
  return ["default-src 'none'", "style-src 'self'", "img-src 'self' data:", `form-action ${formAction}`, "frame-ancestors 'none'", "base-uri 'none'"].join(
    '; ',
  );
}

/** Response headers for every HTML page of the connect flow (lower-case names). */
export function securityHeaders(csp: string): Record<string, string> {
  return {
    'content-security-policy': csp,
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  };
}
