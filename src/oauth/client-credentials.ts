// Client credentials grant (RFC 6749 4.4): the app's own client id and secret
// get an access token, no person involved. Used to create such an account and
// to fetch a new token before the old one expires (there is no refresh token).
import * as oauth from 'oauth4webapi';
import { requestTokens } from './token-response.ts';
import { assertProviderUrlsSecure, authorizationServer, clientAuthentication, oauthClient, requestOptions } from './transport.ts';
import type { OAuthClient, OAuthProvider, TokenSet, TransportOptions } from './types.ts';

export interface ClientCredentialsInput extends TransportOptions {
  provider: OAuthProvider;
  client: OAuthClient;
  /** Requested scopes (sent when non-empty), and what the token set reports when the answer has no `scope`. */
  scopes: string[];
  now?: () => Date;
}

const OPERATION = 'client credentials grant';

export async function clientCredentialsTokens(input: ClientCredentialsInput): Promise<TokenSet> {
  const { provider, client } = input;
  assertProviderUrlsSecure(provider, input.allowInsecure);
  const secrets = [client.clientSecret];
  const as = authorizationServer(provider);
  const oc = oauthClient(provider, client);
  const parameters = new URLSearchParams();
  if (input.scopes.length) parameters.set('scope', input.scopes.join(provider.scopeSeparator));
  return requestTokens({
    as,
    client: oc,
    grant: 'client_credentials',
    provider,
    fallbackScopes: input.scopes,
    now: input.now ?? (() => new Date()),
    operation: OPERATION,
    secrets,
    send: () => oauth.clientCredentialsGrantRequest(as, oc, clientAuthentication(provider, client), parameters, requestOptions(input, OPERATION, secrets)),
  });
}
