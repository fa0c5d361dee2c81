// What each auth mode (Composio's scheme names, src/toolkits/types.ts) means
// for the flows, in one place: the services and routes ask these questions
// instead of comparing mode names.
import type { AuthMode } from './types.ts';

/** Modes whose credential is an OAuth2 access token with granted scopes and an expiry, put on requests as `{{access_token}}`. */
const TOKEN_MODES: ReadonlySet<AuthMode> = new Set(['OAUTH2', 'S2S_OAUTH2', 'GOOGLE_SERVICE_ACCOUNT']);

export function usesAccessToken(mode: AuthMode): boolean {
  return TOKEN_MODES.has(mode);
}

/**
 * Modes where authlink itself gets every token from credentials it holds, no
 * person signing in at a provider: the OAuth2 client credentials grant
 * (S2S_OAUTH2, the auth config's client id and secret) and the JWT bearer
 * grant of a Google service account (the key the connection holds).
 */
export function isServerGrant(mode: AuthMode): boolean {
  return mode === 'S2S_OAUTH2' || mode === 'GOOGLE_SERVICE_ACCOUNT';
}

/** Modes whose hosted page sends the person to the provider to sign in and consent (OAuth2 code flow, OAuth 1.0a). */
export function isRedirectFlow(mode: AuthMode): boolean {
  return mode === 'OAUTH2' || mode === 'OAUTH1';
}
