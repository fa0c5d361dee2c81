// Resolved auth config + the account's connection fields -> the plain inputs
// of the OAuth client (URLs with their {{field}} placeholders filled).
import { ApiError } from '../errors.ts';
import { fillUrlTemplate } from '../toolkits/template.ts';
import { oauthProviderFromSettings } from '../oauth/provider.ts';
import type { OAuthClient, OAuthProvider } from '../oauth/types.ts';
import type { OAuth1Credentials, OAuth1Endpoints } from '../oauth/oauth1.ts';
import type { ResolvedAuthConfig } from './auth-configs.ts';

export function oauthProviderFor(resolved: ResolvedAuthConfig, connectionData: Record<string, string>): OAuthProvider {
  const settings = resolved.scheme.oauth2;
  if (!settings) throw new ApiError('AuthSchemeUnsupported', `${resolved.toolkit.slug} ${resolved.scheme.mode} is not an OAuth2 scheme`);
  return oauthProviderFromSettings(settings, (t) => fillUrlTemplate(t, connectionData));
}

export function oauthClientFor(resolved: ResolvedAuthConfig): OAuthClient {
  return { clientId: resolved.values.client_id ?? '', clientSecret: resolved.values.client_secret ?? '' };
}

/** An OAUTH1 scheme's endpoints, URLs filled from the connection's fields. */
export function oauth1EndpointsFor(resolved: ResolvedAuthConfig, connectionData: Record<string, string>): OAuth1Endpoints {
  const settings = resolved.scheme.oauth1;
  if (!settings) throw new ApiError('AuthSchemeUnsupported', `${resolved.toolkit.slug} ${resolved.scheme.mode} is not an OAuth 1.0a scheme`);
  return {
    requestTokenUrl: fillUrlTemplate(settings.request_token_url, connectionData),
    authorizationUrl: fillUrlTemplate(settings.authorization_url, connectionData),
    accessTokenUrl: fillUrlTemplate(settings.access_token_url, connectionData),
    authorizeParams: settings.authorize_params,
  };
}

/** The OAuth 1.0a consumer: an auth config's client_id / client_secret (the provider's consumer key and secret). */
export function oauth1ConsumerFor(resolved: ResolvedAuthConfig): OAuth1Credentials {
  const { clientId, clientSecret } = oauthClientFor(resolved);
  return { key: clientId, secret: clientSecret };
}
