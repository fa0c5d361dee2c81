// The toolkit files every world's server loads (a temp AUTHLINK_TOOLKITS_DIR):
// the OAuth2 toolkit of the in-process provider (link creation and the full
// OAuth completion) and the API-key toolkit whose base_url is the local
// upstream (seeded accounts and the proxy). Same definitions as the tests use.
import { apiKeyToolkit, oidcToolkit, writeToolkitsDir, type OidcEndpoints } from '../../test/helpers/toolkits.ts';

export const OAUTH_TOOLKIT = 'localoidc';
export const API_KEY_TOOLKIT = 'echoapi';

export function benchToolkitsDir(provider: OidcEndpoints, upstreamOrigin: string): string {
  return writeToolkitsDir([oidcToolkit(provider), apiKeyToolkit(upstreamOrigin)]);
}
