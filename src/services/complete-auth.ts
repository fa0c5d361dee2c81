// POST /connected_accounts/complete_auth (issue #20 E, Composio's "OAuth
// callback verifier"): when a project verifies who connected, a completed
// connection stays INITIATED and the app's callback URL gets a single-use
// session_uri. The app's server, having authenticated its user, redeems it
// here with that user's id; the account becomes ACTIVE only if the id is the
// link's user. The session_uri is used up either way, so it cannot be tried
// again with other ids; a refusal ends the account FAILED.
//
// A reconnect (issue #15) waits the same way, but its account was never
// touched: the new credential is staged, encrypted, with the verification.
// A match applies it (as a completed reconnect does, reconnect.ts); a refusal
// drops it and leaves the account as it was.
import { ApiError } from '../errors.ts';
import { hashSecret } from '../crypto/tokens.ts';
import type { KeyRing } from '../crypto/keyring.ts';
import type { Store } from '../store/store.ts';
import type { AccountRow } from '../store/accounts.ts';
import { emitAccountEvent } from '../webhooks/events.ts';
import { requireUserId } from './user-ids.ts';
import { openPending, RECONNECT_EVENTS, reconnectPatch } from './reconnect.ts';

export interface CompleteAuthResult {
  connected_account_id: string;
  toolkit_slug: string;
}

/** Thrown inside the transaction to undo the redemption: a refresh or revocation holds the account; the app may retry. */
class AccountBusy extends Error {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createCompleteAuthService(deps: { store: Store; keyRing: KeyRing; now: () => Date; busyWaitMs?: number }) {
  async function attempt(projectId: string, sessionUri: string, userId: string) {
    const now = deps.now();
    const ts = now.toISOString();
    return deps.store.transaction(async (tx): Promise<{ row: AccountRow; matched: boolean; reconnect: boolean } | undefined> => {
      const session = await tx.verifications.redeem(projectId, hashSecret(sessionUri), ts);
      if (!session) return undefined;
      const account = await tx.accounts.get(projectId, session.connected_account_id);
      if (!account) return undefined;
      const matched = account.user_id === userId;
      const pending = openPending(deps.keyRing, session);
      if (pending) {
        await tx.verifications.dropPending(session.id);
        if (!matched) return { row: account, matched, reconnect: true };
        const row = await tx.accounts.applyReconnect(projectId, account.id, reconnectPatch(deps.keyRing, account, pending.creds, pending.extra, ts), ts);
        if (!row) throw new AccountBusy();
        for (const type of RECONNECT_EVENTS) await emitAccountEvent(tx, row, type, now, { reconnect: { previous_status: pending.previous_status } });
        return { row, matched, reconnect: true };
      }
      if (account.status !== 'INITIATED') return undefined;
      const row = await tx.accounts.update(
        projectId,
        account.id,
        matched
          ? { status: 'ACTIVE', status_reason: null, updated_at: ts }
          : {
              status: 'FAILED',
              status_reason: "The user who completed the connection is not the link's user",
              credentials_enc: null,
              credentials_view: null,
              updated_at: ts,
            },
        ['INITIATED'],
      );
      if (!row) return undefined;
      if (matched) await emitAccountEvent(tx, row, 'connected_account.active', now);
      else await emitAccountEvent(tx, row, 'connected_account.failed', now, { error: 'user_mismatch' });
      return { row, matched, reconnect: false };
    });
  }

  return {
    async complete(projectId: string, input: { session_uri: string; user_id: string }): Promise<CompleteAuthResult> {
      // User ids are compared as everywhere else (src/services/user-ids.ts).
      const userId = requireUserId(input.user_id);
      const deadline = deps.now().getTime() + (deps.busyWaitMs ?? 10_000);
      let outcome: Awaited<ReturnType<typeof attempt>>;
      for (;;) {
        try {
          outcome = await attempt(projectId, input.session_uri, userId);
          break;
        } catch (e) {
          if (!(e instanceof AccountBusy)) throw e;
          // The redemption was rolled back: wait for the refresh or revocation in flight, then try again.
          if (deps.now().getTime() > deadline)
            throw new ApiError('ConcurrentUpdate', 'The account is busy with a token refresh or revocation; the session_uri is still valid', {
              suggestedFix: 'Retry the request',
            });
          await sleep(50);
        }
      }
      if (!outcome) {
        throw new ApiError('AuthSessionNotFound', 'No pending connection for this session_uri: it is unknown, expired or already used', {
          suggestedFix: 'Create a new link (POST /api/v3.1/connected_accounts/link) and have the user connect again',
        });
      }
      if (!outcome.matched) {
        throw new ApiError(
          'AuthSessionUserMismatch',
          outcome.reconnect
            ? 'user_id is not the user this account belongs to; the reconnect was refused and the account keeps its previous connection'
            : 'user_id is not the user this connection was made for; the connection was refused and is now FAILED',
          { errors: ["user_id: does not match the link's user_id"] },
        );
      }
      return { connected_account_id: outcome.row.id, toolkit_slug: outcome.row.toolkit_slug };
    },
  };
}

export type CompleteAuthService = ReturnType<typeof createCompleteAuthService>;
