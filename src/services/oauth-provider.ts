// Resolved auth config + the account's connection fields -> the plain inputs
// of the OAuth client (URLs with their {{field}} placeholders filled).
import { ApiError } from '../errors.ts';
import { fillUrlTemplate } from '../toolkits/template.ts';
import { oauthProviderFromSettings } from '../oauth/provider.ts';
import type { OAuthClient, OAuthProvider } from '../oauth/types.ts';
import type { ResolvedAuthConfig } from './auth-configs.ts';

export function oauthProviderFor(resolved: ResolvedAuthConfig, connectionData: Record<string, string>): OAuthProvider {
  const settings = resolved.scheme.oauth2;
  if (!settings) throw new ApiError('AuthSchemeUnsupported', `${resolved.toolkit.slug} ${resolved.scheme.mode} is not an OAuth2 scheme`);
  return oauthProviderFromSettings(settings, (t) => fillUrlTemplate(t, connectionData));
}

export function oauthClientFor(resolved: ResolvedAuthConfig): OAuthClient {
  return { clientId: resolved.values.client_id ?? '', clientSecret: resolved.values.client_secret ?? '' };
}
