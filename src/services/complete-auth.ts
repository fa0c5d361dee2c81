// POST /connected_accounts/complete_auth (issue #20 E, Composio's "OAuth
// callback verifier"): when a project verifies who connected, a completed
// connection stays INITIATED and the app's callback URL gets a single-use
// session_uri. The app's server, having authenticated its user, redeems it
// here with that user's id; the account becomes ACTIVE only if the id is the
// link's user. The session_uri is used up either way, so it cannot be tried
// again with other ids; a refusal ends the account FAILED.
import { ApiError } from '../errors.ts';
import { hashSecret } from '../crypto/tokens.ts';
import type { Store } from '../store/store.ts';
import type { AccountRow } from '../store/accounts.ts';
import { emitAccountEvent } from '../webhooks/events.ts';
import { requireUserId } from './user-ids.ts';

export interface CompleteAuthResult {
  connected_account_id: string;
  toolkit_slug: string;
}

export function createCompleteAuthService(deps: { store: Store; now: () => Date }) {
  return {
    async complete(projectId: string, input: { session_uri: string; user_id: string }): Promise<CompleteAuthResult> {
      // User ids are compared as everywhere else (src/services/user-ids.ts).
      const userId = requireUserId(input.user_id);
      const now = deps.now();
      const ts = now.toISOString();
      const outcome = await deps.store.transaction(async (tx): Promise<{ row: AccountRow; matched: boolean } | undefined> => {
        const session = await tx.verifications.redeem(projectId, hashSecret(input.session_uri), ts);
        if (!session) return undefined;
        const account = await tx.accounts.get(projectId, session.connected_account_id);
        if (account?.status !== 'INITIATED') return undefined;
        const matched = account.user_id === userId;
        const row = await tx.accounts.update(
          projectId,
          account.id,
          matched
            ? { status: 'ACTIVE', status_reason: null, updated_at: ts }
            : {
                status: 'FAILED',
                status_reason: "The user who completed the connection is not the link's user",
                credentials_enc: null,
                updated_at: ts,
              },
          ['INITIATED'],
        );
        if (!row) return undefined;
        if (matched) await emitAccountEvent(tx, row, 'connected_account.active', now);
        else await emitAccountEvent(tx, row, 'connected_account.failed', now, { error: 'user_mismatch' });
        return { row, matched };
      });
      if (!outcome) {
        throw new ApiError('AuthSessionNotFound', 'No pending connection for this session_uri: it is unknown, expired or already used', {
          suggestedFix: 'Create a new link (POST /api/v3.1/connected_accounts/link) and have the user connect again',
        });
      }
      if (!outcome.matched) {
        throw new ApiError('AuthSessionUserMismatch', 'user_id is not the user this connection was made for; the connection was refused and is now FAILED', {
          errors: ["user_id: does not match the link's user_id"],
        });
      }
      return { connected_account_id: outcome.row.id, toolkit_slug: outcome.row.toolkit_slug };
    },
  };
}

export type CompleteAuthService = ReturnType<typeof createCompleteAuthService>;
