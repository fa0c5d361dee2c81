// Shape of a toolkit definition file (src/toolkits/builtin/*.json, or an
// operator's AUTHLINK_TOOLKITS_DIR). docs/toolkit.schema.json is the published
// JSON Schema for the same shape; keep the two in step.

export type AuthMode = 'OAUTH2' | 'API_KEY' | 'BEARER_TOKEN' | 'BASIC' | 'NO_AUTH';
export const AUTH_MODES: readonly AuthMode[] = ['OAUTH2', 'API_KEY', 'BEARER_TOKEN', 'BASIC', 'NO_AUTH'];

export interface FieldDef {
  name: string; // snake_case key, e.g. "api_key", "subdomain"
  display_name: string;
  description: string;
  type: 'string';
  secret: boolean; // secrets are encrypted at rest, masked on read, never echoed into HTML
  default?: string;
}

export interface FieldGroup {
  required: FieldDef[];
  optional: FieldDef[];
}

// How stored credentials are put on a proxied request. Values are templates:
// {{name}} is replaced by a connection field or credential value
// (access_token for OAUTH2). `basic` entries build an Authorization: Basic header.
export type ApplyRule =
  | { in: 'header'; name: string; value: string }
  | { in: 'query'; name: string; value: string }
  | { in: 'basic'; username: string; password: string };

export interface OAuth2Quirks {
  token_type_missing?: boolean; // token response has no token_type (assume Bearer)
  scopes_comma_separated?: boolean; // granted `scope` comes back "a,b" instead of "a b"
  refresh_token_rotates?: boolean; // every refresh returns a new refresh_token
  token_response_nested_in?: string; // e.g. Slack "authed_user": tokens nested under this key
}

/**
 * Where a provider says who the connected user is: a claim of the id_token,
 * or a field of the userinfo_url answer (dot-separated path). Compared when an
 * account is reconnected (issue #15). Absent: an id_token's `sub`, if any.
 */
export interface SubjectSource {
  from: 'id_token' | 'userinfo';
  field: string;
  docs_url: string; // where the provider documents that field
}

export interface OAuth2Settings {
  /** authorization_code (default): a person signs in; client_credentials: the app's credentials get the token (no authorization_url). */
  grant_type?: 'authorization_code' | 'client_credentials';
  authorization_url?: string; // may hold {{field}} placeholders; absent for client_credentials
  token_url: string;
  revocation_url?: string;
  userinfo_url?: string;
  // RFC 9207 issuer identifier. When set, the provider must put exactly this
  // in the callback's `iss` (mix-up defence, RFC 9700 4.4); when absent, `iss`
  // is not checked (its value could not be compared with anything).
  issuer?: string;
  subject?: SubjectSource;
  default_scopes: string[];
  scope_separator: string; // usually " "
  scope_param?: string; // default "scope" (Slack user scopes: "user_scope")
  authorize_params?: Record<string, string>;
  pkce: boolean;
  token_endpoint_auth_method: 'client_secret_basic' | 'client_secret_post';
  quirks?: OAuth2Quirks;
}

export interface AuthScheme {
  mode: AuthMode;
  name: string;
  fields: {
    auth_config_creation: FieldGroup;
    connected_account_initiation: FieldGroup;
  };
  apply: ApplyRule[];
  oauth2?: OAuth2Settings; // present iff mode === 'OAUTH2'
}

export interface ToolkitDef {
  slug: string; // lowercase, [a-z0-9_]+
  name: string;
  description: string;
  categories: string[];
  logo?: string;
  /** Simple Icons slug of a built-in's logo (src/toolkits/logos.generated.json). */
  icon?: string;
  docs_url: string; // where the endpoints below were taken from
  base_url: string; // proxy base, may hold {{field}} placeholders
  auth_schemes: AuthScheme[];
}
