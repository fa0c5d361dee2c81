// A complete connected_accounts row for store-level tests: ACTIVE, PRIVATE,
// no credentials, a random id; `over` sets anything else.
import type { AccountRow } from '../../src/store/accounts.ts';

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
