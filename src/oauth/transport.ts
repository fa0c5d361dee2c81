// Plumbing shared by exchange/refresh/revoke: the oauth4webapi server/client
// objects built from an OAuthProvider, request options (custom fetch, timeout,
// http opt-in) and the one place oauth4webapi's errors become OAuthClientError.
import * as oauth from 'oauth4webapi';
import { OAuthClientError, redact, safeErrorCode } from './errors.ts';
import type { OAuthClient, OAuthProvider, TransportOptions } from './types.ts';

export const INSECURE_URL_MESSAGE = 'OAuth provider URLs must be https; set AUTHLINK_ALLOW_INSECURE_OAUTH=1 for local development';

const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * The most authlink reads of a token, refresh, revocation (or any other)
 * response from a provider, after decompression. Real token responses are a
 * few KB; a hostile or broken provider must not make authlink buffer more.
 */
export const MAX_OAUTH_RESPONSE_BYTES = 256 * 1024;

/**
 * Refuses a provider whose URLs are not https (unless allowInsecure) before any
 * request is made. oauth4webapi would refuse too, but only per endpoint, at
 * request time, with a message that doesn't tell an operator what to do.
 * The authorize URL is checked as well: it is where the user's browser goes.
 */
export function assertProviderUrlsSecure(provider: OAuthProvider, allowInsecure: boolean): void {
  const urls: Array<[string, string | undefined]> = [
    ['authorizationUrl', provider.authorizationUrl],
    ['tokenUrl', provider.tokenUrl],
    ['revocationUrl', provider.revocationUrl],
    ['userinfoUrl', provider.userinfoUrl],
  ];
  for (const [name, value] of urls) {
    if (value === undefined) continue;
    const url = parseUrl(value);
    if (!url) throw new OAuthClientError('config', `OAuth provider ${name} is not a valid absolute URL`);
    if (url.protocol === 'https:') continue;
    if (url.protocol === 'http:') {
      if (allowInsecure) continue;
      // The origin is not secret (filled fields only ever go into host/path).
      throw new OAuthClientError('config', `${INSECURE_URL_MESSAGE} (${name} is ${url.origin})`);
    }
    throw new OAuthClientError('config', `OAuth provider ${name} must be an https URL`);
  }
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/**
 * oauth4webapi wants authorization server metadata. A toolkit that declares
 * its RFC 9207 issuer gets it here, marked as sent on every authorization
 * response, so oauth4webapi's validateAuthResponse refuses a callback whose
 * `iss` is missing or different. Otherwise the token URL's origin stands in
 * and is never compared against anything: the callback's `iss` is dropped
 * (exchange.ts) and id_tokens are taken out of oauth4webapi's hands
 * (token-response.ts).
 */
export function authorizationServer(provider: OAuthProvider): oauth.AuthorizationServer {
  return {
    issuer: provider.issuer ?? new URL(provider.tokenUrl).origin,
    ...(provider.issuer !== undefined ? { authorization_response_iss_parameter_supported: true } : {}),
    authorization_endpoint: provider.authorizationUrl,
    token_endpoint: provider.tokenUrl,
    ...(provider.revocationUrl !== undefined ? { revocation_endpoint: provider.revocationUrl } : {}),
    ...(provider.userinfoUrl !== undefined ? { userinfo_endpoint: provider.userinfoUrl } : {}),
  };
}

export function oauthClient(provider: OAuthProvider, client: OAuthClient): oauth.Client {
  return { client_id: client.clientId, token_endpoint_auth_method: provider.tokenEndpointAuthMethod };
}

export function clientAuthentication(provider: OAuthProvider, client: OAuthClient): oauth.ClientAuth {
  return provider.tokenEndpointAuthMethod === 'client_secret_post' ? oauth.ClientSecretPost(client.clientSecret) : clientSecretBasic(client.clientSecret);
}

/**
 * HTTP Basic client authentication. oauth4webapi's ClientSecretBasic follows
 * RFC 6749 2.3.1 to the letter and percent-encodes every character but
 * [A-Za-z0-9], including '-', '_' and '.', which are in most real client ids
 * and secrets (Google's "...-abc.apps.googleusercontent.com", "GOCSPX-...").
 * Many providers do not form-decode Basic credentials and would then reject
 * the client. encodeURIComponent leaves those characters alone and still
 * escapes what must be escaped (':' in the id, '%', '+', '/', spaces), which
 * conforming servers decode to the same value: the behaviour of openid-client
 * and most OAuth libraries.
 */
function clientSecretBasic(clientSecret: string): oauth.ClientAuth {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return (_as, client, _body, headers) => {
    const credentials = Buffer.from(`${enc(client.client_id)}:${enc(clientSecret)}`, 'utf8').toString('base64');
    headers.set('authorization', `Basic ${credentials}`);
  };
}

/**
 * Request options for oauth4webapi. The fetch is wrapped so that a network
 * failure surfaces as kind 'transport' right where it happens; oauth4webapi
 * itself throws TypeErrors for misuse, which must not be mistaken for it.
 */
export function requestOptions(
  t: TransportOptions,
  operation: string,
  secrets: ReadonlyArray<string | undefined>,
): oauth.HttpRequestOptions<'POST', URLSearchParams> {
  const doFetch = t.fetch ?? globalThis.fetch;
  const timeoutMs = t.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    signal: () => AbortSignal.timeout(timeoutMs),
    [oauth.allowInsecureRequests]: t.allowInsecure,
    [oauth.customFetch]: async (url, init) => {
      let response: Response;
      try {
        response = await doFetch(url, init as RequestInit);
      } catch (e) {
        throw transportError(operation, url, e, timeoutMs, secrets);
      }
      // Read here, under the cap, so neither oauth4webapi nor token-response.ts
      // ever reads an unbounded body.
      return cappedResponse(response, MAX_OAUTH_RESPONSE_BYTES, operation, url, timeoutMs, secrets);
    },
  };
}

const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

/** The response with its body read into memory, refused past `limit` bytes (declared or actual, after decompression). */
export async function cappedResponse(
  response: Response,
  limit: number,
  operation: string,
  url: string,
  timeoutMs: number,
  secrets: ReadonlyArray<string | undefined>,
): Promise<Response> {
  const tooLarge = () => new OAuthClientError('unexpected_body', `${operation}: provider response is larger than ${limit} bytes`, { status: response.status });
  const declared = Number(response.headers.get('content-length') ?? 0);
  if (declared > limit) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (response.body) {
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > limit) {
          await reader.cancel().catch(() => {});
          throw tooLarge();
        }
        chunks.push(value);
      }
    } catch (e) {
      if (e instanceof OAuthClientError) throw e;
      // The request's timeout also covers the body; a reset mid-body lands here too.
      throw transportError(operation, url, e, timeoutMs, secrets);
    }
  }
  const body = NULL_BODY_STATUS.has(response.status) ? null : Buffer.concat(chunks);
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

export function transportError(
  operation: string,
  url: string,
  e: unknown,
  timeoutMs: number | undefined,
  secrets: ReadonlyArray<string | undefined>,
): OAuthClientError {
  const origin = parseUrl(url)?.origin ?? 'the provider';
  if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) {
    return new OAuthClientError('transport', `${operation}: ${origin} ${timeoutMs !== undefined ? `timed out after ${timeoutMs} ms` : 'was aborted'}`);
  }
  // Whether the name did not resolve, resolved to a refused address, refused the connection or failed TLS stays
  // out of the message (it reaches tenants and end users, and would describe the operator's network: issue #20,
  // finding 9); the socket error is kept as the cause for the operator's log.
  const err = new OAuthClientError('transport', `${operation}: could not reach ${origin}`);
  const code = e instanceof Error ? (e.cause as { code?: unknown } | undefined)?.code : undefined;
  const detail = e instanceof Error ? `${e.message}${typeof code === 'string' ? ` (${code})` : ''}` : 'request failed';
  Object.defineProperty(err, 'cause', { value: new Error(redact(detail, secrets)), enumerable: false });
  return err;
}

/** Turns whatever oauth4webapi threw into an OAuthClientError with a safe message. */
export function toOAuthClientError(e: unknown, operation: string, secrets: ReadonlyArray<string | undefined>): OAuthClientError {
  if (e instanceof OAuthClientError) return e;

  if (e instanceof oauth.ResponseBodyError || e instanceof oauth.AuthorizationResponseError) {
    const status = e instanceof oauth.ResponseBodyError ? e.status : undefined;
    return providerSaidNo(operation, e.error, e.error_description, status, secrets);
  }

  if (e instanceof oauth.WWWAuthenticateChallengeError) {
    // e.g. 401 + WWW-Authenticate: Basic error="invalid_client"
    const params = e.cause[0]?.parameters;
    if (params?.error) return providerSaidNo(operation, params.error, params.error_description, e.status, secrets);
    return new OAuthClientError('unexpected_status', `${operation}: provider answered HTTP ${e.status} with an authentication challenge`, { status: e.status });
  }

  if (e instanceof oauth.OperationProcessingError) {
    // A non-200 answer without a usable OAuth error body (HTML error page,
    // text/plain 429, ...) comes as RESPONSE_IS_NOT_CONFORM or, when its
    // content-type isn't JSON, RESPONSE_IS_NOT_JSON; the Response is the cause.
    const failedResponse = e.cause instanceof Response && e.cause.status !== 200 ? e.cause : undefined;
    if (e.code === oauth.RESPONSE_IS_NOT_CONFORM || failedResponse) {
      const status = failedResponse?.status ?? (e.cause instanceof Response ? e.cause.status : undefined);
      return new OAuthClientError(
        'unexpected_status',
        `${operation}: provider answered HTTP ${status ?? '?'} without an OAuth error body`,
        status !== undefined ? { status } : {},
      );
    }
    if (e.code === oauth.HTTP_REQUEST_FORBIDDEN || e.code === oauth.REQUEST_PROTOCOL_FORBIDDEN) {
      return new OAuthClientError('config', INSECURE_URL_MESSAGE);
    }
    // Our own messages only: oauth4webapi's are fine but its `cause` holds the body.
    return new OAuthClientError('unexpected_body', `${operation}: provider response is not a valid OAuth response (${e.message})`);
  }

  if (e instanceof oauth.UnsupportedOperationError) {
    return new OAuthClientError('unexpected_body', `${operation}: ${e.message}`);
  }

  // Anything else is a bug on our side (bad argument); keep the message generic.
  const message = e instanceof Error ? redact(e.message, secrets) : 'unknown failure';
  return new OAuthClientError('unexpected_body', `${operation}: ${message}`);
}

export function providerSaidNo(
  operation: string,
  error: unknown,
  description: unknown,
  status: number | undefined,
  secrets: ReadonlyArray<string | undefined>,
): OAuthClientError {
  const code = safeErrorCode(error, secrets) ?? 'invalid_error_code';
  const desc = typeof description === 'string' && description ? redact(description, secrets) : undefined;
  const where = status !== undefined ? ` (HTTP ${status})` : '';
  return new OAuthClientError('oauth_error', `${operation}: provider returned ${code}${where}${desc ? `: ${desc}` : ''}`, {
    oauthError: code,
    ...(status !== undefined ? { status } : {}),
    ...(desc !== undefined ? { description: desc } : {}),
  });
}
