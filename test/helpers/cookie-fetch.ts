// A tiny browser stand-in for tests: fetch with a cookie jar and manual
// redirects, enough to click through an OAuth provider's login/consent pages
// over plain HTTP. Cookies are kept per host name (RFC 6265: not per port),
// honour Path, Max-Age and Expires, and ignore Domain (tests run on 127.0.0.1).

export interface CookieResponse {
  url: string;
  status: number;
  location?: string; // absolute, resolved against `url`
  headers: Headers;
  text: string;
}

export interface FollowResult {
  chain: string[]; // every URL requested, in order, then the URL we stopped at (if stopped)
  url: string; // last URL: the one stopAt matched, or the last one fetched
  stopped: boolean; // true when stopAt matched (that URL was NOT requested)
  last?: CookieResponse; // last response fetched (the non-redirect page when !stopped)
}

export interface FollowOptions {
  maxHops?: number; // default 20
  stopAt?: (url: string) => boolean; // checked before each request
}

export interface CookieClient {
  get(url: string): Promise<CookieResponse>;
  post(url: string, form?: Record<string, string> | URLSearchParams): Promise<CookieResponse>;
  follow(url: string, opts?: FollowOptions): Promise<FollowResult>;
  cookies(url: string): Array<{ name: string; value: string; path: string }>;
}

interface StoredCookie {
  name: string;
  value: string;
  path: string;
  expires?: number; // epoch ms; undefined = session cookie
}

export function createCookieClient(): CookieClient {
  const jar = new Map<string, Map<string, StoredCookie>>(); // host -> "name;path" -> cookie

  function matching(url: URL): StoredCookie[] {
    const now = Date.now();
    const byKey = jar.get(url.hostname);
    if (!byKey) return [];
    const out: StoredCookie[] = [];
    for (const [key, c] of byKey) {
      if (c.expires !== undefined && c.expires <= now) {
        byKey.delete(key);
        continue;
      }
      if (pathMatches(url.pathname, c.path)) out.push(c);
    }
    // RFC 6265 5.4: longer paths first.
    return out.sort((a, b) => b.path.length - a.path.length);
  }

  function store(url: URL, headers: Headers): void {
    for (const line of headers.getSetCookie()) {
      const c = parseSetCookie(line, url);
      if (!c) continue;
      let byKey = jar.get(url.hostname);
      if (!byKey) {
        byKey = new Map();
        jar.set(url.hostname, byKey);
      }
      const key = `${c.name};${c.path}`;
      if (c.expires !== undefined && c.expires <= Date.now()) byKey.delete(key);
      else byKey.set(key, c);
    }
  }

  async function request(method: 'GET' | 'POST', url: string, body?: URLSearchParams): Promise<CookieResponse> {
    const u = new URL(url);
    const headers: Record<string, string> = { accept: 'text/html,application/json;q=0.9,*/*;q=0.8' };
    const cookie = matching(u)
      .map((c) => `${c.name}=${c.value}`)
      .join('; ');
    if (cookie) headers.cookie = cookie;
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(u, { method, headers, body, redirect: 'manual' });
    store(u, res.headers);
    const loc = res.headers.get('location');
    return {
      url: u.href,
      status: res.status,
      ...(loc ? { location: new URL(loc, u).href } : {}),
      headers: res.headers,
      text: await res.text(),
    };
  }

  return {
    get: (url) => request('GET', url),
    post: (url, form) => request('POST', url, new URLSearchParams(form ?? {})),
    async follow(start, opts = {}) {
      const maxHops = opts.maxHops ?? 20;
      const chain: string[] = [];
      let url = start;
      for (let hop = 0; ; hop++) {
        if (opts.stopAt?.(url)) {
          chain.push(url);
          return { chain, url, stopped: true };
        }
        if (hop > maxHops) throw new Error(`more than ${maxHops} redirects; chain: ${chain.join(' -> ')}`);
        const res = await request('GET', url);
        chain.push(url);
        if (res.status >= 300 && res.status < 400 && res.location) {
          url = res.location;
          continue;
        }
        return { chain, url, stopped: false, last: res };
      }
    },
    cookies: (url) => matching(new URL(url)).map(({ name, value, path }) => ({ name, value, path })),
  };
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

function parseSetCookie(line: string, url: URL): StoredCookie | undefined {
  const [pair, ...attrs] = line.split(';');
  const eq = pair.indexOf('=');
  if (eq <= 0) return undefined;
  const c: StoredCookie = { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), path: defaultPath(url) };
  let maxAgeSeen = false;
  for (const attr of attrs) {
    const i = attr.indexOf('=');
    const k = (i < 0 ? attr : attr.slice(0, i)).trim().toLowerCase();
    const v = i < 0 ? '' : attr.slice(i + 1).trim();
    if (k === 'path' && v.startsWith('/')) c.path = v;
    else if (k === 'max-age' && /^-?\d+$/.test(v)) {
      maxAgeSeen = true; // Max-Age wins over Expires
      c.expires = Date.now() + Number(v) * 1000;
    } else if (k === 'expires' && !maxAgeSeen) {
      const t = Date.parse(v);
      if (!Number.isNaN(t)) c.expires = t;
    }
  }
  return c;
}

// RFC 6265 5.1.4: the request path up to (not including) its last '/'.
function defaultPath(url: URL): string {
  const p = url.pathname;
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

// ---------------------------------------------------------------------------
// oidc-provider devInteractions driver

export interface DriveOptions {
  login: string; // any account id; becomes `sub`
  consent: 'accept' | 'deny'; // deny = the page's "[ Cancel ]" (abort) link on the consent prompt
}

/**
 * Opens `authorizeUrl` and clicks through oidc-provider's devInteractions
 * login and consent pages. Returns the URL the provider finally redirects to
 * on another origin: the relying party's redirect_uri with code & state (or
 * error=access_denied after deny). That URL is not requested.
 */
export async function driveOidcInteraction(client: CookieClient, authorizeUrl: string, opts: DriveOptions): Promise<string> {
  const providerOrigin = new URL(authorizeUrl).origin;
  const stopAt = (u: string) => new URL(u).origin !== providerOrigin;

  let r = await client.follow(authorizeUrl, { stopAt });
  for (let step = 0; step < 8; step++) {
    if (r.stopped) return r.url;
    const page = r.last!;
    if (page.status !== 200) {
      throw new Error(`interaction: HTTP ${page.status} at ${page.url}: ${textOf(page.text).slice(0, 300)}`);
    }
    const form = parseForm(page.text, page.url);
    if (!form) throw new Error(`interaction: no form at ${page.url}: ${textOf(page.text).slice(0, 300)}`);

    const prompt = form.fields.prompt;
    if (prompt === 'consent' && opts.consent === 'deny') {
      const abort = /<a\b[^>]*\bhref="([^"]*\/abort)"/i.exec(page.text)?.[1];
      if (!abort) throw new Error(`interaction: no abort link at ${page.url}`);
      r = await client.follow(new URL(decodeEntities(abort), page.url).href, { stopAt });
      continue;
    }
    if (prompt === 'login') {
      form.fields.login = opts.login;
      form.fields.password = 'any-password'; // devInteractions accepts any
    }
    const posted = await client.post(form.action, form.fields);
    if (!posted.location) {
      throw new Error(`interaction: POST ${form.action} answered ${posted.status} without a redirect: ${textOf(posted.text).slice(0, 300)}`);
    }
    r = await client.follow(posted.location, { stopAt });
  }
  throw new Error('interaction: did not reach the redirect_uri');
}

interface ParsedForm {
  action: string;
  fields: Record<string, string>;
}

// Enough HTML parsing for oidc-provider's own templates: the first <form>, its
// action, and every named <input> with its value.
function parseForm(html: string, base: string): ParsedForm | undefined {
  const m = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (!m) return undefined;
  const action = attr(m[1], 'action');
  const fields: Record<string, string> = {};
  for (const input of m[2].match(/<input\b[^>]*>/gi) ?? []) {
    const name = attr(input, 'name');
    if (name) fields[name] = attr(input, 'value') ?? '';
  }
  return { action: new URL(action ?? base, base).href, fields };
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'i').exec(tag);
  const v = m?.[1] ?? m?.[2];
  return v === undefined ? undefined : decodeEntities(v);
}

function decodeEntities(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function textOf(html: string): string {
  return html
    .replace(/<style[\s\S]*?<\/style>/gi, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
