// The JWT bearer grant (RFC 7523 2.1) as Google service accounts use it
// (https://developers.google.com/identity/protocols/oauth2/service-account#httprest):
// an assertion signed RS256 with the account's private key, claims iss (the
// account's email), scope, aud (the token endpoint), iat, exp (at most an hour
// later) and, for domain-wide delegation, sub (the user to act as). No client
// authentication and no refresh token: a new assertion gets the next token.
import { createPrivateKey, type KeyObject, sign } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { requestTokens } from './token-response.ts';
import { assertProviderUrlsSecure, authorizationServer, requestOptions } from './transport.ts';
import type { TokenSet, TransportOptions } from './types.ts';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
/** Google refuses assertions valid for longer than an hour. */
const ASSERTION_LIFETIME_SECONDS = 3600;
const OPERATION = 'service account token request';

export interface ServiceAccountKey {
  client_email: string;
  private_key: KeyObject;
  private_key_id?: string;
}

/**
 * Reads a service account key file (the JSON a console downloads). Problems
 * name the member at fault and never quote the key. The file's token_uri is
 * not used: where assertions go is the toolkit's to say, not the key's.
 */
export function parseServiceAccountKey(json: string): { key?: ServiceAccountKey; problems: string[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    return { problems: ['is not JSON: paste the whole key file a service account key download gives'] };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { problems: ['is not a JSON object'] };
  const d = doc as Record<string, unknown>;
  const problems: string[] = [];
  if (d.type !== undefined && d.type !== 'service_account') problems.push(`type: must be "service_account" (this key file is for something else)`);
  if (typeof d.client_email !== 'string' || !/^[^@\s]+@[^@\s]+$/.test(d.client_email)) problems.push('client_email: must be the service account email');
  let privateKey: KeyObject | undefined;
  if (typeof d.private_key !== 'string') problems.push('private_key: is required (a PEM private key)');
  else {
    try {
      privateKey = createPrivateKey(d.private_key);
      if (privateKey.asymmetricKeyType !== 'rsa') problems.push('private_key: must be an RSA key (RS256)');
    } catch {
      problems.push('private_key: is not a readable PEM private key');
    }
  }
  if (d.private_key_id !== undefined && typeof d.private_key_id !== 'string') problems.push('private_key_id: must be a string');
  if (problems.length || !privateKey) return { problems };
  return {
    key: {
      client_email: d.client_email as string,
      private_key: privateKey,
      ...(typeof d.private_key_id === 'string' ? { private_key_id: d.private_key_id } : {}),
    },
    problems,
  };
}

const b64url = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8').toString('base64url');

/** The signed assertion (exported for tests that check what a provider receives). */
export function serviceAccountAssertion(input: { key: ServiceAccountKey; audience: string; scope: string; subject?: string; now: Date }): string {
  const iat = Math.floor(input.now.getTime() / 1000);
  const header = { alg: 'RS256', typ: 'JWT', ...(input.key.private_key_id ? { kid: input.key.private_key_id } : {}) };
  const claims = {
    iss: input.key.client_email,
    ...(input.scope ? { scope: input.scope } : {}),
    aud: input.audience,
    iat,
    exp: iat + ASSERTION_LIFETIME_SECONDS,
    ...(input.subject ? { sub: input.subject } : {}),
  };
  const signingInput = `${b64url(header)}.${b64url(claims)}`;
  return `${signingInput}.${sign('sha256', Buffer.from(signingInput), input.key.private_key).toString('base64url')}`;
}

export interface ServiceAccountTokenInput extends TransportOptions {
  tokenUrl: string;
  key: ServiceAccountKey;
  scopes: string[];
  scopeSeparator: string;
  /** Domain-wide delegation: the user the token acts as. */
  subject?: string;
  now?: () => Date;
}

export async function serviceAccountTokens(input: ServiceAccountTokenInput): Promise<TokenSet> {
  const now = input.now ?? (() => new Date());
  const provider = {
    tokenUrl: input.tokenUrl,
    scopeSeparator: input.scopeSeparator,
    pkce: false,
    tokenEndpointAuthMethod: 'client_secret_post' as const,
    quirks: {},
  };
  assertProviderUrlsSecure(provider, input.allowInsecure);
  const assertion = serviceAccountAssertion({
    key: input.key,
    audience: input.tokenUrl,
    scope: input.scopes.join(input.scopeSeparator),
    subject: input.subject,
    now: now(),
  });
  const secrets = [assertion];
  const as = authorizationServer(provider);
  // The assertion is the client's proof; RFC 7523 needs no client authentication beside it.
  const client: oauth.Client = { client_id: input.key.client_email };
  const noClientAuth: oauth.ClientAuth = () => {};
  const tokens = await requestTokens({
    as,
    client,
    grant: JWT_BEARER_GRANT,
    provider,
    fallbackScopes: input.scopes,
    now,
    operation: OPERATION,
    secrets,
    send: () => oauth.genericTokenEndpointRequest(as, client, noClientAuth, JWT_BEARER_GRANT, { assertion }, requestOptions(input, OPERATION, secrets)),
  });
  if (tokens.refresh_token !== undefined) {
    // Not part of the grant; storing one would make the refresher treat the account as a code-flow account.
    const { refresh_token: _ignored, ...rest } = tokens;
    return rest;
  }
  return tokens;
}
