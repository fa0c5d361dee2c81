// Which connected account a tool-router session uses for a toolkit. One pure
// function (no I/O): the caller loads the candidate rows (the user's own
// PRIVATE accounts and the pinned ids, all from the session's project) and
// their auth configs; resolveAccount applies every rule and returns the
// account or a typed error. The same pin checks validate a session config
// when it is created or patched (checkSessionPins).
//
// Rules (API.md "Tool-router sessions and proxy"):
// - a toolkit outside toolkits.enabled / inside toolkits.disabled is unreachable;
// - pinned (connected_accounts[toolkit]): only the pins are candidates, never
//   anything else. At most one SHARED pin per toolkit (4347). Each pin must be
//   in the project and live, of this toolkit, the user's own if PRIVATE or let
//   in by its ACL if SHARED, of the auth_configs override when there is one,
//   enabled, ACTIVE, and of a live ENABLED auth config;
// - not pinned: the user's own PRIVATE, enabled, ACTIVE accounts of the
//   toolkit (of the override auth config when set). A SHARED account is never
//   picked implicitly, not even one the user created;
// - several candidates: the most recently created one (created_at, then id),
//   unless multi_account.require_explicit_selection (then the choices are
//   listed) or the caller selected one of them.
import type { ErrorKey } from '../errors.ts';
import { ApiError } from '../errors.ts';
import type { AccountRow } from '../store/accounts.ts';
import type { AuthConfigRow } from '../store/auth-configs.ts';
import { normalizeUserId } from './user-ids.ts';

/** The parts of a session config resolution reads (the full type is in sessions.ts). */
export interface ResolutionConfig {
  user_id: string;
  toolkits?: { enabled: string[] } | { disabled: string[] };
  auth_configs?: Record<string, string>;
  connected_accounts?: Record<string, string[]>;
  multi_account?: { enable?: boolean; max_accounts_per_toolkit?: number; require_explicit_selection?: boolean };
}

export type CandidateAccount = Pick<
  AccountRow,
  | 'id'
  | 'toolkit_slug'
  | 'user_id'
  | 'alias'
  | 'account_type'
  | 'acl'
  | 'status'
  | 'status_reason'
  | 'is_disabled'
  | 'auth_config_id'
  | 'created_at'
  | 'deleted_at'
>;
export type CandidateAuthConfig = Pick<AuthConfigRow, 'id' | 'toolkit_slug' | 'status' | 'deleted_at'>;

export type ResolutionErrorKind =
  | 'toolkit_not_enabled'
  | 'multiple_shared'
  | 'pin_not_found'
  | 'pin_wrong_toolkit'
  | 'pin_other_user'
  | 'pin_acl_denied'
  | 'pin_auth_config_mismatch'
  | 'pin_disabled'
  | 'pin_not_active'
  | 'pin_auth_config_unusable'
  | 'no_usable_pin'
  | 'no_account'
  | 'selection_required'
  | 'selection_not_available';

export interface ResolutionError {
  kind: ResolutionErrorKind;
  key: ErrorKey;
  message: string;
  errors?: string[];
  suggestedFix?: string;
}

export type Resolution<A extends CandidateAccount = CandidateAccount> =
  | { ok: true; account: A; via: 'pinned' | 'implicit' | 'selected' }
  | { ok: false; error: ResolutionError };

export interface ResolutionInput<A extends CandidateAccount> {
  config: ResolutionConfig;
  toolkit: string;
  /** Live accounts of the session's project; anything else in here is ignored by the rules. */
  accounts: readonly A[];
  authConfigs: readonly CandidateAuthConfig[];
  /** An account the caller chose; it must be one of the candidates. */
  selectedAccountId?: string;
  /** Only used in messages. */
  sessionId?: string;
}

export const DEFAULT_MAX_ACCOUNTS_PER_TOOLKIT = 5;

interface Acl {
  allow_all_users?: boolean;
  allowed_user_ids?: string[];
  not_allowed_user_ids?: string[];
}

/** Who may use a SHARED account: its creator always; then the deny list wins; then allow_all_users; then allowed_user_ids. Empty ACL = creator only. */
export function aclAllows(account: Pick<CandidateAccount, 'user_id' | 'acl'>, userId: string): boolean {
  const user = normalizeUserId(userId);
  if (account.user_id === user) return true;
  const acl: Acl = account.acl ? (JSON.parse(account.acl) as Acl) : {};
  // Entries are normalised when written; normalising again here also covers ACLs stored before that rule.
  const listed = (ids: string[] | undefined) => ids?.some((id) => normalizeUserId(id) === user) ?? false;
  if (listed(acl.not_allowed_user_ids)) return false;
  if (acl.allow_all_users) return true;
  return listed(acl.allowed_user_ids);
}

export function toolkitEnabled(config: Pick<ResolutionConfig, 'toolkits'>, toolkit: string): boolean {
  const t = config.toolkits;
  if (!t) return true;
  if ('enabled' in t) return t.enabled.includes(toolkit);
  return !t.disabled.includes(toolkit);
}

export function maxPinsPerToolkit(config: Pick<ResolutionConfig, 'multi_account'>): number {
  return config.multi_account?.enable ? (config.multi_account.max_accounts_per_toolkit ?? DEFAULT_MAX_ACCOUNTS_PER_TOOLKIT) : 1;
}

function authConfigUsable(ac: CandidateAuthConfig | undefined): boolean {
  return !!ac && !ac.deleted_at && ac.status === 'ENABLED';
}

type PinProblem = Pick<ResolutionError, 'kind' | 'key' | 'message'>;

/**
 * What is wrong with one pin, or undefined. `forUse` adds the checks that can
 * change after a session is configured (ACTIVE status, auth config enabled):
 * a session may pin an account whose connection is still being completed.
 */
function pinProblem(
  config: ResolutionConfig,
  toolkit: string,
  id: string,
  account: CandidateAccount | undefined,
  authConfigs: ReadonlyMap<string, CandidateAuthConfig>,
  forUse: boolean,
): PinProblem | undefined {
  if (!account || account.deleted_at) return { kind: 'pin_not_found', key: 'ConnectedAccountNotFound', message: `Connected account ${id} not found` };
  if (account.toolkit_slug !== toolkit)
    return { kind: 'pin_wrong_toolkit', key: 'SessionConfigInvalid', message: `Connected account ${id} is a ${account.toolkit_slug} account, not ${toolkit}` };
  if (account.account_type === 'SHARED') {
    if (!aclAllows(account, config.user_id))
      return {
        kind: 'pin_acl_denied',
        key: 'SessionAccountNotAllowed',
        message: `The ACL of SHARED connected account ${id} does not let user ${config.user_id} use it`,
      };
  } else if (account.user_id !== config.user_id) {
    return { kind: 'pin_other_user', key: 'SessionAccountNotAllowed', message: `Connected account ${id} is PRIVATE to another user than ${config.user_id}` };
  }
  const override = config.auth_configs?.[toolkit];
  if (override && account.auth_config_id !== override) {
    return {
      kind: 'pin_auth_config_mismatch',
      key: 'SessionConfigInvalid',
      message: `Connected account ${id} uses auth config ${account.auth_config_id}, but this session uses ${override} for ${toolkit}`,
    };
  }
  if (account.is_disabled) return { kind: 'pin_disabled', key: 'ConnectedAccountNotActive', message: `Connected account ${id} is disabled` };
  if (!forUse) return undefined;
  if (account.status !== 'ACTIVE') {
    return {
      kind: 'pin_not_active',
      key: 'ConnectedAccountNotActive',
      message: `Connected account ${id} is ${account.status}${account.status_reason ? `: ${account.status_reason}` : ''}`,
    };
  }
  if (!authConfigUsable(authConfigs.get(account.auth_config_id))) {
    return { kind: 'pin_auth_config_unusable', key: 'ConnectedAccountNotActive', message: `The auth config of connected account ${id} is disabled or deleted` };
  }
  return undefined;
}

function multipleShared(config: ResolutionConfig, toolkit: string, byId: ReadonlyMap<string, CandidateAccount>): ResolutionError | undefined {
  const shared = (config.connected_accounts?.[toolkit] ?? []).filter((id) => byId.get(id)?.account_type === 'SHARED' && !byId.get(id)?.deleted_at);
  if (shared.length < 2) return undefined;
  return {
    kind: 'multiple_shared',
    key: 'MultipleSharedAccounts',
    message: `At most one SHARED connected account can be pinned per toolkit; ${toolkit} has ${shared.length}`,
    errors: [`connected_accounts.${toolkit}: ${shared.join(', ')} are all SHARED`],
    suggestedFix: `Keep one SHARED account in connected_accounts.${toolkit}`,
  };
}

const newestFirst = (a: CandidateAccount, b: CandidateAccount) =>
  a.created_at !== b.created_at ? (a.created_at < b.created_at ? 1 : -1) : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
const describeChoice = (a: CandidateAccount) => `${a.id}${a.alias ? ` (alias ${a.alias})` : ''}`;

/** The account a session uses for `toolkit`, or why there is none. */
export function resolveAccount<A extends CandidateAccount>(input: ResolutionInput<A>): Resolution<A> {
  const { config, toolkit } = input;
  const linkHint = `Connect one with POST /api/v3.1/tool_router/session/${input.sessionId ?? '<session id>'}/link`;
  if (!toolkitEnabled(config, toolkit)) {
    return {
      ok: false,
      error: {
        kind: 'toolkit_not_enabled',
        key: 'SessionToolkitNotEnabled',
        message: `Toolkit ${toolkit} is not enabled in this session`,
        suggestedFix: `Enable it in the session config (toolkits.enable, or remove it from toolkits.disable) with PATCH /api/v3.1/tool_router/session/${input.sessionId ?? '<session id>'}`,
      },
    };
  }
  const byId = new Map(input.accounts.map((a) => [a.id, a]));
  const authConfigs = new Map(input.authConfigs.map((c) => [c.id, c]));
  const pins = config.connected_accounts?.[toolkit] ?? [];
  let candidates: A[];
  let via: 'pinned' | 'implicit';
  const pinErrors = new Map<string, PinProblem>();

  if (pins.length) {
    const shared = multipleShared(config, toolkit, byId);
    if (shared) return { ok: false, error: shared };
    candidates = [];
    for (const id of pins) {
      const problem = pinProblem(config, toolkit, id, byId.get(id), authConfigs, true);
      if (problem) pinErrors.set(id, problem);
      else candidates.push(byId.get(id)!);
    }
    via = 'pinned';
    if (!candidates.length) {
      const [first] = pinErrors.values();
      if (pins.length === 1) return { ok: false, error: { ...first } };
      return {
        ok: false,
        error: {
          kind: 'no_usable_pin',
          key: first.key,
          message: `None of the ${pins.length} connected accounts pinned for ${toolkit} can be used`,
          errors: pins.map((id, i) => `connected_accounts.${toolkit}[${i}]: ${pinErrors.get(id)!.message}`),
        },
      };
    }
  } else {
    const override = config.auth_configs?.[toolkit];
    candidates = input.accounts.filter(
      (a) =>
        !a.deleted_at &&
        a.toolkit_slug === toolkit &&
        a.account_type === 'PRIVATE' &&
        a.user_id === config.user_id &&
        !a.is_disabled &&
        a.status === 'ACTIVE' &&
        (!override || a.auth_config_id === override) &&
        authConfigUsable(authConfigs.get(a.auth_config_id)),
    );
    via = 'implicit';
    // With a selection, "not one of yours" says more than "you have none".
    if (!candidates.length && input.selectedAccountId === undefined) {
      return {
        ok: false,
        error: {
          kind: 'no_account',
          key: 'SessionNoConnectedAccount',
          message: `User ${config.user_id} has no ACTIVE connected account for ${toolkit}${override ? ` with auth config ${override}` : ''}`,
          suggestedFix: linkHint,
        },
      };
    }
  }

  candidates.sort(newestFirst);
  if (input.selectedAccountId !== undefined) {
    const chosen = candidates.find((a) => a.id === input.selectedAccountId);
    if (chosen) return { ok: true, account: chosen, via: 'selected' };
    const pinError = pinErrors.get(input.selectedAccountId);
    if (pinError) return { ok: false, error: { ...pinError } };
    return {
      ok: false,
      error: {
        kind: 'selection_not_available',
        key: 'SessionAccountNotAllowed',
        message: `Connected account ${input.selectedAccountId} is not one this session can use for ${toolkit}`,
        ...(candidates.length ? { errors: candidates.map((a) => `connected_account_id: may be ${describeChoice(a)}`) } : {}),
      },
    };
  }
  if (candidates.length > 1 && config.multi_account?.require_explicit_selection) {
    return {
      ok: false,
      error: {
        kind: 'selection_required',
        key: 'SessionAccountSelectionRequired',
        message: `${via === 'pinned' ? `${candidates.length} connected accounts are pinned` : `User ${config.user_id} has ${candidates.length} connected accounts`} for ${toolkit}, and this session requires choosing one`,
        errors: candidates.map((a) => `connected_account_id: may be ${describeChoice(a)}`),
        suggestedFix: `Pass connected_account_id, or pin one account in connected_accounts.${toolkit}`,
      },
    };
  }
  return { ok: true, account: candidates[0], via };
}

/**
 * Checks a session config's pins when it is created or patched: more than one
 * SHARED pin for a toolkit (4347), or one problem string per bad pin (and per
 * toolkit with too many pins). Unknown ids read "not found" whether they do
 * not exist or belong to another project (the caller only loads this
 * project's rows). Statuses are not checked here (see pinProblem).
 */
export function checkSessionPins(config: ResolutionConfig, accounts: readonly CandidateAccount[]): { multipleShared?: ResolutionError; problems: string[] } {
  const byId = new Map(accounts.map((a) => [a.id, a]));
  const pinned = Object.entries(config.connected_accounts ?? {});
  for (const [toolkit] of pinned) {
    const shared = multipleShared(config, toolkit, byId);
    if (shared) return { multipleShared: shared, problems: [] };
  }
  const problems: string[] = [];
  const max = maxPinsPerToolkit(config);
  for (const [toolkit, ids] of pinned) {
    if (ids.length > max) {
      problems.push(
        `connected_accounts.${toolkit}: ${ids.length} accounts pinned, at most ${max} allowed${config.multi_account?.enable ? ' (multi_account.max_accounts_per_toolkit)' : ' without multi_account.enable'}`,
      );
    }
    ids.forEach((id, i) => {
      const problem = pinProblem(config, toolkit, id, byId.get(id), new Map(), false);
      if (problem) problems.push(`connected_accounts.${toolkit}[${i}]: ${problem.message}`);
    });
  }
  return { problems };
}

export function resolutionApiError(e: ResolutionError): ApiError {
  return new ApiError(e.key, e.message, { errors: e.errors, suggestedFix: e.suggestedFix });
}
