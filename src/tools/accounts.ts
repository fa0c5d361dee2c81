// Which connected account runs a tool called outside a session
// (POST /tools/execute/{slug}). The rules are the sessions' own
// (account-resolution.ts), not a second set:
// - connected_account_id: that account, as if the caller had pinned it: of the
//   tool's toolkit, enabled, ACTIVE, of a usable auth config; a PRIVATE one
//   only for its owner, a SHARED one only with user_id and when its ACL lets
//   that user in;
// - only user_id: the user's own PRIVATE, enabled, ACTIVE account of the
//   toolkit (the most recent); never a SHARED one implicitly.
import { ApiError } from '../errors.ts';
import { resolveAccount, resolutionApiError, type ResolutionConfig, type ResolutionError } from '../services/account-resolution.ts';
import type { AccountRow } from '../store/accounts.ts';
import type { AuthConfigRow } from '../store/auth-configs.ts';
import type { Store } from '../store/store.ts';

export interface AccountChoice {
  userId?: string;
  connectedAccountId?: string;
}

function linkFix(toolkit: string, userId: string): string {
  return `Connect a ${toolkit} account for user ${userId} first (POST /api/v3.1/connected_accounts/link with an auth config of toolkit ${toolkit}), or pass connected_account_id`;
}

/** The sessions' resolution errors, worded for a direct tool call. */
function accountError(e: ResolutionError, toolkit: string, slug: string, userId: string): ApiError {
  switch (e.kind) {
    case 'pin_not_found':
      return new ApiError('ToolNoConnectedAccount', e.message, { suggestedFix: 'List accounts with GET /api/v3.1/connected_accounts' });
    case 'pin_wrong_toolkit':
      return new ApiError('ValidationFailed', `${e.message}; ${slug} runs with a ${toolkit} account`, { errors: [`connected_account_id: ${e.message}`] });
    case 'pin_other_user':
    case 'pin_acl_denied':
      return new ApiError('ToolAccountNotAllowed', e.message, {
        suggestedFix:
          e.kind === 'pin_acl_denied'
            ? "Use an account whose ACL lets this user in (PATCH the account's acl_config_for_shared), or the user's own account"
            : "Pass the account owner's user_id, or use this user's own account",
      });
    case 'no_account':
      return new ApiError('ToolNoConnectedAccount', `User ${userId} has no ACTIVE ${toolkit} connected account of their own`, {
        suggestedFix: `${linkFix(toolkit, userId)}. A SHARED account is used only when named with connected_account_id (and user_id)`,
      });
    default:
      return resolutionApiError(e);
  }
}

/** The account (and its auth config) a direct tool call runs with, or the 4xx saying why there is none. */
export async function accountForTool(
  store: Store,
  projectId: string,
  toolkit: string,
  slug: string,
  choice: AccountChoice,
): Promise<{ account: AccountRow; authConfig: AuthConfigRow }> {
  const id = choice.connectedAccountId;
  let userId = choice.userId;
  if (userId === undefined) {
    if (id === undefined) {
      throw new ApiError('ValidationFailed', 'Pass user_id (the user whose account runs the tool) or connected_account_id', {
        errors: ['user_id: is required when connected_account_id is absent'],
      });
    }
    // Named alone, a PRIVATE account acts for its owner; a SHARED one needs to know for whom (its ACL decides).
    const row = await store.accounts.get(projectId, id);
    if (!row)
      throw new ApiError('ToolNoConnectedAccount', `Connected account ${id} not found`, {
        suggestedFix: 'List accounts with GET /api/v3.1/connected_accounts',
      });
    if (row.account_type === 'SHARED') {
      throw new ApiError('ValidationFailed', `Connected account ${id} is SHARED: pass user_id too (its ACL decides whether that user may use it)`, {
        errors: ['user_id: is required with a SHARED connected account'],
      });
    }
    userId = row.user_id;
  }
  const pins = id === undefined ? [] : [id];
  const accounts = await store.sessions.candidateAccounts(projectId, userId, pins, [toolkit]);
  const authConfigs = await store.sessions.authConfigsByIds(projectId, [...new Set(accounts.map((a) => a.auth_config_id))]);
  const config: ResolutionConfig = { user_id: userId, ...(pins.length ? { connected_accounts: { [toolkit]: pins } } : {}) };
  const r = resolveAccount<AccountRow>({ config, toolkit, accounts, authConfigs });
  if (!r.ok) throw accountError(r.error, toolkit, slug, userId);
  return { account: r.account, authConfig: authConfigs.find((c) => c.id === r.account.auth_config_id)! };
}
