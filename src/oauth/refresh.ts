// Refresh token grant. A provider that rotates returns a new refresh_token; one
// that doesn't returns none and TokenSet.refresh_token is undefined, meaning
// "keep the one you have". (quirks.refresh_token_rotates tells the caller that
// the old one dies on use, so concurrent refreshes of one account must be
// serialized; nothing changes on the wire.)
import * as oauth from 'oauth4webapi';
import { requestTokens } from './token-response.ts';
import { assertProviderUrlsSecure, authorizationServer, clientAuthentication, oauthClient, requestOptions } from './transport.ts';
import type { OAuthClient, OAuthProvider, TokenSet, TransportOptions } from './types.ts';

export interface RefreshTokensInput extends TransportOptions {
  provider: OAuthProvider;
  client: OAuthClient;
  refreshToken: string;
  now?: () => Date;
  // Granted scopes to report when the response has no `scope` (usually the
  // scopes stored from the previous token set). Default: [].
  scopesIfMissing?: string[];
}

const OPERATION = 'token refresh';

export async function refreshTokens(input: RefreshTokensInput): Promise<TokenSet> {
  const { provider, client } = input;
  assertProviderUrlsSecure(provider, input.allowInsecure);
  const secrets = [client.clientSecret, input.refreshToken];
  const as = authorizationServer(provider);
  const oc = oauthClient(provider, client);

  return requestTokens({
    as,
    client: oc,
    grant: 'refresh_token',
    provider,
    fallbackScopes: input.scopesIfMissing ?? [],
    now: input.now ?? (() => new Date()),
    operation: OPERATION,
    secrets,
    send: () => oauth.refreshTokenGrantRequest(as, oc, clientAuthentication(provider, client), input.refreshToken, requestOptions(input, OPERATION, secrets)),
  });
}
