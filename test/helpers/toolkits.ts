// Toolkit files for tests, written into a temp AUTHLINK_TOOLKITS_DIR exactly as
// an operator would: an OAuth2 toolkit for the in-process oidc-provider and an
// API-key toolkit for a local echo upstream.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ToolkitDef } from '../../src/toolkits/types.ts';

export interface OidcEndpoints {
  authorizationUrl: string;
  tokenUrl: string;
  revocationUrl: string;
  userinfoUrl: string;
  issuer?: string; // oidc-provider sends RFC 9207 `iss`: the toolkit declares it, so every flow checks it
}

export function oidcToolkit(p: OidcEndpoints, over: Partial<NonNullable<ToolkitDef['auth_schemes'][0]['oauth2']>> = {}): ToolkitDef {
  const origin = new URL(p.tokenUrl).origin;
  return {
    slug: 'localoidc',
    name: 'Local OIDC',
    description: 'The in-process oidc-provider used by the tests',
    categories: ['testing'],
    docs_url: 'https://github.com/panva/node-oidc-provider',
    base_url: origin,
    auth_schemes: [
      {
        mode: 'OAUTH2',
        name: 'Local OAuth2',
        fields: {
          auth_config_creation: {
            required: [
              { name: 'client_id', display_name: 'Client ID', description: 'OAuth client id', type: 'string', secret: false },
              { name: 'client_secret', display_name: 'Client secret', description: 'OAuth client secret', type: 'string', secret: true },
            ],
            optional: [],
          },
          connected_account_initiation: { required: [], optional: [] },
        },
        apply: [{ in: 'header', name: 'Authorization', value: 'Bearer {{access_token}}' }],
        oauth2: {
          authorization_url: p.authorizationUrl,
          token_url: p.tokenUrl,
          revocation_url: p.revocationUrl,
          userinfo_url: p.userinfoUrl,
          ...(p.issuer ? { issuer: p.issuer } : {}),
          default_scopes: ['openid', 'offline_access', 'repo'],
          scope_separator: ' ',
          authorize_params: { prompt: 'consent' },
          pkce: true,
          token_endpoint_auth_method: 'client_secret_basic',
          ...over,
        },
      },
    ],
  };
}

export function apiKeyToolkit(baseUrl: string): ToolkitDef {
  return {
    slug: 'echoapi',
    name: 'Echo API',
    description: 'A local upstream that echoes the credential it receives',
    categories: ['testing'],
    docs_url: 'https://example.com/echo',
    base_url: baseUrl,
    auth_schemes: [
      {
        mode: 'API_KEY',
        name: 'API key',
        fields: {
          auth_config_creation: { required: [], optional: [] },
          connected_account_initiation: {
            required: [{ name: 'api_key', display_name: 'API key', description: 'Your Echo API key', type: 'string', secret: true }],
            optional: [{ name: 'workspace', display_name: 'Workspace', description: 'Workspace name', type: 'string', secret: false }],
          },
        },
        apply: [{ in: 'header', name: 'X-Api-Key', value: '{{api_key}}' }],
      },
    ],
  };
}

export function writeToolkitsDir(defs: ToolkitDef[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authlink-toolkits-'));
  for (const d of defs) fs.writeFileSync(path.join(dir, `${d.slug}.json`), JSON.stringify(d, null, 2));
  return dir;
}
