// RFC 7009 token revocation, used when a connected account is deleted.
import * as oauth from 'oauth4webapi';
import { OAuthClientError } from './errors.ts';
import { assertProviderUrlsSecure, authorizationServer, clientAuthentication, oauthClient, requestOptions, toOAuthClientError } from './transport.ts';
import type { OAuthClient, OAuthProvider, TransportOptions } from './types.ts';

export interface RevokeTokenInput extends TransportOptions {
  provider: OAuthProvider;
  client: OAuthClient;
  token: string;
  tokenTypeHint?: 'access_token' | 'refresh_token';
}

const OPERATION = 'token revocation';

/**
 * Resolves when the provider accepted the revocation. Per RFC 7009 an unknown
 * or already-revoked token is also a success (200), so this is idempotent.
 * Throws kind 'config' when the provider has no revocation endpoint.
 */
export async function revokeToken(input: RevokeTokenInput): Promise<void> {
  const { provider, client } = input;
  assertProviderUrlsSecure(provider, input.allowInsecure);
  if (!provider.revocationUrl) {
    throw new OAuthClientError('config', `${OPERATION}: this provider has no revocation endpoint`);
  }
  const secrets = [client.clientSecret, input.token];
  try {
    const response = await oauth.revocationRequest(
      authorizationServer(provider),
      oauthClient(provider, client),
      clientAuthentication(provider, client),
      input.token,
      {
        ...requestOptions(input, OPERATION, secrets),
        ...(input.tokenTypeHint ? { additionalParameters: { token_type_hint: input.tokenTypeHint } } : {}),
      },
    );
    // oauth4webapi accepts exactly 200; some providers answer 204. Any 2xx is done.
    if (response.status >= 200 && response.status < 300) {
      await response.body?.cancel().catch(() => {});
      return;
    }
    await oauth.processRevocationResponse(response); // throws the classified error
    throw new OAuthClientError('unexpected_status', `${OPERATION}: provider answered HTTP ${response.status}`, { status: response.status });
  } catch (e) {
    throw toOAuthClientError(e, OPERATION, secrets);
  }
}
