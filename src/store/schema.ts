// Row types of every table. Timestamps are ISO-8601 UTC strings (same format
// on SQLite and PostgreSQL, so ordering and comparisons behave alike);
// booleans are 0/1 integers; JSON is text.
import type { WebhookDeliveriesTable, WebhookEndpointsTable, WebhookEventsTable } from './schema-webhooks.ts';

export type { WebhookDeliveriesTable, WebhookEndpointsTable, WebhookEventsTable };

export interface ProjectsTable {
  id: string;
  name: string;
  settings: string; // JSON ProjectSettings
  created_at: string;
  updated_at: string;
}

export interface ApiKeysTable {
  id: string;
  project_id: string;
  key_hash: string;
  key_prefix: string; // first characters, to recognise a key in listings
  name: string;
  created_at: string;
  revoked_at: string | null;
}

export interface AuthConfigsTable {
  id: string;
  project_id: string;
  toolkit_slug: string;
  name: string;
  auth_scheme: string;
  is_composio_managed: number;
  status: string; // ENABLED | DISABLED
  settings: string; // JSON of non-secret creation fields (client_id, scopes...)
  secrets_enc: string | null; // encrypted JSON of secret creation fields
  tool_access?: string | null; // JSON ToolAccessConfig (src/tools/access.ts); null/absent = no restriction
  proxy_url?: string | null; // proxy_config.proxy_url: egress for this config's accounts; null = direct
  proxy_auth_key_enc?: string | null; // proxy_config.proxy_auth_key, encrypted (ENCRYPTED_FIELDS.authConfigProxyKey)
  tool_router_enabled?: number; // is_enabled_for_tool_router: 0 keeps sessions from using it; absent (rows built in code before insert) = 1
  allow_reconnect_as_other_identity?: number; // 1: a reconnect may sign in as another provider identity; absent = 0
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface ConnectedAccountsTable {
  id: string;
  project_id: string;
  auth_config_id: string;
  toolkit_slug: string;
  user_id: string;
  alias: string | null;
  word_id: string;
  account_type: string; // PRIVATE | SHARED
  acl: string | null; // JSON, SHARED only
  status: string;
  status_reason: string | null;
  is_disabled: number;
  data: string; // JSON of non-secret connection fields
  credentials_enc: string | null; // encrypted JSON of secrets / token set
  credentials_view: string | null; // what the API shows of it, masked, with the IV it was made from (016_credentials_view)
  requested_scopes: string | null; // JSON array
  granted_scopes: string | null; // JSON array
  token_expires_at: string | null;
  refresh_lock_owner: string | null;
  refresh_lock_until: string | null;
  refresh_failures: number;
  next_refresh_at: string | null;
  last_used_at: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
  // Who the credential belongs to at the provider (id_token `sub` or the
  // toolkit's userinfo field), when the toolkit can tell; null = unknown.
  // Not a secret; compared when the account is reconnected.
  provider_subject?: string | null;
}

export interface LinkSessionsTable {
  id: string;
  project_id: string;
  connected_account_id: string;
  token_hash: string;
  callback_url: string | null;
  expires_at: string;
  browser_hash: string | null; // hash of the cookie secret, bound on the first POST from the page
  csrf_token: string | null; // unused since issue #20 B (form tokens are derived from the cookie); always null
  oauth_state_hash: string | null;
  pkce_verifier_enc: string | null;
  oauth1_temporary_enc: string | null; // OAuth 1.0a temporary credentials while the person authorizes
  opened_at: string | null; // when the link was bound (first action), despite the name
  consumed_at: string | null;
  created_at: string;
  // Set when the OAuth authorization starts (absent, i.e. null, on insert):
  // the callback is refused if the account's auth config or its client id
  // is no longer the one that started it.
  oauth_auth_config_id?: string | null;
  oauth_client_id?: string | null;
  // 1: the link reconnects its existing account (POST .../refresh with a
  // redirect_url); the account keeps its state and credential until it completes.
  reconnect?: number;
}

export interface CallbackVerificationsTable {
  id: string;
  project_id: string;
  connected_account_id: string;
  link_session_id: string;
  session_uri_hash: string; // SHA-256 of the session_uri handed to the app
  expires_at: string;
  used_at: string | null; // set once, atomically, when redeemed (or refused)
  created_at: string;
  // A reconnect's new credential and fields (encrypted JSON), applied only on
  // redemption; null for a first connection (its credential is on the account).
  pending_enc?: string | null;
}

export interface AuditLogTable {
  id: string;
  project_id: string;
  api_key_id: string | null;
  action: string;
  target_id: string;
  request_id: string | null;
  created_at: string;
  details: string | null; // JSON: what the action changed
}

export interface ToolRouterSessionsTable {
  id: string;
  project_id: string;
  user_id: string;
  config: string; // JSON SessionConfig (normalised)
  config_version: number; // +1 on every PATCH; PATCH is conditional on it
  created_at: string;
  updated_at: string;
}

export interface DownloadsTable {
  id: string;
  project_id: string;
  token_hash: string; // SHA-256 of the URL's token; the token itself is never stored
  content_type: string;
  size: number;
  data_enc: string; // the bytes, base64, encrypted (ENCRYPTED_FIELDS.download)
  expires_at: string;
  created_at: string;
}

/** An operator console sign-in (migration 013); project_id/api_key_id null = the operator token. */
export interface ConsoleSessionsTable {
  id: string;
  token_hash: string; // SHA-256 of the cookie's token; the token itself is never stored
  project_id: string | null;
  api_key_id: string | null;
  operator_tag: string | null; // operator sessions: a digest naming the AUTHLINK_CONSOLE_TOKEN they signed in with
  created_at: string;
  last_seen_at: string; // idle expiry counts from here
  expires_at: string; // absolute expiry
}

export interface DB {
  projects: ProjectsTable;
  api_keys: ApiKeysTable;
  auth_configs: AuthConfigsTable;
  connected_accounts: ConnectedAccountsTable;
  link_sessions: LinkSessionsTable;
  callback_verifications: CallbackVerificationsTable;
  audit_log: AuditLogTable;
  tool_router_sessions: ToolRouterSessionsTable;
  downloads: DownloadsTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_events: WebhookEventsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  console_sessions: ConsoleSessionsTable;
}
