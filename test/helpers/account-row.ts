// Complete rows for store-level tests: a connected account (ACTIVE, PRIVATE,
// no credentials, a random id) and an auth config (ENABLED, API_KEY, no
// secrets); `over` sets anything else.
import type { AccountRow } from '../../src/store/accounts.ts';
import type { AuthConfigRow } from '../../src/store/auth-configs.ts';

export function authConfigRow(projectId: string, over: Partial<AuthConfigRow> & Pick<AuthConfigRow, 'id'>): AuthConfigRow {
  const ts = over.created_at ?? new Date().toISOString();
  return {
    project_id: projectId,
    toolkit_slug: 'echoapi',
    name: over.id,
    auth_scheme: 'API_KEY',
    is_composio_managed: 0,
    status: 'ENABLED',
    settings: '{}',
    secrets_enc: null,
    created_at: ts,
    updated_at: ts,
    deleted_at: null,
    ...over,
  };
}

export function accountRow(projectId: string, authConfigId: string, over: Partial<AccountRow>): AccountRow {
  const ts = over.created_at ?? new Date().toISOString();
  return {
    id: `ca_${Math.random().toString(36).slice(2, 14)}`,
    project_id: projectId,
    auth_config_id: authConfigId,
    toolkit_slug: 'github',
    user_id: 'u1',
    alias: null,
    word_id: 'github_red-castle',
    account_type: 'PRIVATE',
    acl: null,
    status: 'ACTIVE',
    status_reason: null,
    is_disabled: 0,
    data: '{}',
    credentials_enc: null,
    credentials_view: null,
    requested_scopes: null,
    granted_scopes: null,
    token_expires_at: null,
    refresh_lock_owner: null,
    refresh_lock_until: null,
    refresh_failures: 0,
    next_refresh_at: null,
    last_used_at: null,
    created_at: ts,
    updated_at: ts,
    deleted_at: null,
    ...over,
  };
}
