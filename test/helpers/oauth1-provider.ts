// An OAuth 1.0a provider on 127.0.0.1 (RFC 5849 with the 1.0a verifier), shaped
// like X's: POST /oauth/request_token, GET /oauth/authorize (the person
// approves or denies at once, as a logged-in user clicking Allow would),
// POST /oauth/access_token, and a signed API under /2. Every request's
// HMAC-SHA1 signature is checked by the base-string code below, written from
// RFC 5849 3.4.1 independently of the oauth-1.0a library authlink signs with;
// nonces are single use and timestamps must be within five minutes.
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** RFC 5849 3.6: unreserved characters stay, everything else is %XX (uppercase). */
export function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** RFC 5849 3.5.1: the Authorization header's parameters. */
export function parseOAuthHeader(value: string | undefined): Map<string, string> | undefined {
  if (!value?.startsWith('OAuth ')) return undefined;
  const out = new Map<string, string>();
  for (const m of value.slice(6).matchAll(/([A-Za-z0-9_%.-]+)="([^"]*)"/g)) out.set(decodeURIComponent(m[1]), decodeURIComponent(m[2]));
  return out;
}

/** RFC 5849 3.4.1: method & base string URI & normalised parameters (query, form body, oauth_* but the signature and realm). */
export function signatureBaseString(method: string, url: URL, header: Map<string, string>, form?: URLSearchParams): string {
  const pairs: Array<[string, string]> = [];
  for (const [k, v] of url.searchParams) pairs.push([k, v]);
  for (const [k, v] of form ?? []) pairs.push([k, v]);
  for (const [k, v] of header) if (k !== 'oauth_signature' && k !== 'realm') pairs.push([k, v]);
  const normalized = pairs
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const base = `${url.protocol}//${url.host.toLowerCase()}${url.pathname}`;
  return [method.toUpperCase(), rfc3986(base), rfc3986(normalized)].join('&');
}

export function hmacSha1(base: string, consumerSecret: string, tokenSecret = ''): string {
  return createHmac('sha1', `${rfc3986(consumerSecret)}&${rfc3986(tokenSecret)}`)
    .update(base)
    .digest('base64');
}

export interface SignedCall {
  method: string;
  path: string;
  query: Record<string, string>;
  form?: Record<string, string>;
  body: string;
  contentType?: string;
  token: string;
}

export interface OAuth1Provider {
  origin: string;
  consumer: { key: string; secret: string };
  endpoints: { request_token_url: string; authorization_url: string; access_token_url: string };
  /** Verified API calls, in order. */
  calls: SignedCall[];
  /** Requests refused, with why (a wrong signature, a replayed nonce...). */
  refusals: string[];
  counts: { requestToken: number; accessToken: number };
  /** The next person signs in as this X user (user_id), default "1001". */
  signInAs(userId: string): void;
  /** The next authorization is denied by the person. */
  denyNext(): void;
  /** The next request_token call answers this status. */
  failRequestTokenWith(status: number): void;
  close(): Promise<void>;
}

const WINDOW_SECONDS = 300;

export async function startOAuth1Provider(): Promise<OAuth1Provider> {
  const consumer = { key: `ck_${randomBytes(8).toString('hex')}`, secret: `cs_${randomBytes(16).toString('hex')}` };
  const temporary = new Map<string, { secret: string; callback: string; verifier?: string; userId?: string }>();
  const tokens = new Map<string, { secret: string; userId: string }>();
  const nonces = new Set<string>();
  const calls: SignedCall[] = [];
  const refusals: string[] = [];
  const counts = { requestToken: 0, accessToken: 0 };
  let userId = '1001';
  let deny = false;
  let requestTokenStatus: number | undefined;

  /** The request's OAuth parameters when its signature, nonce and timestamp hold; otherwise why not. */
  function verify(req: IncomingMessage, url: URL, form: URLSearchParams | undefined, tokenSecret: (token: string | undefined) => string | undefined) {
    const header = parseOAuthHeader(req.headers.authorization);
    if (!header) return { error: 'no OAuth Authorization header' };
    if (header.get('oauth_consumer_key') !== consumer.key) return { error: 'unknown consumer' };
    if (header.get('oauth_signature_method') !== 'HMAC-SHA1' || header.get('oauth_version') !== '1.0') return { error: 'bad method or version' };
    const ts = Number(header.get('oauth_timestamp'));
    if (!Number.isInteger(ts) || Math.abs(ts - Date.now() / 1000) > WINDOW_SECONDS) return { error: 'timestamp out of window' };
    const nonce = header.get('oauth_nonce') ?? '';
    if (nonce.length < 8 || nonces.has(`${ts}:${nonce}`)) return { error: 'nonce missing or replayed' };
    const secret = tokenSecret(header.get('oauth_token'));
    if (secret === undefined) return { error: 'unknown token' };
    const expected = hmacSha1(signatureBaseString(req.method ?? 'GET', url, header, form), consumer.secret, secret);
    if (header.get('oauth_signature') !== expected) return { error: 'signature does not match' };
    nonces.add(`${ts}:${nonce}`);
    return { header };
  }

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', origin);
    const contentType = req.headers['content-type'];
    const form = contentType?.startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(body) : undefined;
    const refuse = (status: number, why: string) => {
      refusals.push(`${req.method} ${url.pathname}: ${why}`);
      res
        .writeHead(status, { 'content-type': 'application/x-www-form-urlencoded' })
        .end(`oauth_problem=${status === 401 ? 'signature_invalid' : 'parameter_rejected'}`);
    };
    const formAnswer = (params: Record<string, string>) =>
      res.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded' }).end(new URLSearchParams(params).toString());

    if (req.method === 'POST' && url.pathname === '/oauth/request_token') {
      counts.requestToken++;
      if (requestTokenStatus) {
        const status = requestTokenStatus;
        requestTokenStatus = undefined;
        res.writeHead(status, { 'content-type': 'text/html' }).end('<html>unavailable</html>');
        return;
      }
      const v = verify(req, url, form, (token) => (token === undefined ? '' : undefined));
      if (!v.header) return refuse(401, v.error);
      const callback = v.header.get('oauth_callback');
      if (!callback) return refuse(400, 'no oauth_callback');
      const token = `rt_${randomBytes(12).toString('hex')}`;
      const secret = `rts_${randomBytes(16).toString('hex')}`;
      temporary.set(token, { secret, callback });
      return formAnswer({ oauth_token: token, oauth_token_secret: secret, oauth_callback_confirmed: 'true' });
    }
    if (req.method === 'GET' && url.pathname === '/oauth/authorize') {
      const token = url.searchParams.get('oauth_token') ?? '';
      const t = temporary.get(token);
      if (!t) return refuse(400, 'unknown temporary token at authorize');
      const back = new URL(t.callback);
      if (deny) {
        deny = false;
        back.searchParams.set('denied', token);
      } else {
        t.verifier = `v_${randomBytes(10).toString('hex')}`;
        t.userId = userId;
        back.searchParams.set('oauth_token', token);
        back.searchParams.set('oauth_verifier', t.verifier);
      }
      res.writeHead(302, { location: back.href }).end();
      return;
    }
    if (req.method === 'POST' && url.pathname === '/oauth/access_token') {
      counts.accessToken++;
      const v = verify(req, url, form, (token) => (token ? temporary.get(token)?.secret : undefined));
      if (!v.header) return refuse(401, v.error);
      const token = v.header.get('oauth_token')!;
      const t = temporary.get(token)!;
      if (!t.verifier || v.header.get('oauth_verifier') !== t.verifier) return refuse(401, 'verifier does not match');
      temporary.delete(token);
      const access = `${t.userId}-${randomBytes(12).toString('hex')}`;
      const secret = `ats_${randomBytes(16).toString('hex')}`;
      tokens.set(access, { secret, userId: t.userId! });
      return formAnswer({ oauth_token: access, oauth_token_secret: secret, user_id: t.userId!, screen_name: `user${t.userId}` });
    }
    if (url.pathname.startsWith('/2/')) {
      const v = verify(req, url, form, (token) => (token ? tokens.get(token)?.secret : undefined));
      if (!v.header) {
        refusals.push(`${req.method} ${url.pathname}: ${v.error}`);
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"title":"Unauthorized"}');
        return;
      }
      const token = v.header.get('oauth_token')!;
      calls.push({
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        ...(form ? { form: Object.fromEntries(form) } : {}),
        body,
        contentType,
        token,
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { id: tokens.get(token)!.userId } }));
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    consumer,
    endpoints: {
      request_token_url: `${origin}/oauth/request_token`,
      authorization_url: `${origin}/oauth/authorize`,
      access_token_url: `${origin}/oauth/access_token`,
    },
    calls,
    refusals,
    counts,
    signInAs(id) {
      userId = id;
    },
    denyNext() {
      deny = true;
    },
    failRequestTokenWith(status) {
      requestTokenStatus = status;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
