// The toolkit files every world's server loads (a temp AUTHLINK_TOOLKITS_DIR):
// the OAuth2 toolkit of the in-process provider (link creation and the full
// OAuth completion) and the API-key toolkit whose base_url is the local
// upstream (seeded accounts and the proxy). Same definitions as the tests use.
// And the bench's tools (AUTHLINK_TOOLS_DIR, checked in: a tool names no host,
// its toolkit's base_url does): one GET of the upstream for tool_execute.
import { fileURLToPath } from 'node:url';
import { apiKeyToolkit, oidcToolkit, writeToolkitsDir, type OidcEndpoints } from '../../test/helpers/toolkits.ts';

export const OAUTH_TOOLKIT = 'localoidc';
export const API_KEY_TOOLKIT = 'echoapi';

export const BENCH_TOOLS_DIR = fileURLToPath(new URL('../tools/', import.meta.url));
/** bench/tools/echoapi.json: GET /echo?per_page=<per_page> on the upstream with the account's X-Api-Key. */
export const ECHO_TOOL = 'ECHOAPI_GET_ECHO';

export function benchToolkitsDir(provider: OidcEndpoints, upstreamOrigin: string): string {
  return writeToolkitsDir([oidcToolkit(provider), apiKeyToolkit(upstreamOrigin)]);
}
