// OAuth2 client-credentials toolkits (oauth2.grant_type "client_credentials",
// docs/toolkits.md): no person signs in, so an account is created through the
// API (POST /api/v3.1/connected_accounts) and gets its token at once; the
// refresher fetches a new one before it expires. A link or a reconnect, which
// exist to send a person to a sign-in page, is refused with what to do instead.
import { ApiError } from '../errors.ts';
import type { ResolvedAuthConfig } from './auth-configs.ts';

export function isClientCredentials(resolved: Pick<ResolvedAuthConfig, 'scheme'> | undefined): boolean {
  return resolved?.scheme.mode === 'OAUTH2' && resolved.scheme.oauth2?.grant_type === 'client_credentials';
}

/** Refuses a flow that would send a person to a sign-in page (link, reconnect) for a client-credentials auth config. */
export function assertPersonFlow(resolved: ResolvedAuthConfig, what: 'link' | 'reconnect'): void {
  if (!isClientCredentials(resolved)) return;
  throw new ApiError(
    'ValidationFailed',
    `${resolved.toolkit.name} connects with the app's own credentials (OAuth2 client credentials): no user signs in, so there is no ${what} page`,
    {
      errors: [`auth_config: ${resolved.row.id} uses the client credentials grant`],
      suggestedFix:
        what === 'link'
          ? 'Create the account with POST /api/v3.1/connected_accounts {auth_config: {id}, connection: {user_id}}: it is ACTIVE at once'
          : 'Refresh its token with POST /api/v3.1/connected_accounts/{id}/refresh without a redirect_url',
    },
  );
}
