// Public surface of the OAuth2 client (built on oauth4webapi). transport.ts and
// token-response.ts are internals shared by exchange/refresh/revoke.
export type { OAuthProvider, OAuthClient, TokenSet, TransportOptions, TokenEndpointAuthMethod } from './types.ts';
export { OAuthClientError, isInvalidGrant, isTransient, type OAuthErrorKind } from './errors.ts';
export { buildAuthorizeUrl, newPkce, newState, type BuildAuthorizeUrlInput, type Pkce } from './authorize.ts';
export { exchangeCode, type ExchangeCodeInput } from './exchange.ts';
export { refreshTokens, type RefreshTokensInput } from './refresh.ts';
export { clientCredentialsTokens, type ClientCredentialsInput } from './client-credentials.ts';
export { parseServiceAccountKey, serviceAccountTokens, type ServiceAccountKey } from './jwt-bearer.ts';
export { revokeToken, type RevokeTokenInput } from './revoke.ts';
export { oauthProviderFromSettings } from './provider.ts';
export { assertProviderUrlsSecure, INSECURE_URL_MESSAGE } from './transport.ts';
export { decodeJwtClaimsUnverified } from './id-token.ts';
export { fetchUserinfoField, identifierAt, type UserinfoFieldInput } from './userinfo.ts';
