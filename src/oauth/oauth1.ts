// OAuth 1.0a (RFC 5849 with the 1.0a oauth_verifier), HMAC-SHA1: the three
// steps of a person's authorization (temporary credentials, the provider's
// authorization page, token credentials) and the signature every request
// made with the token credentials carries. Signing is the oauth-1.0a library's
// (parameter normalisation and percent-encoding are where hand-written OAuth 1
// goes wrong); the nonce comes from node:crypto, not the library's Math.random.
import { createHmac, randomBytes } from 'node:crypto';
import OAuth from 'oauth-1.0a';
import { OAuthClientError, redact, safeErrorCode } from './errors.ts';
import { cappedResponse, INSECURE_URL_MESSAGE, MAX_OAUTH_RESPONSE_BYTES, transportError } from './transport.ts';
import type { TransportOptions } from './types.ts';

export interface OAuth1Credentials {
  key: string;
  secret: string;
}

export interface OAuth1Endpoints {
  requestTokenUrl: string;
  authorizationUrl: string;
  accessTokenUrl: string;
  authorizeParams?: Record<string, string>;
}

export interface SignInput {
  method: string;
  url: URL;
  /** The decoded parameters of an application/x-www-form-urlencoded body: signed too (RFC 5849 3.4.1.3.1). Other bodies are not. */
  formBody?: URLSearchParams;
  consumer: OAuth1Credentials;
  token?: OAuth1Credentials;
  /** oauth_callback / oauth_verifier: signed, and sent in the header. */
  protocol?: Record<string, string>;
  now?: () => Date;
  nonce?: string;
}

type Params = Record<string, string | string[]>;

function addParam(into: Params, key: string, value: string): void {
  const prev = into[key];
  into[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
}

/** The Authorization header value (RFC 5849 3.5.1) for one request. */
export function oauth1Authorization(input: SignInput): string {
  const signer = new OAuth({
    consumer: input.consumer,
    signature_method: 'HMAC-SHA1',
    hash_function: (base, key) => createHmac('sha1', key).update(base).digest('base64'),
  });
  const now = input.now ?? (() => new Date());
  signer.getNonce = () => input.nonce ?? randomBytes(16).toString('hex');
  signer.getTimeStamp = () => Math.floor(now().getTime() / 1000);
  // The library splits a raw query naively ('+' and encoded names stay encoded): it gets the
  // decoded parameters instead, and the URL without its query (scheme and host already lowercase,
  // default port dropped: a WHATWG URL is normalised as 3.4.1.2 asks).
  const data: Params = {};
  for (const [k, v] of input.url.searchParams) addParam(data, k, v);
  for (const [k, v] of input.formBody ?? []) addParam(data, k, v);
  for (const [k, v] of Object.entries(input.protocol ?? {})) addParam(data, k, v);
  const base = new URL(input.url);
  base.search = '';
  base.hash = '';
  const signed = signer.authorize({ url: base.href, method: input.method.toUpperCase(), data }, input.token);
  return signer.toHeader({ ...signed, ...input.protocol }).Authorization;
}

const STEP_TEMPORARY = 'OAuth 1.0a temporary credentials request';
const STEP_TOKEN = 'OAuth 1.0a token credentials request';
const DEFAULT_TIMEOUT_MS = 10_000;

function assertSecure(url: string, allowInsecure: boolean): void {
  const u = new URL(url);
  if (u.protocol === 'https:' || (u.protocol === 'http:' && allowInsecure)) return;
  throw new OAuthClientError('config', u.protocol === 'http:' ? `${INSECURE_URL_MESSAGE} (${u.origin})` : 'OAuth provider URLs must be https');
}

/** POSTs a signed request and reads the provider's form-encoded answer (RFC 5849 2.1 / 2.3). */
async function signedPost(url: string, sign: Omit<SignInput, 'method' | 'url'>, operation: string, t: TransportOptions): Promise<URLSearchParams> {
  assertSecure(url, t.allowInsecure);
  const secrets = [sign.consumer.secret, sign.token?.secret, sign.token?.key, sign.protocol?.oauth_verifier];
  const timeoutMs = t.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let response: Response;
  try {
    const raw = await (t.fetch ?? globalThis.fetch)(url, {
      method: 'POST',
      headers: { authorization: oauth1Authorization({ ...sign, method: 'POST', url: new URL(url) }), accept: 'application/x-www-form-urlencoded, */*;q=0.5' },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    response = await cappedResponse(raw, MAX_OAUTH_RESPONSE_BYTES, operation, url, timeoutMs, secrets);
  } catch (e) {
    if (e instanceof OAuthClientError) throw e;
    throw transportError(operation, url, e, timeoutMs, secrets);
  }
  const text = await response.text();
  const params = new URLSearchParams(text);
  if (response.status !== 200) {
    // No standard error body in RFC 5849; the OAuth Problem Reporting extension's oauth_problem is common.
    const problem = safeErrorCode(params.get('oauth_problem'), secrets);
    if (problem) {
      throw new OAuthClientError('oauth_error', `${operation}: provider returned ${problem} (HTTP ${response.status})`, {
        oauthError: problem,
        status: response.status,
      });
    }
    const hint = response.status < 500 && text.length < 200 && !text.includes('<') ? `: ${redact(text, secrets)}` : '';
    throw new OAuthClientError('unexpected_status', `${operation}: provider answered HTTP ${response.status}${hint}`, { status: response.status });
  }
  if (!params.get('oauth_token') || !params.get('oauth_token_secret')) {
    throw new OAuthClientError('unexpected_body', `${operation}: provider response has no oauth_token and oauth_token_secret`, { status: 200 });
  }
  return params;
}

export interface TemporaryCredentialsInput extends TransportOptions {
  endpoints: OAuth1Endpoints;
  consumer: OAuth1Credentials;
  callbackUrl: string;
  now?: () => Date;
}

/** Step 1 (RFC 5849 2.1): temporary credentials for this authorization, bound to the callback URL. */
export async function temporaryCredentials(input: TemporaryCredentialsInput): Promise<OAuth1Credentials> {
  const params = await signedPost(
    input.endpoints.requestTokenUrl,
    { consumer: input.consumer, protocol: { oauth_callback: input.callbackUrl }, now: input.now },
    STEP_TEMPORARY,
    input,
  );
  // 1.0a: a provider that did not take the callback would send the person somewhere else.
  if (params.get('oauth_callback_confirmed') !== 'true') {
    throw new OAuthClientError('unexpected_body', `${STEP_TEMPORARY}: provider did not confirm the callback (oauth_callback_confirmed)`, { status: 200 });
  }
  return { key: params.get('oauth_token')!, secret: params.get('oauth_token_secret')! };
}

/** Step 2 (RFC 5849 2.2): where the person authorizes the temporary credentials. */
export function oauth1AuthorizationUrl(endpoints: OAuth1Endpoints, temporaryToken: string): string {
  const url = new URL(endpoints.authorizationUrl);
  for (const [k, v] of Object.entries(endpoints.authorizeParams ?? {})) url.searchParams.set(k, v);
  url.searchParams.set('oauth_token', temporaryToken);
  return url.href;
}

export interface TokenCredentialsInput extends TransportOptions {
  endpoints: OAuth1Endpoints;
  consumer: OAuth1Credentials;
  temporary: OAuth1Credentials;
  verifier: string;
  now?: () => Date;
}

export interface TokenCredentials {
  oauth_token: string;
  oauth_token_secret: string;
  /** The answer's other parameters (X: user_id, screen_name), secret-looking ones left out. */
  extra: Record<string, string>;
}

const SECRET_NAME = /token|secret|verifier|passw|key/i;

/** Step 3 (RFC 5849 2.3): the temporary credentials and the verifier for token credentials. */
export async function tokenCredentials(input: TokenCredentialsInput): Promise<TokenCredentials> {
  const params = await signedPost(
    input.endpoints.accessTokenUrl,
    { consumer: input.consumer, token: input.temporary, protocol: { oauth_verifier: input.verifier }, now: input.now },
    STEP_TOKEN,
    input,
  );
  const extra: Record<string, string> = {};
  for (const [k, v] of params) if (!SECRET_NAME.test(k) && k !== 'oauth_callback_confirmed' && v.length <= 256) extra[k] = v;
  return { oauth_token: params.get('oauth_token')!, oauth_token_secret: params.get('oauth_token_secret')!, extra };
}
