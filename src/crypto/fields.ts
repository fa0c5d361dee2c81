// Every encrypted column, with the additional authenticated data that binds a
// ciphertext to its row and field. Services encrypt through these; rotation
// and status walk the same list, so a new encrypted column is added once here.
export interface RowIdentity {
  project_id: string;
  id: string;
}

export const ENCRYPTED_FIELDS = {
  authConfigSecrets: { table: 'auth_configs', column: 'secrets_enc', aad: (r: RowIdentity) => `auth_config:${r.project_id}:${r.id}:secrets` },
  authConfigProxyKey: {
    table: 'auth_configs',
    column: 'proxy_auth_key_enc',
    aad: (r: RowIdentity) => `auth_config:${r.project_id}:${r.id}:proxy_auth_key`,
  },
  accountCredentials: {
    table: 'connected_accounts',
    column: 'credentials_enc',
    aad: (r: RowIdentity) => `connected_account:${r.project_id}:${r.id}:credentials`,
    // Its masked view names the IV of the ciphertext it was made from (services/account-view.ts): rotation carries it over.
    view: 'credentials_view',
  },
  pkceVerifier: { table: 'link_sessions', column: 'pkce_verifier_enc', aad: (r: RowIdentity) => `link_session:${r.project_id}:${r.id}:pkce_verifier` },
  oauth1Temporary: {
    table: 'link_sessions',
    column: 'oauth1_temporary_enc',
    aad: (r: RowIdentity) => `link_session:${r.project_id}:${r.id}:oauth1_temporary`,
  },
  // A reconnect's new credential while the app has not yet confirmed its user (complete_auth).
  pendingReconnect: {
    table: 'callback_verifications',
    column: 'pending_enc',
    aad: (r: RowIdentity) => `callback_verification:${r.project_id}:${r.id}:pending`,
  },
  webhookSecret: { table: 'webhook_endpoints', column: 'secret_enc', aad: (r: RowIdentity) => `webhook_endpoint:${r.project_id}:${r.id}:secret` },
  webhookPreviousSecret: {
    table: 'webhook_endpoints',
    column: 'previous_secret_enc',
    aad: (r: RowIdentity) => `webhook_endpoint:${r.project_id}:${r.id}:previous_secret`,
  },
  download: { table: 'downloads', column: 'data_enc', aad: (r: RowIdentity) => `download:${r.project_id}:${r.id}:data` },
} as const;

export type EncryptedField = (typeof ENCRYPTED_FIELDS)[keyof typeof ENCRYPTED_FIELDS] & { view?: string };

/** The IV of a `v1:<key id>:<iv>:<ciphertext+tag>` envelope: unique to that one encryption. */
export const ivOf = (envelope: string): string => envelope.split(':', 3)[2];
