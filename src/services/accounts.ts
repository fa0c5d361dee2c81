// Connected accounts after creation: read (secrets masked unless the project
// allows reveal, which is audited), list, update, enable/disable, delete,
// refresh and revoke at the provider.
import { ApiError } from '../errors.ts';
import { changeWithEvents } from './transitions.ts';
import { newId } from '../crypto/tokens.ts';
import type { KeyRing } from '../crypto/keyring.ts';
import type { Store } from '../store/store.ts';
import type { AccountPatch, AccountQuery, AccountRow, ListedAccountRow } from '../store/accounts.ts';
import { isUniqueViolation } from '../store/accounts.ts';
import { CursorError } from '../store/cursor.ts';
import type { AuthConfigRow } from '../store/auth-configs.ts';
import type { AuthConfigService } from './auth-configs.ts';
import { type Acl, normalizeAcl, normalizeUserIds } from './user-ids.ts';
import { aliasTaken, splitFields } from './account-fields.ts';
import { maskedCredentials, openCredentials, sealAccountCredentials, storedView } from './account-view.ts';
import type { Refresher } from './refresh.ts';
import { oauthClientFor, oauthProviderFor } from './oauth-provider.ts';
import { revokeToken } from '../oauth/revoke.ts';
import { OAuthClientError } from '../oauth/errors.ts';
import { usesAccessToken } from '../toolkits/modes.ts';
import type { AuthMode } from '../toolkits/types.ts';

export const ACCOUNT_STATUSES = ['INITIALIZING', 'INITIATED', 'ACTIVE', 'FAILED', 'EXPIRED', 'INACTIVE', 'REVOKED'] as const;
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

export interface Requester {
  projectId: string;
  apiKeyId: string;
  requestId: string;
}

// Token-set fields that are not secret: shown as is.

export function createAccountService(deps: {
  store: Store;
  keyRing: KeyRing;
  authConfigs: AuthConfigService;
  refresher: Refresher;
  allowInsecureOAuth: boolean;
  fetch: typeof fetch;
  now: () => Date;
}) {
  const { store, keyRing } = deps;

  async function getRow(projectId: string, id: string): Promise<AccountRow> {
    const row = await store.accounts.get(projectId, id);
    if (!row)
      throw new ApiError('ConnectedAccountNotFound', `Connected account ${id} not found`, {
        suggestedFix: 'List accounts with GET /api/v3.1/connected_accounts',
      });
    return row;
  }

  /** Secret fields of the scheme plus every token-set secret are masked unless `reveal`. */
  function stateVal(row: ListedAccountRow, authRow: AuthConfigRow | undefined, reveal: boolean): Record<string, unknown> {
    const val: Record<string, unknown> = { ...JSON.parse(row.data), status: row.status };
    if (!row.credentials_enc) return val;
    // The stored masked view spares a decrypt per row; a reveal, or a row without a current view, decrypts.
    const shown = (!reveal && storedView(row)) || (reveal ? openCredentials(keyRing, row) : maskedCredentials(openCredentials(keyRing, row)));
    Object.assign(val, shown);
    if (authRow && usesAccessToken(authRow.auth_scheme as AuthMode) && row.granted_scopes) val.scope = JSON.parse(row.granted_scopes);
    return val;
  }

  function view(row: ListedAccountRow, authRow: AuthConfigRow | undefined, reveal = false) {
    const val = stateVal(row, authRow, reveal);
    const acl = row.acl ? (JSON.parse(row.acl) as Acl) : undefined;
    return {
      id: row.id,
      alias: row.alias,
      word_id: row.word_id,
      user_id: row.user_id,
      status: row.status as AccountStatus,
      status_reason: row.status_reason,
      is_disabled: row.is_disabled === 1,
      created_at: row.created_at,
      updated_at: row.updated_at,
      toolkit: { slug: row.toolkit_slug },
      auth_config: {
        id: row.auth_config_id,
        auth_scheme: authRow?.auth_scheme ?? 'OAUTH2',
        is_composio_managed: authRow?.is_composio_managed === 1,
        is_disabled: authRow?.status !== 'ENABLED',
      },
      state: { authScheme: authRow?.auth_scheme ?? 'OAUTH2', val },
      data: val,
      params: {},
      test_request_endpoint: '',
      experimental: { account_type: row.account_type as 'PRIVATE' | 'SHARED', ...(acl ? { acl_config_for_shared: acl } : {}) },
    };
  }

  async function authRowsFor(projectId: string, rows: ListedAccountRow[]): Promise<Map<string, AuthConfigRow>> {
    const ids = [...new Set(rows.map((r) => r.auth_config_id))];
    const found = await Promise.all(ids.map((id) => store.authConfigs.getAny(projectId, id)));
    return new Map(found.filter((r): r is AuthConfigRow => !!r).map((r) => [r.id, r]));
  }

  /** The account's OAuth settings when its provider can revoke tokens; a 400 otherwise (checked before anything is written). */
  async function revocable(row: AccountRow) {
    const authRow = await store.authConfigs.getAny(row.project_id, row.auth_config_id);
    const resolved = authRow && deps.authConfigs.resolveRow(authRow);
    if (!resolved?.scheme.oauth2?.revocation_url) {
      throw new ApiError('RevocationUnsupported', `Toolkit ${row.toolkit_slug} has no revocation endpoint`, {
        suggestedFix: "Delete the account instead, and revoke access in the provider's settings",
      });
    }
    return resolved;
  }

  /** Revokes at the provider; returns which token was sent (none when the account holds no token). */
  async function revokeAtProvider(row: AccountRow): Promise<'refresh_token' | 'access_token' | undefined> {
    const resolved = await revocable(row);
    const creds = openCredentials(keyRing, row);
    const token = (creds.refresh_token ?? creds.access_token) as string | undefined;
    if (!token) return undefined;
    const hint = creds.refresh_token ? ('refresh_token' as const) : ('access_token' as const);
    try {
      await revokeToken({
        provider: oauthProviderFor(resolved, JSON.parse(row.data)),
        client: oauthClientFor(resolved),
        token,
        tokenTypeHint: hint,
        fetch: deps.fetch,
        allowInsecure: deps.allowInsecureOAuth,
      });
    } catch (e) {
      if (e instanceof OAuthClientError)
        throw new ApiError('ProviderError', `The provider refused the revocation: ${e.message}`, { suggestedFix: 'Retry later' });
      throw e;
    }
    return hint;
  }

  return {
    getRow,
    view,

    async get(req: Requester, id: string) {
      let row = await getRow(req.projectId, id);
      const project = await store.projects.get(req.projectId);
      const reveal = project?.settings.allow_credential_reveal === true && row.credentials_enc !== null;
      if (reveal) {
        // A revealed token must be usable: refresh first when it is about to expire.
        if (row.status === 'ACTIVE' && deps.refresher.needsRefresh(row)) row = await deps.refresher.refresh(req.projectId, id);
        await store.audit.insert({
          id: newId('aud'),
          project_id: req.projectId,
          api_key_id: req.apiKeyId,
          action: 'connected_account.reveal',
          target_id: id,
          request_id: req.requestId,
          created_at: deps.now().toISOString(),
          details: null,
        });
      }
      return view(row, await store.authConfigs.getAny(req.projectId, row.auth_config_id), reveal);
    },

    async list(q: AccountQuery) {
      if (q.userIds) {
        const problems: string[] = [];
        q = { ...q, userIds: normalizeUserIds(q.userIds, 'user_ids', problems) };
        if (problems.length) throw new ApiError('ValidationFailed', 'Invalid user_ids filter', { errors: problems });
      }
      try {
        const page = await store.accounts.list(q);
        const auth = await authRowsFor(q.projectId, page.items);
        return { ...page, items: page.items.map((r) => view(r, auth.get(r.auth_config_id))) };
      } catch (e) {
        if (e instanceof CursorError) throw new ApiError('ValidationFailed', 'Invalid cursor', { errors: ['cursor: not a cursor this API returned'] });
        throw e;
      }
    },

    async update(projectId: string, id: string, patch: { alias?: string; state?: { authScheme: string; val: Record<string, unknown> }; acl?: Partial<Acl> }) {
      const aclPatch = patch.acl && normalizeAcl(patch.acl, 'experimental.acl_config_for_shared');
      // An ACL change is merged into the ACL it was computed from and written only if that is still the stored one;
      // a concurrent PATCH makes this one re-read and merge again, so neither drops the other's entries.
      for (let attempt = 0; ; attempt++) {
        const row = await getRow(projectId, id);
        const set: AccountPatch = { updated_at: deps.now().toISOString() };
        if (patch.alias !== undefined) set.alias = patch.alias.trim() || null;
        if (aclPatch) {
          if (row.account_type !== 'SHARED')
            // Composio's wording: @composio/core maps "acl_config_for_shared is only valid on SHARED" to ComposioAclOnlyForSharedError.
            throw new ApiError('ValidationFailed', `experimental.acl_config_for_shared is only valid on SHARED connected accounts; ${id} is PRIVATE`, {
              errors: ['experimental.acl_config_for_shared: the account is PRIVATE'],
            });
          const current = JSON.parse(row.acl ?? '{}') as Partial<Acl>;
          set.acl = JSON.stringify({ allow_all_users: false, allowed_user_ids: [], not_allowed_user_ids: [], ...current, ...aclPatch });
        }
        if (patch.state) {
          const authRow = await store.authConfigs.getAny(projectId, row.auth_config_id);
          const resolved = authRow && deps.authConfigs.resolveRow(authRow);
          // Tokens come from a provider (a sign-in or a grant), never from a PATCH.
          if (!resolved || usesAccessToken(resolved.scheme.mode) || resolved.scheme.mode === 'OAUTH1')
            throw new ApiError('ValidationFailed', `${resolved?.scheme.mode ?? 'OAuth'} credentials cannot be replaced; create a new link instead`, {
              errors: [`connection.state: not allowed for ${resolved?.scheme.mode ?? 'OAUTH2'} accounts`],
            });
          if (patch.state.authScheme !== resolved.scheme.mode)
            throw new ApiError('ValidationFailed', `connection.state.authScheme must be ${resolved.scheme.mode}`, {
              errors: [`connection.state.authScheme: must be ${resolved.scheme.mode}`],
            });
          const { creds, data } = splitFields(resolved.scheme.fields.connected_account_initiation, patch.state.val, 'connection.state.val');
          Object.assign(set, sealAccountCredentials(keyRing, row, { ...openCredentials(keyRing, row), ...creds }));
          set.data = JSON.stringify({ ...JSON.parse(row.data), ...data });
        }
        try {
          const updated = await store.accounts.update(projectId, id, set, undefined, aclPatch ? row.acl : undefined);
          if (updated || !aclPatch) return updated;
        } catch (e) {
          if (isUniqueViolation(e) && set.alias) throw aliasTaken(set.alias);
          throw e;
        }
        if (attempt >= 9)
          throw new ApiError('ConcurrentUpdate', `The ACL of connected account ${id} kept changing concurrently`, { suggestedFix: 'Retry the request' });
      }
    },

    async setEnabled(projectId: string, id: string, enabled: boolean) {
      await getRow(projectId, id);
      return changeWithEvents(
        store,
        deps.now(),
        (tx) => tx.accounts.update(projectId, id, { is_disabled: enabled ? 0 : 1, updated_at: deps.now().toISOString() }),
        [enabled ? 'connected_account.enabled' : 'connected_account.disabled'],
      );
    },

    /** Soft delete; credentials are dropped at once. With revoke, the provider is told first. */
    async remove(projectId: string, id: string, revoke: boolean) {
      const row = await getRow(projectId, id);
      // Revoke what is stored once no refresh is in flight (a refresh racing the delete would otherwise leave fresh tokens valid at the provider).
      if (revoke && row.status === 'ACTIVE') {
        await revocable(row);
        await deps.refresher.exclusive(projectId, id, revokeAtProvider);
      }
      const ts = deps.now().toISOString();
      await changeWithEvents(
        store,
        deps.now(),
        (tx) => tx.accounts.update(projectId, id, { deleted_at: ts, updated_at: ts, credentials_enc: null, credentials_view: null }),
        ['connected_account.deleted'],
      );
    },

    async revoke(projectId: string, id: string) {
      const row = await getRow(projectId, id);
      // Idempotent, as Composio's: revoking a REVOKED account revokes nothing more and says so.
      if (row.status === 'REVOKED') return { row, revokedTokens: [] };
      if (row.status !== 'ACTIVE') throw new ApiError('ConnectedAccountNotActive', `Connected account ${id} is ${row.status}, not ACTIVE`);
      await revocable(row);
      // Under the refresh lease: the tokens revoked are the newest, and no refresh can store new ones before REVOKED is written.
      const { sent, updated } = await deps.refresher.exclusive(projectId, id, async (leased) => {
        const sent = await revokeAtProvider(leased);
        const updated = await changeWithEvents(
          store,
          deps.now(),
          (tx) =>
            tx.accounts.update(
              projectId,
              id,
              {
                status: 'REVOKED',
                status_reason: 'Revoked at the provider through the API',
                credentials_enc: null,
                credentials_view: null,
                updated_at: deps.now().toISOString(),
              },
              ['ACTIVE'],
            ),
          ['connected_account.revoked'],
        );
        return { sent, updated };
      });
      return { row: updated ?? (await getRow(projectId, id)), revokedTokens: sent ? [sent] : [] };
    },

    async refresh(projectId: string, id: string) {
      const row = await getRow(projectId, id);
      if (!row.token_expires_at && !(await deps.refresher.canRefresh(row))) return row; // nothing to refresh (API keys...)
      return deps.refresher.refresh(projectId, id, { force: true });
    },
  };
}

export type AccountService = ReturnType<typeof createAccountService>;
