// What the proxy and tool-router sessions use to act for an account: a live,
// enabled, ACTIVE account of an enabled auth config, with a fresh token and
// its decrypted credentials.
import { ApiError } from '../errors.ts';
import type { KeyRing } from '../crypto/keyring.ts';
import type { Store } from '../store/store.ts';
import type { AccountRow } from '../store/accounts.ts';
import type { AuthConfigService } from './auth-configs.ts';
import type { UsableAccount } from '../proxy/types.ts';
import { openCredentials } from './account-view.ts';
import type { Refresher } from './refresh.ts';

export type { UsableAccount };

export function createCredentialSource(deps: { store: Store; keyRing: KeyRing; authConfigs: AuthConfigService; refresher: Refresher; now: () => Date }) {
  const { store } = deps;
  const lastMarked = new Map<string, number>();

  async function usable(row: AccountRow): Promise<UsableAccount> {
    const authRow = await store.authConfigs.get(row.project_id, row.auth_config_id);
    if (authRow?.status !== 'ENABLED') {
      throw new ApiError('ConnectedAccountNotActive', `The auth config of connected account ${row.id} is disabled or deleted`);
    }
    return {
      accountId: row.id,
      projectId: row.project_id,
      toolkitSlug: row.toolkit_slug,
      resolved: deps.authConfigs.resolveRow(authRow),
      credentials: openCredentials(deps.keyRing, row),
      data: JSON.parse(row.data),
    };
  }

  async function checked(projectId: string, id: string): Promise<AccountRow> {
    const row = await store.accounts.get(projectId, id);
    if (!row) throw new ApiError('ConnectedAccountNotFound', `Connected account ${id} not found`);
    return check(row);
  }

  /** A live row is usable when it is enabled and ACTIVE. */
  function check(row: AccountRow): AccountRow {
    const { id } = row;
    if (row.is_disabled)
      throw new ApiError('ConnectedAccountNotActive', `Connected account ${id} is disabled`, {
        suggestedFix: `Enable it with PATCH /api/v3.1/connected_accounts/${id}/status`,
      });
    if (row.status !== 'ACTIVE')
      throw new ApiError('ConnectedAccountNotActive', `Connected account ${id} is ${row.status}${row.status_reason ? `: ${row.status_reason}` : ''}`);
    return row;
  }

  async function fresh(row: AccountRow): Promise<UsableAccount> {
    return usable(deps.refresher.needsRefresh(row) ? await deps.refresher.refresh(row.project_id, row.id) : row);
  }

  return {
    async get(projectId: string, id: string): Promise<UsableAccount> {
      return fresh(await checked(projectId, id));
    },
    /** The same for a live row the caller has just read (a tool call chose it among the user's): no second read. */
    async usableFrom(row: AccountRow): Promise<UsableAccount> {
      return fresh(check(row));
    },
    /** After the provider was reached; at most one write a minute per account (the hot path should not write each time). */
    markUsed(projectId: string, id: string): void {
      const nowMs = deps.now().getTime();
      const last = lastMarked.get(id);
      if (last && nowMs - last < 60_000) return;
      if (lastMarked.size > 10_000) lastMarked.clear();
      lastMarked.set(id, nowMs);
      void store.accounts.update(projectId, id, { last_used_at: new Date(nowMs).toISOString() }).catch(() => undefined);
    },
    async refreshAfter401(projectId: string, id: string): Promise<UsableAccount | undefined> {
      const row = await checked(projectId, id);
      if (!(await deps.refresher.canRefresh(row))) return undefined;
      return usable(await deps.refresher.refresh(projectId, id, { force: true }));
    },
  };
}

export type CredentialSource = ReturnType<typeof createCredentialSource>;
