// POST /tools/execute/proxy: one call to a toolkit's API with a connected
// account's credentials put on it exactly as the toolkit's apply rules say.
//
// - The URL is the toolkit's base_url (filled with the account's connection
//   fields) joined with the endpoint; it never leaves that origin (ssrf.ts).
// - The caller's headers may not replace a credential header, Host, or a
//   hop-by-hop / framing header; the caller's query may not replace a
//   credential query parameter. All offenders are listed in one 400.
// - Redirects are not followed: a 3xx comes back as is, with its location.
// - One deadline per upstream attempt (connect + headers + body) and one cap
//   on the body (before and after decompression).
// - An upstream 401 on an OAUTH2 account: one forced refresh, one retry.
// - Error messages name at most the upstream host: no path, query or value,
//   and nothing that happened before the request went out beyond "could not
//   reach" (see transportFailure).
import { type Dispatcher, ProxyAgent } from 'undici';
import { ApiError } from '../errors.ts';
import { applyCredentials } from '../toolkits/apply.ts';
import { oauth1Authorization } from '../oauth/oauth1.ts';
import { fillUrlTemplate, TemplateError, type TemplateVars } from '../toolkits/template.ts';
import { type ProxyError, proxyError } from './errors.ts';
import { createUpstreamPool, type PoolTuning, type UpstreamPool, watchSent } from './pool.ts';
import { ACCEPT_ENCODING, bodyData, decodeContent, readCapped, responseHeaders, tooLarge } from './response.ts';
import { addressPolicy, appendQuery, assertHostAllowed, assertLiteralHostAllowed, guardedLookup, resolveTarget } from './ssrf.ts';
import {
  type BinarySink,
  type EgressProxy,
  MANAGED_HEADERS,
  PROXY_METHODS,
  type CredentialSource,
  type ProxyInput,
  type ProxyOptions,
  type ProxyResult,
  type UsableAccount,
} from './types.ts';
import type { Metrics } from '../metrics/types.ts';
import { usesAccessToken } from '../toolkits/modes.ts';

export interface Proxy {
  execute(projectId: string, input: ProxyInput): Promise<ProxyResult>;
  /** Closes the upstream connection pool (in-flight calls get a short grace). */
  close(): Promise<void>;
}

export interface ProxyDeps {
  credentials: CredentialSource;
  /** Where binary answers go: a short-lived download URL replaces the bytes (Composio's binary_data). */
  downloads: BinarySink;
  options: ProxyOptions;
  /** Sent when the caller sends no User-Agent (some APIs, GitHub's, refuse requests without one). */
  userAgent?: string;
  /** Pool tuning (keep-alive, per-origin connections, a DNS resolver for tests). */
  pool?: PoolTuning;
  metrics?: Metrics;
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// RFC 9110 field-value: tab, visible ASCII, obs-text (Latin-1). No CR/LF (header
// splitting), other control characters, or code points a header cannot carry.
const HEADER_VALUE_UNSAFE = /[^\t\u0020-\u007e\u0080-\u00ff]/;

interface Prepared {
  url: URL;
  headers: Record<string, string | string[]>;
  body: Buffer | string | undefined;
  /** The auth config's proxy_config: the call leaves through it. */
  egress?: EgressProxy;
}

interface Upstream {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  raw: Buffer;
}

function templateVars(account: UsableAccount): TemplateVars {
  const vars: TemplateVars = Object.create(null) as TemplateVars;
  for (const [k, v] of Object.entries(account.data)) if (v !== undefined && v !== null) vars[k] = String(v);
  for (const [k, v] of Object.entries(account.credentials)) {
    if (v === undefined || v === null) continue;
    vars[k] = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return vars;
}

/** An OAUTH1 account's signature for one request (RFC 5849 3.5.1), with the auth config's consumer and the account's token credentials. */
function oauth1Signature(account: UsableAccount, method: string, url: URL, contentType: string | undefined, body: Buffer | string | undefined): string {
  const { oauth_token: token, oauth_token_secret: tokenSecret } = account.credentials;
  const { client_id: key, client_secret: secret } = account.resolved.values;
  if (typeof token !== 'string' || typeof tokenSecret !== 'string' || !key || !secret) {
    throw new ApiError('ConnectedAccountNotActive', `Connected account ${account.accountId} has no OAuth 1.0a token credentials to sign with`, {
      suggestedFix: 'Connect the account again with a new link',
    });
  }
  const form = typeof body === 'string' && /^application\/x-www-form-urlencoded\b/i.test(contentType ?? '') ? new URLSearchParams(body) : undefined;
  return oauth1Authorization({ method, url, formBody: form, consumer: { key, secret }, token: { key: token, secret: tokenSecret } });
}

function templateFailure(e: TemplateError, account: UsableAccount, what: string): ApiError {
  if (e.kind === 'missing') {
    return new ApiError(
      'ConnectionFieldsMissing',
      `Connected account ${account.accountId} has no value for ${e.names.map((n) => `{{${n}}}`).join(', ')}, needed for ${what}`,
      {
        suggestedFix: 'Re-connect the account with these fields (connection_data) or update its credentials',
      },
    );
  }
  // TemplateError messages name the field, never its value.
  return new ApiError('ConnectionDataInvalid', `Connected account ${account.accountId}: ${e.message}`, {
    suggestedFix: 'Re-connect the account with valid connection fields',
  });
}

class HeaderSet {
  private readonly map = new Map<string, { name: string; values: string[] }>();
  has(name: string): boolean {
    return this.map.has(name.toLowerCase());
  }
  get(name: string): string | undefined {
    return this.map.get(name.toLowerCase())?.values[0];
  }
  set(name: string, value: string): void {
    this.map.set(name.toLowerCase(), { name, values: [value] });
  }
  add(name: string, value: string): void {
    const e = this.map.get(name.toLowerCase());
    if (e) e.values.push(value);
    else this.set(name, value);
  }
  toObject(): Record<string, string | string[]> {
    const out: Record<string, string | string[]> = {};
    for (const { name, values } of this.map.values()) out[name] = values.length === 1 ? values[0] : values;
    return out;
  }
}

function isEmptyBody(body: unknown): boolean {
  if (body === undefined || body === null || body === '') return true;
  if (Array.isArray(body)) return body.length === 0;
  return typeof body === 'object' && Object.keys(body as object).length === 0;
}

function formEncode(body: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(body)) {
    if (v === undefined || v === null) continue;
    for (const item of Array.isArray(v) ? v : [v]) params.append(k, typeof item === 'object' ? JSON.stringify(item) : String(item));
  }
  return params.toString();
}

/** The request body, and the content-type it implies when the caller set none. */
function requestBody(input: ProxyInput, callerContentType: string | undefined): { body: Buffer | string | undefined; contentType?: string } {
  const { method, body, binaryBody } = input;
  const bodyless = method === 'GET' || method === 'HEAD';
  if (binaryBody !== undefined && !isEmptyBody(body)) {
    throw proxyError('body', 'Send either body or binary_body, not both', { errors: ['binary_body: not allowed together with body'] });
  }
  if (binaryBody !== undefined) {
    if (bodyless) throw proxyError('body', `A ${method} request cannot carry a body`, { errors: ['binary_body: not allowed with this method'] });
    if (!('base64' in binaryBody) || typeof binaryBody.base64 !== 'string') {
      throw proxyError('body', 'binary_body.url is not supported: send the file as binary_body.base64', { errors: ['binary_body.url: not supported'] });
    }
    const b64 = binaryBody.base64.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b64))
      throw proxyError('body', 'binary_body.base64 is not valid base64', { errors: ['binary_body.base64: not base64'] });
    return {
      body: Buffer.from(b64, b64.includes('-') || b64.includes('_') ? 'base64url' : 'base64'),
      contentType: binaryBody.content_type ?? 'application/octet-stream',
    };
  }
  if (isEmptyBody(body) && (bodyless || body === undefined || body === null)) return { body: undefined };
  if (bodyless)
    throw proxyError('body', `A ${method} request cannot carry a body`, {
      errors: ['body: not allowed with this method'],
      suggestedFix: 'Put the values in the endpoint query or in parameters of type query',
    });
  if (typeof body === 'string') return { body, contentType: 'text/plain; charset=utf-8' };
  const form = /^application\/x-www-form-urlencoded\b/i.test(callerContentType ?? '');
  if (form && typeof body === 'object' && body !== null && !Array.isArray(body)) return { body: formEncode(body as Record<string, unknown>) };
  return { body: JSON.stringify(body), contentType: 'application/json' };
}

function errorCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function createProxy(deps: ProxyDeps): Proxy {
  const { credentials, options } = deps;
  const policy = addressPolicy(options.allowPrivateNetworks);
  const pool: UpstreamPool = createUpstreamPool(options, deps.pool);
  const dispatcher: Dispatcher = pool.dispatcher;
  const userAgent = deps.userAgent ?? 'authlink-proxy';
  const { timeoutMs, maxResponseBytes } = options;

  // One ProxyAgent per egress proxy (and key), kept for its keep-alive connections. The connection to the proxy itself
  // goes through the same guarded lookup as a direct call, so a proxy_config cannot point authlink at a private host.
  const egressAgents = new Map<string, ProxyAgent>();
  function egressAgent(e: EgressProxy): ProxyAgent {
    const key = `${e.url}\n${e.authKey ?? ''}`;
    let agent = egressAgents.get(key);
    if (!agent) {
      agent = new ProxyAgent({
        uri: e.url,
        ...(e.authKey ? { token: `Bearer ${e.authKey}` } : {}),
        proxyTls: { timeout: Math.min(timeoutMs, 10_000), lookup: guardedLookup(policy, deps.pool?.resolve) },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        keepAliveTimeout: 30_000,
      });
      egressAgents.set(key, agent);
    }
    return agent;
  }

  function validateInput(input: ProxyInput): void {
    if (!(PROXY_METHODS as readonly string[]).includes(input.method)) {
      throw new ApiError('ValidationFailed', `method must be one of ${PROXY_METHODS.join(', ')}`, {
        errors: [`method: must be one of ${PROXY_METHODS.join(', ')}`],
      });
    }
    if (typeof input.endpoint !== 'string' || !input.endpoint)
      throw new ApiError('ValidationFailed', 'endpoint is required', { errors: ['endpoint: is required'] });
  }

  function prepare(account: UsableAccount, input: ProxyInput): Prepared {
    const { toolkit, scheme } = account.resolved;
    let baseUrl: string;
    try {
      baseUrl = fillUrlTemplate(toolkit.base_url, account.data);
    } catch (e) {
      if (e instanceof TemplateError) throw templateFailure(e, account, `toolkit ${toolkit.slug}'s base URL`);
      throw e;
    }
    const basePath = input.joinUnderBase ? new URL(baseUrl).pathname.replace(/\/+$/, '') : '';
    const url = resolveTarget(baseUrl, basePath + input.endpoint);
    assertLiteralHostAllowed(url, policy);

    let applied: ReturnType<typeof applyCredentials>;
    try {
      applied = applyCredentials(scheme, templateVars(account));
    } catch (e) {
      if (e instanceof TemplateError) throw templateFailure(e, account, `the ${scheme.mode} credentials of toolkit ${toolkit.slug}`);
      throw e;
    }

    const credentialHeaders = new Set([...Object.keys(applied.headers), ...(applied.signOAuth1 ? ['authorization'] : [])].map((h) => h.toLowerCase()));
    const credentialQuery = new Set(Object.keys(applied.query).map((q) => q.toLowerCase()));
    const problems: string[] = [];
    const refused: string[] = [];
    const headers = new HeaderSet();
    const params = input.parameters ?? [];
    params.forEach((p, i) => {
      const where = `parameters[${i}]`;
      if (typeof p?.name !== 'string' || !p.name || typeof p.value !== 'string') {
        problems.push(`${where}: needs a non-empty name and a string value`);
        return;
      }
      if (p.type === 'header') {
        const lower = p.name.toLowerCase();
        if (!HEADER_NAME.test(p.name)) problems.push(`${where}.name: not a valid header name`);
        else if (credentialHeaders.has(lower)) {
          refused.push(p.name);
          problems.push(`${where}.name: ${p.name} is set from the connected account's credentials`);
        } else if (MANAGED_HEADERS.has(lower)) {
          refused.push(p.name);
          problems.push(`${where}.name: ${p.name} is a hop-by-hop or framing header managed by authlink`);
        } else if (HEADER_VALUE_UNSAFE.test(p.value))
          problems.push(`${where}.value: must not contain line breaks, control characters or characters beyond Latin-1`);
        else headers.add(p.name, p.value);
      } else if (p.type === 'query') {
        if (credentialQuery.has(p.name.toLowerCase())) {
          refused.push(p.name);
          problems.push(`${where}.name: query parameter ${p.name} is set from the connected account's credentials`);
        } else appendQuery(url, p.name, p.value);
      } else {
        problems.push(`${where}.type: must be header or query`);
      }
    });
    for (const name of new Set([...url.searchParams.keys()])) {
      if (credentialQuery.has(name.toLowerCase()) && !refused.includes(name)) {
        refused.push(name);
        problems.push(`endpoint: query parameter ${name} is set from the connected account's credentials`);
      }
    }
    if (problems.length) {
      const message = refused.length
        ? `These parameters cannot be set through the proxy: ${[...new Set(refused)].join(', ')}`
        : `Invalid parameters: ${problems.join('; ')}`;
      throw proxyError('parameter', message, {
        errors: problems,
        suggestedFix: 'Credentials, Host and hop-by-hop headers are set by authlink; leave them out of parameters',
      });
    }

    const { body, contentType } = requestBody(input, headers.get('content-type'));
    if (contentType && !headers.has('content-type')) headers.set('content-type', contentType);
    if (!headers.has('user-agent')) headers.set('user-agent', userAgent);
    if (!headers.has('accept')) headers.set('accept', 'application/json, */*;q=0.8');
    headers.set('accept-encoding', ACCEPT_ENCODING);
    for (const [name, value] of Object.entries(applied.headers)) headers.set(name, value);
    for (const [name, value] of Object.entries(applied.query)) appendQuery(url, name, value);
    // Last: the signature covers the final URL and, for a form body, its parameters.
    if (applied.signOAuth1) headers.set('authorization', oauth1Signature(account, input.method, url, headers.get('content-type'), body));
    return { url, headers: headers.toObject(), body, ...(account.resolved.proxy ? { egress: account.resolved.proxy } : {}) };
  }

  /**
   * The caller's error for a failed attempt. Before the request went out
   * (DNS, the address check, TCP, TLS) every failure is one "could not
   * reach": which of them it was would tell a caller the operator's view of
   * the network (what a name resolves to there, what its egress lets
   * through). After it, the provider's behaviour is told: a timeout, an
   * invalid or too large answer. The reason stays on the error as its cause,
   * for the server log.
   */
  function transportFailure(e: unknown, host: string, timedOut: boolean, sent: boolean): ApiError {
    if (e instanceof ApiError) return e;
    const cause = (e as { cause?: unknown } | undefined)?.cause;
    const code = errorCode(e) ?? errorCode(cause) ?? (e as Error | undefined)?.name ?? 'unknown error';
    let err: ProxyError;
    if (code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED') {
      err = proxyError('parameter', 'The request could not be sent: a header or the body is not valid HTTP');
    } else if (!sent) {
      err = proxyError('upstream', `Could not reach the provider (${host})`, { suggestedFix: 'Retry later' });
    } else if (timedOut || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      err = proxyError('timeout', `The provider (${host}) did not answer within ${timeoutMs}ms`, {
        suggestedFix: 'Retry later; the operator can raise AUTHLINK_PROXY_TIMEOUT_MS',
      });
    } else if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
      err = tooLarge(maxResponseBytes);
    } else if (code.startsWith('HPE_') || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' || code === 'UND_ERR_INFO') {
      err = proxyError('upstream', `The provider (${host}) sent an invalid HTTP response (${code})`);
    } else {
      err = proxyError('upstream', `Could not reach the provider (${host})`, { suggestedFix: 'Retry later' });
    }
    // For the server log only (the envelope shows the message).
    Object.defineProperty(err, 'cause', { value: e, enumerable: false });
    return err;
  }

  async function attempt(method: string, p: Prepared): Promise<Upstream> {
    const controller = new AbortController();
    let timedOut = false;
    let sent = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      if (p.egress) await assertHostAllowed(p.url, policy, deps.pool?.resolve); // the proxy resolves the target: check it here
      const res = await watchSent(p.egress ? egressAgent(p.egress) : dispatcher, () => (sent = true)).request({
        origin: p.url.origin,
        path: p.url.pathname + p.url.search,
        method: method as Dispatcher.HttpMethod,
        headers: p.headers,
        body: p.body,
        signal: controller.signal,
      });
      // A HEAD answer's content-length describes the body a GET would get.
      const declared = method === 'HEAD' ? NaN : Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxResponseBytes) {
        res.body.destroy();
        throw tooLarge(maxResponseBytes);
      }
      const raw = await readCapped(res.body, maxResponseBytes);
      // undici hands the socket back to the pool one event-loop turn after
      // the response ends (client-h1: setImmediate before resume); a call made
      // before that would open a second connection. Wait for it.
      await new Promise<void>((resolve) => setImmediate(resolve));
      return { status: res.statusCode, headers: res.headers, raw };
    } catch (e) {
      throw transportFailure(e, p.url.host, timedOut, sent);
    } finally {
      clearTimeout(timer);
    }
  }

  /** attempt(), reported to the metrics by toolkit and status class ("error" when no answer came). */
  async function timed(toolkit: string, method: string, p: Prepared): Promise<Upstream> {
    const started = performance.now();
    let status: number | undefined;
    try {
      const up = await attempt(method, p);
      status = up.status;
      return up;
    } finally {
      deps.metrics?.proxyUpstream(toolkit, status, (performance.now() - started) / 1000);
    }
  }

  async function toResult(projectId: string, method: string, up: Upstream): Promise<ProxyResult> {
    const h = up.headers;
    const text = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(', ') : v);
    const { body, decoded } =
      method === 'HEAD' ? { body: Buffer.alloc(0), decoded: false } : await decodeContent(up.raw, text(h['content-encoding']), maxResponseBytes);
    const undecodable = !decoded && !!text(h['content-encoding']) && method !== 'HEAD' && up.raw.length > 0;
    const { data, binary } = bodyData(body, text(h['content-type']), undecodable ? text(h['content-encoding']) : undefined);
    const saved = binary && (await deps.downloads.save(projectId, binary.content_type, binary.bytes));
    return {
      status: up.status,
      data,
      headers: responseHeaders(h as Record<string, string | string[] | undefined>, decoded),
      ...(binary && saved
        ? { binary_data: { url: saved.url, content_type: binary.content_type, size: binary.bytes.length, expires_at: saved.expires_at } }
        : {}),
    };
  }

  return {
    async execute(projectId, input) {
      validateInput(input);
      const account = input.account ?? (await credentials.get(projectId, input.connectedAccountId));
      const slug = account.resolved.toolkit.slug;
      let up = await timed(slug, input.method, prepare(account, input));
      if (up.status === 401 && usesAccessToken(account.resolved.scheme.mode)) {
        const refreshed = await credentials.refreshAfter401(projectId, input.connectedAccountId);
        if (refreshed) up = await timed(slug, input.method, prepare(refreshed, input));
      }
      credentials.markUsed?.(projectId, input.connectedAccountId);
      return toResult(projectId, input.method, up);
    },
    async close() {
      await Promise.all([pool.close(), ...[...egressAgents.values()].map((a) => a.close().catch(() => undefined))]);
    },
  };
}
