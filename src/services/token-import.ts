// Importing OAuth2 tokens issued elsewhere (issue #15: moving from Composio
// or another system): the legacy POST /connected_accounts with the token set
// in connection.state.val (@composio/core's AuthScheme.OAuth2({access_token,
// ...}), Oauth2ActiveConnectionDataSchema) makes an ACTIVE account at once.
//
// The fields are those of Composio's OAuth2 connection data that describe a
// token set, plus the toolkit's own connection fields (e.g. subdomain).
// Anything else is refused by name rather than dropped: Composio's schema
// lets any key through, but a key authlink would silently lose (a Slack
// `authed_user` token, say) is worse than a 400 the migrator can act on.
import { decodeJwtClaimsUnverified } from '../oauth/id-token.ts';
import { splitScopes } from '../oauth/token-response.ts';
import type { ResolvedAuthConfig } from './auth-configs.ts';
import { subjectFromTokens } from './provider-identity.ts';

const WHERE = 'connection.state.val';
const TOKEN_FIELDS = ['access_token', 'refresh_token', 'id_token', 'token_type', 'expires_in', 'expires_at', 'scope'] as const;
const MAX_TOKEN_LENGTH = 16_384;
// Larger than any real lifetime: a value past it is a unit mistake (ms for s), not a token that lives a century.
const MAX_LIFETIME_SECONDS = 10 * 365 * 24 * 3600;

/** True when state.val carries a token set to import (otherwise the legacy create starts a hosted link). */
export function wantsTokenImport(val: Record<string, unknown>): boolean {
  return val.status === 'ACTIVE' || TOKEN_FIELDS.some((f) => val[f] !== undefined);
}

export interface ImportedTokens {
  /** The credential, shaped as a completed authorization's (TokenSet), plus any secret connection field. */
  creds: Record<string, unknown>;
  /** Non-secret connection fields of the toolkit (connection_data). */
  data: Record<string, string>;
  grantedScopes: string[];
  expiresAt: string | null;
  subject: string | undefined;
}

const isNone = (v: unknown) => v === undefined || v === null;

/** Every problem with the token set at once (one `errors[]` entry each), or the credential to store. */
export function readImportedTokens(resolved: ResolvedAuthConfig, val: Record<string, unknown>, now: Date): { tokens?: ImportedTokens; problems: string[] } {
  const problems: string[] = [];
  const oauth2 = resolved.scheme.oauth2;
  const { required, optional } = resolved.scheme.fields.connected_account_initiation;
  const fieldDefs = new Map([...required, ...optional].map((f) => [f.name, f]));
  const allowed = ['status', ...TOKEN_FIELDS, ...fieldDefs.keys()];

  const tokenText = (name: string, v: unknown): string | undefined => {
    if (typeof v === 'string' && v.length > 0 && v.length <= MAX_TOKEN_LENGTH) return v;
    problems.push(`${WHERE}.${name}: must be a non-empty string of at most ${MAX_TOKEN_LENGTH} characters`);
    return undefined;
  };

  if (!isNone(val.status) && val.status !== 'ACTIVE') problems.push(`${WHERE}.status: must be ACTIVE to import tokens (or left out)`);

  const accessToken = val.access_token === undefined ? undefined : tokenText('access_token', val.access_token);
  if (val.access_token === undefined) problems.push(`${WHERE}.access_token: is required to import an OAuth2 account`);
  const refreshToken = isNone(val.refresh_token) ? undefined : tokenText('refresh_token', val.refresh_token);

  let claims: Record<string, unknown> | undefined;
  if (!isNone(val.id_token)) {
    const idToken = tokenText('id_token', val.id_token);
    if (idToken) {
      claims = decodeJwtClaimsUnverified(idToken);
      if (!claims) problems.push(`${WHERE}.id_token: is not a JWT whose claims can be read (leave it out)`);
    }
  }

  let tokenType = 'bearer';
  if (!isNone(val.token_type)) {
    if (typeof val.token_type === 'string' && /^[A-Za-z0-9_.-]{1,40}$/.test(val.token_type)) tokenType = val.token_type.toLowerCase();
    else problems.push(`${WHERE}.token_type: must be a token type such as "Bearer"`);
  }

  let expiresAt: string | null = null;
  if (!isNone(val.expires_in) && !isNone(val.expires_at)) {
    problems.push(`${WHERE}.expires_at: give expires_in or expires_at, not both`);
  } else if (!isNone(val.expires_in)) {
    // Counted from now: the import is when authlink learns of the token.
    const n = typeof val.expires_in === 'string' && /^\d{1,10}$/.test(val.expires_in) ? Number(val.expires_in) : val.expires_in;
    if (typeof n !== 'number' || !Number.isInteger(n) || n <= 0 || n > MAX_LIFETIME_SECONDS)
      problems.push(`${WHERE}.expires_in: must be a positive whole number of seconds`);
    else expiresAt = new Date(now.getTime() + n * 1000).toISOString();
  } else if (!isNone(val.expires_at)) {
    const v = val.expires_at;
    const ms =
      typeof v === 'number' && Number.isInteger(v) && v > 0 && v < 1e11
        ? v * 1000 // seconds since the epoch (RFC 7519 NumericDate)
        : typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(v)
          ? Date.parse(v)
          : Number.NaN;
    if (Number.isNaN(ms)) problems.push(`${WHERE}.expires_at: must be an ISO-8601 date-time with a time zone, or seconds since the epoch`);
    else expiresAt = new Date(ms).toISOString();
  }
  if (expiresAt !== null && Date.parse(expiresAt) <= now.getTime() && isNone(val.refresh_token)) {
    problems.push(`${WHERE}.expires_at: the access token has expired and there is no refresh_token to renew it`);
  }

  let scopes: string[] = [...resolved.scopes]; // as when a provider's token response has no scope
  if (!isNone(val.scope)) {
    const commaSeparated = oauth2?.quirks?.scopes_comma_separated === true || oauth2?.scope_separator.trim() === ',';
    if (typeof val.scope === 'string' && val.scope.length <= 8192) scopes = splitScopes(val.scope, commaSeparated);
    else if (
      Array.isArray(val.scope) &&
      val.scope.length <= 500 &&
      val.scope.every((s) => typeof s === 'string' && s.length > 0 && s.length <= 512 && !/\s/.test(s))
    )
      scopes = [...new Set(val.scope as string[])];
    else problems.push(`${WHERE}.scope: must be a string of scopes or an array of scope strings`);
  }

  const data: Record<string, string> = {};
  const secretFields: Record<string, string> = {};
  for (const [key, value] of Object.entries(val)) {
    if (key === 'status' || (TOKEN_FIELDS as readonly string[]).includes(key)) continue;
    const def = fieldDefs.get(key);
    if (!def) problems.push(`${WHERE}.${key}: not a field authlink imports for ${resolved.toolkit.slug} OAUTH2 (allowed: ${allowed.join(', ')})`);
    else if (typeof value !== 'string' || value.length > 2048) problems.push(`${WHERE}.${key}: must be a string of at most 2048 characters`);
    else (def.secret ? secretFields : data)[key] = value;
  }

  if (problems.length || !accessToken) return { problems };
  const creds: Record<string, unknown> = { ...secretFields, access_token: accessToken, token_type: tokenType, scope: scopes };
  if (refreshToken) creds.refresh_token = refreshToken;
  if (expiresAt) creds.expires_at = expiresAt;
  if (claims) creds.id_token_claims = claims;
  return {
    problems,
    tokens: { creds, data, grantedScopes: scopes, expiresAt, subject: claims ? subjectFromTokens(resolved, { id_token_claims: claims }) : undefined },
  };
}
