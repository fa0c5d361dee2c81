// Shape of a toolkit definition file (src/toolkits/builtin/*.json, or an
// operator's AUTHLINK_TOOLKITS_DIR). docs/toolkit.schema.json is the published
// JSON Schema for the same shape; keep the two in step.

// Composio's scheme names (the wire API's auth_scheme / state.authScheme).
// OAUTH2: a person signs in (authorization code). S2S_OAUTH2: the OAuth2
// client credentials grant, no person. OAUTH1: OAuth 1.0a, a person signs in,
// every request is signed. GOOGLE_SERVICE_ACCOUNT: a service account key gets
// tokens by the JWT bearer grant (RFC 7523). What each means for the flows:
// src/toolkits/modes.ts.
export type AuthMode = 'OAUTH2' | 'S2S_OAUTH2' | 'OAUTH1' | 'GOOGLE_SERVICE_ACCOUNT' | 'API_KEY' | 'BEARER_TOKEN' | 'BASIC' | 'NO_AUTH';

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
// (access_token for the token modes). `basic` entries build an Authorization:
// Basic header; `oauth1` signs the whole request (RFC 5849, OAUTH1 only).
export type ApplyRule =
  | { in: 'header'; name: string; value: string }
  | { in: 'query'; name: string; value: string }
  | { in: 'basic'; username: string; password: string }
  | { in: 'oauth1' };

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

/** OAUTH2 and S2S_OAUTH2 (which has no authorization_url and no PKCE: no person signs in). */
export interface OAuth2Settings {
  authorization_url?: string; // may hold {{field}} placeholders; required for OAUTH2, absent for S2S_OAUTH2
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

/** OAUTH1 (RFC 5849 with the 1.0a oauth_verifier): temporary credentials, the person's authorization, then token credentials. */
export interface OAuth1Settings {
  request_token_url: string;
  authorization_url: string;
  access_token_url: string;
  signature_method: 'HMAC-SHA1';
  authorize_params?: Record<string, string>; // extra query parameters on the authorization URL
  /** A parameter of the token credentials answer naming who connected (X: user_id), compared when the account is reconnected. */
  subject_param?: string;
}

/** GOOGLE_SERVICE_ACCOUNT: the JWT bearer grant (RFC 7523) signed with the connection's service account key. */
export interface ServiceAccountSettings {
  token_url: string; // also the assertion's audience
  default_scopes: string[];
  scope_separator: string;
}

export interface AuthScheme {
  mode: AuthMode;
  name: string;
  fields: {
    auth_config_creation: FieldGroup;
    connected_account_initiation: FieldGroup;
  };
  apply: ApplyRule[];
  oauth2?: OAuth2Settings; // present iff mode is OAUTH2 or S2S_OAUTH2
  oauth1?: OAuth1Settings; // present iff mode is OAUTH1
  service_account?: ServiceAccountSettings; // present iff mode is GOOGLE_SERVICE_ACCOUNT
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
