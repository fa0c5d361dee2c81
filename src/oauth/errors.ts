// The one error type of the OAuth client. Callers branch on `kind` (and
// `oauthError`), never on the message. Messages are built here from fixed text
// plus provider-chosen error codes/descriptions run through redact(): they
// never carry a token, code, verifier or client secret, and no `cause` is
// attached because oauth4webapi's errors keep the whole response body (tokens
// included) in theirs, which a logger would happily print.

export type OAuthErrorKind =
  | 'transport' // no usable HTTP response: DNS, refused, reset, timeout
  | 'oauth_error' // the provider said no with an OAuth error code (invalid_grant, access_denied, ...)
  | 'unexpected_status' // HTTP error status without a parseable OAuth error body
  | 'unexpected_body' // 200 (or callback) whose content is not a valid OAuth response, state mismatch included
  | 'config'; // the provider definition cannot be used (http:// URL, no revocation endpoint, ...)

export interface OAuthClientErrorOptions {
  oauthError?: string;
  status?: number;
  description?: string;
}

export class OAuthClientError extends Error {
  override readonly name = 'OAuthClientError';
  readonly kind: OAuthErrorKind;
  readonly oauthError?: string;
  readonly status?: number;
  readonly description?: string; // provider's error_description, already redacted

  constructor(kind: OAuthErrorKind, message: string, options: OAuthClientErrorOptions = {}) {
    super(message);
    this.kind = kind;
    if (options.oauthError !== undefined) this.oauthError = options.oauthError;
    if (options.status !== undefined) this.status = options.status;
    if (options.description !== undefined) this.description = options.description;
  }
}

// GitHub answers a dead refresh token with 200 {"error":"bad_refresh_token"}
// and a reused code with "bad_verification_code"; both mean "start over" exactly
// like RFC 6749's invalid_grant.
const INVALID_GRANT_CODES = new Set(['invalid_grant', 'bad_refresh_token', 'bad_verification_code']);

/** The grant (code or refresh token) is dead: reconnect, don't retry. */
export function isInvalidGrant(e: unknown): boolean {
  return e instanceof OAuthClientError && e.kind === 'oauth_error' && e.oauthError !== undefined && INVALID_GRANT_CODES.has(e.oauthError);
}

/** Worth retrying later: network trouble, provider 5xx, rate limiting. */
export function isTransient(e: unknown): boolean {
  if (!(e instanceof OAuthClientError)) return false;
  if (e.kind === 'transport') return true;
  if (e.status !== undefined && (e.status >= 500 || e.status === 429)) return true;
  // RFC 6749 error codes for the same situations, sometimes sent with a 400.
  return e.kind === 'oauth_error' && (e.oauthError === 'temporarily_unavailable' || e.oauthError === 'server_error');
}

const MAX_TEXT = 300;

/**
 * Removes every listed secret (raw and URL-encoded) from provider-supplied
 * text and trims it. Providers do echo inputs back ("code XYZ expired").
 */
export function redact(text: string, secrets: ReadonlyArray<string | undefined>): string {
  let out = text;
  for (const s of secrets) {
    if (!s || s.length < 4) continue;
    for (const form of new Set([s, encodeURIComponent(s)])) out = out.split(form).join('[redacted]');
  }
  // Control characters would let a provider forge log lines.
  out = out.replace(/[\u0000-\u001f\u007f]+/g, ' ');
  return out.length > MAX_TEXT ? `${out.slice(0, MAX_TEXT)}…` : out;
}

/**
 * OAuth error codes are short tokens like `invalid_grant`; anything else (or
 * anything equal to a secret) is not echoed.
 */
export function safeErrorCode(code: unknown, secrets: ReadonlyArray<string | undefined> = []): string | undefined {
  if (typeof code !== 'string' || !/^[A-Za-z0-9_.:-]{1,100}$/.test(code)) return undefined;
  return redact(code, secrets) === code ? code : undefined;
}
