// Applying a completed reconnect (issue #15): the account keeps its id, alias,
// ACL and user; its credential, scopes, expiry and provider identity are
// replaced, it becomes ACTIVE, and `connected_account.active` plus
// `connected_account.reconnected` announce it in the same transaction. Until
// then nothing about the account changes, so an abandoned or refused
// reconnect loses nothing.
import type { KeyRing } from '../crypto/keyring.ts';
import type { Store } from '../store/store.ts';
import type { AccountPatch, AccountRow } from '../store/accounts.ts';
import { ENCRYPTED_FIELDS, type RowIdentity } from '../crypto/fields.ts';
import { sealAccountCredentials, type Credentials } from './account-view.ts';
import { changeWithEvents } from './transitions.ts';

/** What a completed connection brings besides the credential. */
export type ConnectionExtra = Pick<AccountPatch, 'granted_scopes' | 'token_expires_at' | 'data' | 'provider_subject'>;

/** A reconnect staged until the app confirms its user (callback identity verification). */
export interface PendingReconnect {
  creds: Credentials;
  extra: ConnectionExtra;
  previous_status: string;
}

const pendingAad = ENCRYPTED_FIELDS.pendingReconnect.aad;

export function sealPending(keyRing: KeyRing, verification: RowIdentity, pending: PendingReconnect): string {
  return keyRing.encrypt(JSON.stringify(pending), pendingAad(verification));
}

export function openPending(keyRing: KeyRing, verification: RowIdentity & { pending_enc?: string | null }): PendingReconnect | undefined {
  return verification.pending_enc ? (JSON.parse(keyRing.decrypt(verification.pending_enc, pendingAad(verification))) as PendingReconnect) : undefined;
}

/**
 * The write of a reconnect. The refresh lease is cleared with it, so a
 * refresh that outlived its lease cannot write the old grant's tokens over
 * the new credential (its conditional write fails and it revokes what it got).
 */
export function reconnectPatch(keyRing: KeyRing, account: RowIdentity, creds: Credentials, extra: ConnectionExtra, ts: string): AccountPatch {
  const patch: AccountPatch = {
    ...extra,
    ...sealAccountCredentials(keyRing, account, creds),
    status: 'ACTIVE',
    status_reason: null,
    refresh_failures: 0,
    next_refresh_at: null,
    refresh_lock_owner: null,
    refresh_lock_until: null,
    updated_at: ts,
  };
  // An identity the provider did not tell this time keeps the recorded one.
  if (patch.provider_subject === undefined || patch.provider_subject === null) delete patch.provider_subject;
  return patch;
}

export const RECONNECT_EVENTS = ['connected_account.active', 'connected_account.reconnected'] as const;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Writes the reconnect once no refresh or revocation holds the account's
 * lease (waiting up to `waitMs` for one in flight). undefined: the account
 * was deleted meanwhile; 'busy': the lease stayed held.
 */
export async function applyReconnect(
  deps: { store: Store; keyRing: KeyRing; now: () => Date },
  account: AccountRow,
  creds: Credentials,
  extra: ConnectionExtra,
  previousStatus: string,
  waitMs = 35_000,
): Promise<AccountRow | undefined | 'busy'> {
  const deadline = deps.now().getTime() + waitMs;
  for (;;) {
    const ts = deps.now().toISOString();
    const row = await changeWithEvents(
      deps.store,
      deps.now(),
      (tx) => tx.accounts.applyReconnect(account.project_id, account.id, reconnectPatch(deps.keyRing, account, creds, extra, ts), ts),
      [...RECONNECT_EVENTS],
      { reconnect: { previous_status: previousStatus } },
    );
    if (row) return row;
    if (!(await deps.store.accounts.get(account.project_id, account.id))) return undefined;
    if (deps.now().getTime() > deadline) return 'busy';
    await sleep(50);
  }
}
