// Maps a toolkit's OAuth2Settings to an OAuthProvider. The caller supplies the
// URL filler (src/toolkits/template.ts fillUrlTemplate bound to the connection's
// fields) so this folder does not depend on the template module.
import type { OAuth2Settings } from '../toolkits/types.ts';
import type { OAuthProvider } from './types.ts';

export function oauthProviderFromSettings(settings: OAuth2Settings, fillUrl: (template: string) => string): OAuthProvider {
  return {
    // client_credentials toolkits have no authorization endpoint (and never reach the authorize step).
    authorizationUrl: settings.authorization_url === undefined ? undefined : fillUrl(settings.authorization_url),
    tokenUrl: fillUrl(settings.token_url),
    revocationUrl: settings.revocation_url === undefined ? undefined : fillUrl(settings.revocation_url),
    userinfoUrl: settings.userinfo_url === undefined ? undefined : fillUrl(settings.userinfo_url),
    issuer: settings.issuer === undefined ? undefined : fillUrl(settings.issuer),
    scopeSeparator: settings.scope_separator,
    scopeParam: settings.scope_param,
    authorizeParams: settings.authorize_params,
    pkce: settings.pkce,
    tokenEndpointAuthMethod: settings.token_endpoint_auth_method,
    quirks: settings.quirks ?? {},
  };
}
