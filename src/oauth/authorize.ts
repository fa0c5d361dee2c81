// The front-channel half: the URL the user's browser is sent to, plus the
// per-flow secrets (state, PKCE verifier) the caller must keep until the callback.
import * as oauth from 'oauth4webapi';
import { OAuthClientError } from './errors.ts';
import { assertProviderUrlsSecure } from './transport.ts';
import type { OAuthClient, OAuthProvider } from './types.ts';

export interface BuildAuthorizeUrlInput {
  provider: OAuthProvider;
  client: Pick<OAuthClient, 'clientId'>;
  redirectUri: string;
  scopes: string[];
  state: string;
  codeChallenge?: string; // required when provider.pkce
  // When given, http:// provider URLs are refused unless true. Omitted = not
  // checked here (exchangeCode checks every provider URL anyway).
  allowInsecure?: boolean;
}

export function buildAuthorizeUrl(input: BuildAuthorizeUrlInput): string {
  const { provider } = input;
  if (input.allowInsecure !== undefined) assertProviderUrlsSecure(provider, input.allowInsecure);

  let url: URL;
  try {
    url = new URL(provider.authorizationUrl ?? ''); // may carry fixed query params of its own; they are kept
  } catch {
    throw new OAuthClientError('config', 'OAuth provider authorizationUrl is not a valid absolute URL');
  }
  const q = url.searchParams;
  // Toolkit extras first (access_type=offline, prompt=consent, ...) so they can
  // never override the protocol parameters below.
  for (const [k, v] of Object.entries(provider.authorizeParams ?? {})) q.set(k, v);

  q.set('response_type', 'code');
  q.set('client_id', input.client.clientId);
  q.set('redirect_uri', input.redirectUri);
  q.set('state', input.state);
  if (input.scopes.length > 0) q.set(provider.scopeParam || 'scope', input.scopes.join(provider.scopeSeparator));

  // PKCE only when the toolkit says the provider supports it; exchangeCode sends
  // the verifier under the same condition, so the two always agree.
  if (provider.pkce) {
    if (!input.codeChallenge) {
      throw new OAuthClientError('config', 'provider uses PKCE but no code challenge was given');
    }
    q.set('code_challenge', input.codeChallenge);
    q.set('code_challenge_method', 'S256');
  }

  // URLSearchParams writes spaces as '+'; a few providers don't decode that in
  // `scope`. A literal '+' is serialized as %2B, so every '+' here is a space.
  url.search = q.toString().replace(/\+/g, '%20');
  return url.toString();
}

export interface Pkce {
  verifier: string; // secret: keep server-side with the flow, send only to the token endpoint
  challenge: string; // S256 of the verifier, goes on the authorize URL
}

export async function newPkce(): Promise<Pkce> {
  const verifier = oauth.generateRandomCodeVerifier();
  return { verifier, challenge: await oauth.calculatePKCECodeChallenge(verifier) };
}

/** A fresh unguessable `state` (CSRF protection for the callback). */
export function newState(): string {
  return oauth.generateRandomState();
}
