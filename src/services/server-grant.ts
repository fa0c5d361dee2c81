// Accounts whose tokens authlink gets itself, no person signing in at the
// provider (src/toolkits/modes.ts isServerGrant):
// - S2S_OAUTH2, the OAuth2 client credentials grant: the auth config's client
//   id and secret get the token. The account is created through the API
//   (POST /api/v3.1/connected_accounts) and is ACTIVE at once; a link or a
//   reconnect, which exist to send a person to a sign-in page, is refused
//   with what to do instead.
// - GOOGLE_SERVICE_ACCOUNT, the JWT bearer grant: the connection's service
//   account key (credentials_json, encrypted like any credential) signs the
//   assertion. The key comes through the API or the hosted page's form; a
//   token is fetched before the account is stored, so a key the provider
//   refuses is never kept.
// Either way the refresher fetches a new token before the old one expires.
import { ApiError } from '../errors.ts';
import { isServerGrant as modeIsServerGrant } from '../toolkits/modes.ts';
import { fillUrlTemplate } from '../toolkits/template.ts';
import { clientCredentialsTokens } from '../oauth/client-credentials.ts';
import { parseServiceAccountKey, serviceAccountTokens } from '../oauth/jwt-bearer.ts';
import { OAuthClientError } from '../oauth/errors.ts';
import type { TokenSet } from '../oauth/types.ts';
import type { ResolvedAuthConfig } from './auth-configs.ts';
import { oauthClientFor, oauthProviderFor } from './oauth-provider.ts';

/** The connection field holding a service account key, as Composio names it (state.val.credentials_json). */
export const SERVICE_ACCOUNT_KEY_FIELD = 'credentials_json';
/** Optional connection field: the user a Google Workspace domain-wide delegation acts as (the assertion's sub). */
export const DELEGATED_SUBJECT_FIELD = 'subject';

export function isServerGrant(resolved: Pick<ResolvedAuthConfig, 'scheme'> | undefined): boolean {
  return resolved !== undefined && modeIsServerGrant(resolved.scheme.mode);
}

/** Refuses a flow that would send a person to a sign-in page (link, reconnect) for a client-credentials auth config. */
export function assertPersonFlow(resolved: ResolvedAuthConfig, what: 'link' | 'reconnect'): void {
  if (resolved.scheme.mode !== 'S2S_OAUTH2') return;
  throw new ApiError(
    'ValidationFailed',
    `${resolved.toolkit.name} connects with the app's own credentials (OAuth2 client credentials): no user signs in, so there is no ${what} page`,
    {
      errors: [`auth_config: ${resolved.row.id} uses the client credentials grant (S2S_OAUTH2)`],
      suggestedFix:
        what === 'link'
          ? 'Create the account with POST /api/v3.1/connected_accounts {auth_config: {id}, connection: {user_id}}: it is ACTIVE at once'
          : 'Refresh its token with POST /api/v3.1/connected_accounts/{id}/refresh without a redirect_url',
    },
  );
}

/** Problems with a service account key given for a connection (each names the member at fault, never the key). */
export function serviceAccountKeyProblems(value: unknown): string[] {
  if (typeof value !== 'string' || !value.trim()) return ['is required: the service account key file (JSON)'];
  return parseServiceAccountKey(value).problems;
}

export interface GrantTransport {
  fetch: typeof fetch;
  allowInsecure: boolean;
  now: () => Date;
}

/** A new token for a server-grant account, from the auth config (S2S_OAUTH2) or the connection's key (GOOGLE_SERVICE_ACCOUNT). */
export async function serverGrantTokens(
  resolved: ResolvedAuthConfig,
  data: Record<string, string>,
  creds: Record<string, unknown>,
  t: GrantTransport,
): Promise<TokenSet> {
  const settings = resolved.scheme.service_account;
  if (resolved.scheme.mode === 'GOOGLE_SERVICE_ACCOUNT' && settings) {
    const { key, problems } = parseServiceAccountKey(String(creds[SERVICE_ACCOUNT_KEY_FIELD] ?? ''));
    if (!key) throw new OAuthClientError('config', `The stored service account key is unusable: ${problems.join('; ')}`);
    return serviceAccountTokens({
      tokenUrl: fillUrlTemplate(settings.token_url, data),
      key,
      scopes: resolved.scopes,
      scopeSeparator: settings.scope_separator,
      subject: data[DELEGATED_SUBJECT_FIELD] || undefined,
      fetch: t.fetch,
      allowInsecure: t.allowInsecure,
      now: t.now,
    });
  }
  return clientCredentialsTokens({
    provider: oauthProviderFor(resolved, data),
    client: oauthClientFor(resolved),
    scopes: resolved.scopes,
    fetch: t.fetch,
    allowInsecure: t.allowInsecure,
    now: t.now,
  });
}

/** The API error for a provider that issued no token when an account was being created (nothing is stored). */
export function noTokenIssued(resolved: ResolvedAuthConfig, e: OAuthClientError): ApiError {
  const s2s = resolved.scheme.mode === 'S2S_OAUTH2';
  return new ApiError(
    'ProviderError',
    `${resolved.toolkit.name} issued no token for the ${s2s ? 'client credentials grant' : 'service account key'}: ${e.message}`,
    {
      suggestedFix: s2s
        ? `Check the client_id, client_secret and scopes of auth config ${resolved.row.id}; nothing was stored`
        : `Check that the key is active, its service account may use the auth config's scopes (${resolved.scopes.join(' ') || 'none'}) and any subject is a delegated user; nothing was stored`,
    },
  );
}
