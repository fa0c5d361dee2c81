// The callback half of the authorization code flow: check the callback
// (state, error), trade the code for tokens, normalize the result.
import * as oauth from 'oauth4webapi';
import { OAuthClientError } from './errors.ts';
import { requestTokens } from './token-response.ts';
import {
  assertProviderUrlsSecure,
  authorizationServer,
  clientAuthentication,
  oauthClient,
  providerSaidNo,
  requestOptions,
  toOAuthClientError,
} from './transport.ts';
import type { OAuthClient, OAuthProvider, TokenSet, TransportOptions } from './types.ts';

export interface ExchangeCodeInput extends TransportOptions {
  provider: OAuthProvider;
  client: OAuthClient;
  redirectUri: string; // exactly the one sent on the authorize URL
  callbackUrl: URL; // full callback URL as received, with code & state (or error)
  expectedState: string;
  codeVerifier?: string; // required when provider.pkce
  requestedScopes: string[]; // reported as granted when the provider's response has no `scope`
  now?: () => Date;
}

const OPERATION = 'authorization code exchange';

export async function exchangeCode(input: ExchangeCodeInput): Promise<TokenSet> {
  const { provider, client } = input;
  assertProviderUrlsSecure(provider, input.allowInsecure);

  const code = input.callbackUrl.searchParams.get('code') ?? undefined;
  const secrets = [client.clientSecret, input.codeVerifier, code];
  if (provider.pkce && !input.codeVerifier) {
    throw new OAuthClientError('config', `${OPERATION}: provider uses PKCE but no code verifier was kept for this flow`);
  }

  const as = authorizationServer(provider);
  const oc = oauthClient(provider, client);
  const params = validateCallback(as, oc, input.callbackUrl, input.expectedState, secrets);

  return requestTokens({
    as,
    client: oc,
    grant: 'authorization_code',
    provider,
    fallbackScopes: input.requestedScopes,
    now: input.now ?? (() => new Date()),
    operation: OPERATION,
    secrets,
    send: () =>
      oauth.authorizationCodeGrantRequest(
        as,
        oc,
        clientAuthentication(provider, client),
        params,
        input.redirectUri,
        // Same rule as buildAuthorizeUrl: PKCE iff the provider is marked for it.
        provider.pkce ? input.codeVerifier! : oauth.nopkce,
        requestOptions(input, OPERATION, secrets),
      ),
  });
}

/**
 * oauth4webapi's validateAuthResponse checks `iss` and state (before looking
 * at `error`, so a forged denial is a state failure) and turns error=... into
 * an AuthorizationResponseError. RFC 9207 `iss`: with a toolkit issuer it must
 * be present and equal (mix-up defence, RFC 9700 4.4.2); without one our
 * issuer is a stand-in (see transport.ts), so `iss` is removed rather than
 * compared with it (Google, for one, sends `iss` without advertising it). The
 * state, bound server-side to one link, auth config and client, is what ties
 * the callback to this flow either way.
 */
function validateCallback(
  as: oauth.AuthorizationServer,
  client: oauth.Client,
  callbackUrl: URL,
  expectedState: string,
  secrets: ReadonlyArray<string | undefined>,
): URLSearchParams {
  const params = new URLSearchParams(callbackUrl.searchParams);
  if (!as.authorization_response_iss_parameter_supported) params.delete('iss');
  let validated: URLSearchParams;
  try {
    validated = oauth.validateAuthResponse(as, client, params, expectedState);
  } catch (e) {
    if (e instanceof oauth.AuthorizationResponseError) {
      throw providerSaidNo('authorization', e.error, e.error_description, undefined, secrets);
    }
    if (e instanceof oauth.OperationProcessingError && e.code === oauth.INVALID_RESPONSE) {
      const why = params.has('response')
        ? 'is a JARM response, which is not supported'
        : /"iss"/.test(e.message)
          ? `iss does not name the expected issuer ${as.issuer} (mix-up defence)`
          : params.get('state') === null
            ? 'has no state parameter'
            : 'state does not match this flow';
      throw new OAuthClientError('unexpected_body', `authorization callback ${why}`);
    }
    throw toOAuthClientError(e, 'authorization callback', secrets);
  }
  if (!validated.get('code')) {
    throw new OAuthClientError('unexpected_body', 'authorization callback has neither a code nor an error');
  }
  return validated;
}
