// Turns a token endpoint Response into a TokenSet. Provider quirks are undone
// on a parsed copy of the body, which is then replayed to oauth4webapi as a new
// Response so its validation (access_token string, expires_in number, token
// type, error bodies) still applies to what we store.
import * as oauth from 'oauth4webapi';
import { OAuthClientError, redact } from './errors.ts';
import { decodeJwtClaimsUnverified } from './id-token.ts';
import { providerSaidNo, toOAuthClientError, transportError } from './transport.ts';
import type { OAuthProvider, TokenSet } from './types.ts';

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

// Standard fields: taken into TokenSet proper, and what a nested container holds.
const TOKEN_FIELDS = ['access_token', 'token_type', 'refresh_token', 'expires_in', 'scope', 'id_token'] as const;

// raw_extra is stored in clear and returned over the API, so any key that
// smells like a credential is dropped (Slack nests a second token, webhooks
// carry secret URLs, ...). Best effort by name; values shaped like JWTs go too.
const SECRET_KEY = /token|secret|passw|credential|assertion|verifier|webhook|signature|cookie|session|private|(^|[_-])code$|(^|[_-])key$|apikey/i;
const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]*$/;

export interface ReadTokenResponseInput {
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  response: Response;
  grant: 'authorization_code' | 'refresh_token' | 'client_credentials' | typeof JWT_BEARER;
  provider: OAuthProvider;
  fallbackScopes: string[]; // granted scopes when the response has no `scope`
  now: () => Date;
  operation: string; // for messages: "authorization code exchange", "token refresh"
  secrets: ReadonlyArray<string | undefined>;
}

/**
 * Sends one grant to the token endpoint (`send`) and reads the answer: a
 * failure to send and a refusal alike become an OAuthClientError with the
 * secrets redacted. Shared by the code exchange, the refresh and the client
 * credentials grant and the JWT bearer grant.
 */
export async function requestTokens(input: Omit<ReadTokenResponseInput, 'response'> & { send: () => Promise<Response> }): Promise<TokenSet> {
  let response: Response;
  try {
    response = await input.send();
  } catch (e) {
    throw toOAuthClientError(e, input.operation, input.secrets);
  }
  return readTokenResponse({ ...input, response });
}

export async function readTokenResponse(input: ReadTokenResponseInput): Promise<TokenSet> {
  const { response, operation, secrets } = input;
  try {
    if (response.status !== 200) {
      // oauth4webapi classifies failures (OAuth error body, WWW-Authenticate
      // challenge, bare status); it always throws for a non-200.
      await process(input, response, undefined);
      throw new OAuthClientError('unexpected_status', `${operation}: provider answered HTTP ${response.status}`, { status: response.status });
    }

    const body = await readBody(response, input);
    // GitHub and Slack report failures as 200 + {"error": ...}.
    if (typeof body.error === 'string' && typeof body.access_token !== 'string') {
      throw providerSaidNo(operation, body.error, body.error_description, 200, secrets);
    }
    const idToken = undoQuirks(body, input.provider);

    const tokenType = typeof body.token_type === 'string' ? body.token_type.toLowerCase() : undefined;
    // authlink never derives request headers from token_type (toolkit `apply`
    // rules do), so provider-specific types such as Slack's "user"/"bot" are
    // accepted rather than rejected as oauth4webapi does by default.
    const recognized: oauth.RecognizedTokenTypes | undefined =
      tokenType !== undefined && tokenType !== 'bearer' && tokenType !== 'dpop' ? { [tokenType as Lowercase<string>]: () => {} } : undefined;

    const replay = new Response(JSON.stringify(body), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
    const processed = await process(input, replay, recognized);
    return toTokenSet(processed, idToken, input);
  } catch (e) {
    throw toOAuthClientError(e, operation, secrets);
  }
}

function process(
  input: ReadTokenResponseInput,
  response: Response,
  recognizedTokenTypes: oauth.RecognizedTokenTypes | undefined,
): Promise<oauth.TokenEndpointResponse> {
  const options = recognizedTokenTypes ? { recognizedTokenTypes } : undefined;
  if (input.grant === 'authorization_code') return oauth.processAuthorizationCodeResponse(input.as, input.client, response, options);
  if (input.grant === 'client_credentials') return oauth.processClientCredentialsResponse(input.as, input.client, response, options);
  if (input.grant === JWT_BEARER) return oauth.processGenericTokenEndpointResponse(input.as, input.client, response, options);
  return oauth.processRefreshTokenResponse(input.as, input.client, response, options);
}

async function readBody(response: Response, input: ReadTokenResponseInput): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await response.text();
  } catch (e) {
    // The request's timeout also covers the body; a reset mid-body lands here too.
    throw transportError(input.operation, input.as.token_endpoint ?? '', e, undefined, input.secrets);
  }
  const contentType = response.headers.get('content-type') ?? '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Some older providers answer form-encoded whatever Accept says.
    if (contentType.includes('x-www-form-urlencoded') || /(^|&)(access_token|error)=/.test(text)) {
      return Object.fromEntries(new URLSearchParams(text));
    }
    throw new OAuthClientError(
      'unexpected_body',
      `${input.operation}: provider token response is not JSON (content-type ${redact(contentType || 'none', input.secrets)})`,
      { status: response.status },
    );
  }
  if (!isObject(parsed)) {
    throw new OAuthClientError('unexpected_body', `${input.operation}: provider token response is not a JSON object`, { status: response.status });
  }
  return parsed;
}

/**
 * Rewrites `body` in place into a standard RFC 6749 response and returns the
 * id_token, which is taken out so oauth4webapi does not try to validate it
 * against an issuer we don't know (see id-token.ts).
 */
function undoQuirks(body: Record<string, unknown>, provider: OAuthProvider): string | undefined {
  const { quirks } = provider;

  // e.g. Slack v2 user tokens: {"access_token": <bot token>, "authed_user": {"access_token": <user token>, ...}}.
  // All standard fields come from the container so a top-level (bot) refresh
  // token is never paired with the nested access token. A flat response (Slack
  // refreshes are flat) is left as is.
  const key = quirks.token_response_nested_in;
  if (key) {
    const nested = body[key];
    if (isObject(nested) && typeof nested.access_token === 'string') {
      const rest: Record<string, unknown> = { ...nested };
      for (const f of TOKEN_FIELDS) {
        delete body[f];
        if (nested[f] !== undefined) body[f] = nested[f];
        delete rest[f];
      }
      body[key] = rest; // what is left (e.g. the user id) goes to raw_extra
    }
  }

  if (quirks.token_type_missing && (body.token_type === undefined || body.token_type === null || body.token_type === '')) {
    body.token_type = 'bearer';
  }

  // A few providers send scope as a JSON array; RFC 6749 says string.
  if (Array.isArray(body.scope) && body.scope.every((s) => typeof s === 'string')) {
    body.scope = body.scope.join(' ');
  }

  const idToken = body.id_token;
  delete body.id_token;
  return typeof idToken === 'string' ? idToken : undefined;
}

function toTokenSet(res: oauth.TokenEndpointResponse, idToken: string | undefined, input: ReadTokenResponseInput): TokenSet {
  const { provider } = input;
  const commaSeparated = provider.quirks.scopes_comma_separated === true || provider.scopeSeparator.trim() === ',';
  const out: TokenSet = {
    access_token: res.access_token,
    token_type: res.token_type,
    scope: res.scope !== undefined ? splitScopes(res.scope, commaSeparated) : [...input.fallbackScopes],
  };
  if (res.refresh_token) out.refresh_token = res.refresh_token;
  // expires_in <= 0 is treated as "no lifetime given" rather than "already expired":
  // providers that send 0 mean non-expiring, and a refresh loop would be worse.
  if (typeof res.expires_in === 'number' && res.expires_in > 0) {
    out.expires_at = new Date(input.now().getTime() + res.expires_in * 1000).toISOString();
  }
  if (idToken) {
    const claims = decodeJwtClaimsUnverified(idToken);
    if (claims) out.id_token_claims = claims;
  }
  const extra: Record<string, unknown> = { ...res };
  for (const f of TOKEN_FIELDS) delete extra[f];
  const clean = sanitize(extra, 0);
  if (isObject(clean) && Object.keys(clean).length > 0) out.raw_extra = clean;
  return out;
}

export function splitScopes(scope: string, commaSeparated: boolean): string[] {
  const parts = scope.split(commaSeparated ? /[\s,]+/ : /\s+/).filter(Boolean);
  return [...new Set(parts)];
}

function sanitize(value: unknown, depth: number): unknown {
  if (depth > 6) return undefined;
  if (Array.isArray(value)) return value.map((v) => sanitize(v, depth + 1)).filter((v) => v !== undefined);
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (SECRET_KEY.test(k)) continue;
      const s = sanitize(v, depth + 1);
      if (s !== undefined) out[k] = s;
    }
    return out;
  }
  if (typeof value === 'string' && JWT_SHAPE.test(value)) return undefined;
  return value;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
