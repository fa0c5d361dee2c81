// OAuth2 token refresh with single flight: concurrent callers in this process
// share one promise; across processes a lease on the account row (owner +
// timeout, a conditional UPDATE that works on SQLite and PostgreSQL) lets one
// process call the provider while the others wait and then read its result.
import { ApiError } from '../errors.ts';
import { changeWithEvents } from './transitions.ts';
import { newId } from '../crypto/tokens.ts';
import type { KeyRing } from '../crypto/keyring.ts';
import type { Store } from '../store/store.ts';
import type { AccountPatch, AccountRow } from '../store/accounts.ts';
import type { AuthConfigService } from './auth-configs.ts';
import { openCredentials, sealAccountCredentials } from './account-view.ts';
import { oauthClientFor, oauthProviderFor } from './oauth-provider.ts';
import { refreshTokens } from '../oauth/refresh.ts';
import { isServerGrant, serverGrantTokens } from './server-grant.ts';
import { revokeToken } from '../oauth/revoke.ts';
import type { OAuthClient, OAuthProvider } from '../oauth/types.ts';
import { isInvalidGrant, OAuthClientError } from '../oauth/errors.ts';
import type { Metrics } from '../metrics/types.ts';

export interface RefreshOptions {
  skewSeconds: number; // refresh when the token expires within this many seconds
  leaseMs: number; // how long one process may hold the refresh lease
  waitMs: number; // how long a caller waits for another process's refresh
}

export const INVALID_GRANT_REASON = 'The provider rejected the refresh token (invalid_grant): the user must connect again';
/** The same for a server grant: what the provider refused is the app's credentials or the account's key. */
export const INVALID_GRANT_SERVER_REASON =
  "The provider refused the app's credentials or the account's key (invalid_grant): fix them, then connect the account again";

/** Backoff after the n-th consecutive transient failure: 5 s, 10 s, 20 s ... capped at 10 min. */
export function backoffMs(failures: number): number {
  return Math.min(5000 * 2 ** Math.max(0, failures - 1), 10 * 60 * 1000);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createRefresher(deps: {
  store: Store;
  keyRing: KeyRing;
  authConfigs: AuthConfigService;
  allowInsecureOAuth: boolean;
  fetch: typeof fetch;
  now: () => Date;
  options: RefreshOptions;
  metrics?: Metrics;
}) {
  const { store, keyRing, options } = deps;
  const owner = newId('proc');
  const inflight = new Map<string, Promise<AccountRow>>();

  function needsRefresh(row: AccountRow): boolean {
    if (!row.token_expires_at) return false;
    const expiresAt = Date.parse(row.token_expires_at);
    // A provider with very short-lived tokens must not make every use a refresh:
    // the margin is at most half of the lifetime the token was written with.
    const lifetime = expiresAt - Date.parse(row.updated_at);
    const skewMs = Math.min(options.skewSeconds * 1000, Math.max(0, lifetime / 2));
    return expiresAt - deps.now().getTime() <= skewMs;
  }

  function expired(row: AccountRow): boolean {
    return !!row.token_expires_at && Date.parse(row.token_expires_at) <= deps.now().getTime();
  }

  async function callProvider(row: AccountRow): Promise<AccountRow> {
    const authRow = await store.authConfigs.get(row.project_id, row.auth_config_id);
    const creds = openCredentials(keyRing, row);
    const release = () => store.accounts.releaseRefreshLease(row.project_id, row.id, owner);
    const resolved = authRow ? deps.authConfigs.resolveRow(authRow) : undefined;
    const serverGrant = isServerGrant(resolved);
    if (!resolved || (!serverGrant && typeof creds.refresh_token !== 'string')) {
      await release();
      throw new ApiError('ConnectedAccountNotActive', `Connected account ${row.id} cannot be refreshed: it has no refresh token`, {
        suggestedFix: 'Ask the user to connect again with a new link',
      });
    }
    const data = JSON.parse(row.data);
    // A service account scheme has no oauth2 settings (and nothing to revoke at an OAuth2 endpoint).
    const provider = resolved.scheme.oauth2 ? oauthProviderFor(resolved, data) : undefined;
    const client = oauthClientFor(resolved);
    const ts = deps.now().toISOString();
    const transport = { fetch: deps.fetch, allowInsecure: deps.allowInsecureOAuth, now: deps.now };
    try {
      // A server-grant account has no refresh token: the app's credentials or the account's key get a new token.
      const tokens = serverGrant
        ? await serverGrantTokens(resolved, data, creds, transport)
        : await refreshTokens({
            provider: provider!,
            client,
            refreshToken: creds.refresh_token as string,
            ...transport,
            scopesIfMissing: row.granted_scopes ? JSON.parse(row.granted_scopes) : resolved.scopes,
          });
      deps.metrics?.refresh(row.toolkit_slug, 'success');
      // A rotated refresh token replaces the old one in the same write.
      const next = { ...creds, ...tokens, refresh_token: tokens.refresh_token ?? creds.refresh_token };
      const patch: AccountPatch = {
        ...sealAccountCredentials(keyRing, row, next),
        token_expires_at: tokens.expires_at ?? null,
        granted_scopes: JSON.stringify(tokens.scope),
        refresh_failures: 0,
        next_refresh_at: null,
        status_reason: null,
        updated_at: ts,
      };
      const done = await changeWithEvents(store, deps.now(), (tx) => tx.accounts.finishRefresh(row.project_id, row.id, owner, patch), [
        'connected_account.refreshed',
      ]);
      if (!done) {
        // The account was deleted, revoked or expired meanwhile (or another
        // process took over the lease): what the provider just issued is stored
        // nowhere, so it must not stay valid there.
        await release();
        if (provider) await revokeIssued(provider, client, tokens, creds.refresh_token as string | undefined);
        const now = await store.accounts.get(row.project_id, row.id);
        if (!now) throw new ApiError('ConnectedAccountNotFound', `Connected account ${row.id} was deleted while it was being refreshed`);
        if (now.status !== 'ACTIVE')
          throw new ApiError('ConnectedAccountNotActive', `Connected account ${row.id} became ${now.status} while it was being refreshed`);
        return now;
      }
      return done;
    } catch (e) {
      if (e instanceof ApiError) throw e;
      deps.metrics?.refresh(row.toolkit_slug, isInvalidGrant(e) ? 'invalid_grant' : 'transient_error');
      if (isInvalidGrant(e)) {
        const reason = serverGrant ? INVALID_GRANT_SERVER_REASON : INVALID_GRANT_REASON;
        const expiredRow = await changeWithEvents(
          store,
          deps.now(),
          (tx) => tx.accounts.finishRefresh(row.project_id, row.id, owner, { status: 'EXPIRED', status_reason: reason, updated_at: ts }),
          ['connected_account.refresh_failed', 'connected_account.expired'],
          { refresh: { permanent: true, error: 'invalid_grant' } },
        );
        if (!expiredRow) await release(); // deleted or revoked meanwhile: nothing to mark
        throw new ApiError('ConnectedAccountNotActive', `Connected account ${row.id} expired: ${reason}`, {
          suggestedFix: 'Create a new link for this user',
        });
      }
      // Transient (network, 5xx, 429) or an unexpected answer: stay ACTIVE, back off, retry later.
      const failures = row.refresh_failures + 1;
      const retryAt = new Date(deps.now().getTime() + backoffMs(failures)).toISOString();
      const after = await changeWithEvents(
        store,
        deps.now(),
        (tx) => tx.accounts.finishRefresh(row.project_id, row.id, owner, { refresh_failures: failures, next_refresh_at: retryAt }),
        ['connected_account.refresh_failed'],
        { refresh: { permanent: false, error: e instanceof OAuthClientError ? (e.oauthError ?? e.kind) : 'internal', failures, next_attempt_at: retryAt } },
      );
      if (!after) await release();
      if (after && !expired(after)) return after; // the current token still works
      const why = e instanceof OAuthClientError ? e.message : 'internal error';
      throw new ApiError('ProviderError', `Could not refresh the token of ${row.id}: ${why}`, { suggestedFix: 'Retry later; authlink retries with backoff' });
    }
  }

  /**
   * Revokes tokens a lost refresh obtained (RFC 7009), best effort: a new
   * refresh token if the provider rotated it (revoking it ends its access
   * tokens too), else the new access token. An unrotated refresh token is the
   * account's own and is left alone.
   */
  async function revokeIssued(
    provider: OAuthProvider,
    client: OAuthClient,
    tokens: { access_token: string; refresh_token?: string },
    previousRefresh: string | undefined,
  ): Promise<void> {
    if (!provider.revocationUrl) return;
    const rotated = tokens.refresh_token !== undefined && tokens.refresh_token !== previousRefresh;
    const token = rotated ? tokens.refresh_token! : tokens.access_token;
    await revokeToken({
      provider,
      client,
      token,
      tokenTypeHint: rotated ? 'refresh_token' : 'access_token',
      fetch: deps.fetch,
      allowInsecure: deps.allowInsecureOAuth,
    }).catch(
      () => undefined, // the provider is unreachable or refuses: nothing more can be done here
    );
  }

  async function run(projectId: string, id: string, force: boolean): Promise<AccountRow> {
    const deadline = deps.now().getTime() + options.waitMs;
    let waited = false;
    for (;;) {
      const row = await store.accounts.get(projectId, id);
      if (!row) throw new ApiError('ConnectedAccountNotFound', `Connected account ${id} not found`);
      if (row.status !== 'ACTIVE')
        throw new ApiError('ConnectedAccountNotActive', `Connected account ${id} is ${row.status}${row.status_reason ? `: ${row.status_reason}` : ''}`);
      // After waiting for another refresher, its result counts as our refresh.
      if ((!force || waited) && !needsRefresh(row) && !(waited && row.refresh_lock_owner)) return row;
      const nowIso = deps.now().toISOString();
      const leased = await store.accounts.acquireRefreshLease(projectId, id, owner, nowIso, new Date(deps.now().getTime() + options.leaseMs).toISOString());
      if (leased) {
        if ((!force || waited) && !needsRefresh(leased)) {
          await store.accounts.releaseRefreshLease(projectId, id, owner);
          return leased;
        }
        return callProvider(leased);
      }
      if (deps.now().getTime() > deadline)
        throw new ApiError('ProviderError', `Timed out waiting for another process to refresh ${id}`, { suggestedFix: 'Retry the request' });
      waited = true;
      await sleep(50);
    }
  }

  /**
   * Runs fn while holding the account's refresh lease (waiting for a refresh
   * in flight, here or in another process, to finish first), so fn sees the
   * newest tokens and no refresh can write new ones behind its back. For
   * revocation: what is revoked is what is stored.
   */
  async function exclusive<T>(projectId: string, id: string, fn: (row: AccountRow) => Promise<T>): Promise<T> {
    const deadline = deps.now().getTime() + options.waitMs;
    for (;;) {
      const leased = await store.accounts.acquireRefreshLease(
        projectId,
        id,
        owner,
        deps.now().toISOString(),
        new Date(deps.now().getTime() + options.leaseMs).toISOString(),
      );
      if (leased) {
        try {
          return await fn(leased);
        } finally {
          await store.accounts.releaseRefreshLease(projectId, id, owner);
        }
      }
      const row = await store.accounts.get(projectId, id);
      if (!row) throw new ApiError('ConnectedAccountNotFound', `Connected account ${id} not found`);
      if (row.status !== 'ACTIVE') throw new ApiError('ConnectedAccountNotActive', `Connected account ${id} is ${row.status}, not ACTIVE`);
      if (deps.now().getTime() > deadline)
        throw new ApiError('ProviderError', `Timed out waiting for a refresh of ${id} to finish`, { suggestedFix: 'Retry the request' });
      await sleep(50);
    }
  }

  return {
    owner,
    needsRefresh,
    exclusive,
    /**
     * Whether the provider can give this account a new token: it holds a
     * refresh token, or its auth config is a server grant (the app's
     * credentials or the account's key get one). What callProvider requires.
     */
    async canRefresh(row: AccountRow): Promise<boolean> {
      if (typeof openCredentials(keyRing, row).refresh_token === 'string') return true;
      const authRow = await store.authConfigs.get(row.project_id, row.auth_config_id);
      return authRow !== undefined && isServerGrant(deps.authConfigs.resolveRow(authRow));
    },
    /** The account with a usable token: refreshed first when expired or about to expire (or when forced). */
    refresh(projectId: string, id: string, opts: { force?: boolean } = {}): Promise<AccountRow> {
      const key = `${projectId}:${id}:${opts.force ? 'f' : ''}`;
      const existing = inflight.get(key);
      if (existing) return existing;
      const p = run(projectId, id, !!opts.force).finally(() => inflight.delete(key));
      inflight.set(key, p);
      return p;
    },
  };
}

export type Refresher = ReturnType<typeof createRefresher>;
