// POST /connected_accounts/link: one INITIATED account plus its link session,
// written in one transaction. The link token is returned once and stored only
// as a hash.
import { ApiError } from '../errors.ts';
import { hashSecret, newId, newSecret } from '../crypto/tokens.ts';
import { MAX_LINK_TTL_SECONDS } from '../config.ts';
import type { Store } from '../store/store.ts';
import type { AccountRow } from '../store/accounts.ts';
import { isUniqueViolation } from '../store/accounts.ts';
import type { AuthConfigService, ResolvedAuthConfig } from './auth-configs.ts';
import { readImportedTokens, wantsTokenImport } from './token-import.ts';
import { checkCallbackUrl } from './callback-url.ts';
import { newWordId, sealAccountCredentials } from './account-view.ts';
import { aliasTaken, checkConnectionData, splitFields } from './account-fields.ts';
import type { KeyRing } from '../crypto/keyring.ts';
import { accountEvent, insertOutbox, type WebhookEventType } from '../webhooks/events.ts';
import type { LinkSessionRow } from '../store/link-sessions.ts';
import { type Acl, normalizeAcl, requireUserId } from './user-ids.ts';
import type { Metrics } from '../metrics/types.ts';
import { assertPersonFlow, isServerGrant, SERVICE_ACCOUNT_KEY_FIELD, noTokenIssued, serverGrantTokens, serviceAccountKeyProblems } from './server-grant.ts';
import { OAuthClientError } from '../oauth/errors.ts';
import { isRedirectFlow, usesAccessToken } from '../toolkits/modes.ts';
import type { TokenSet } from '../oauth/types.ts';

export type AccountType = 'PRIVATE' | 'SHARED';

export type { Acl };

export interface LinkInput {
  authConfigId: string;
  userId: string;
  alias?: string;
  callbackUrl?: string;
  connectionData?: Record<string, unknown>;
  accountType?: AccountType;
  experimental?: { account_type?: AccountType; acl_config_for_shared?: Partial<Acl> };
}

export interface LinkResult {
  link_token: string;
  redirect_url: string;
  expires_at: string;
  connected_account_id: string;
  account_type: AccountType;
}

/** A non-secret connection field of the config's scheme (it goes to connection_data, not to the credential). */
function isNonSecretField(auth: ResolvedAuthConfig, name: string): boolean {
  const { required, optional } = auth.scheme.fields.connected_account_initiation;
  return [...required, ...optional].some((f) => f.name === name && !f.secret);
}

export function createLinkService(deps: {
  store: Store;
  keyRing: KeyRing;
  authConfigs: AuthConfigService;
  publicUrl: string;
  defaultTtlSeconds: number;
  now: () => Date;
  metrics?: Metrics;
  /** For client-credentials toolkits: the token request made when such an account is created. */
  fetch: typeof fetch;
  allowInsecureOAuth: boolean;
}) {
  const { store } = deps;

  /** Validates a request for a new account and builds its INITIATED row (shared by link and legacy create). */
  async function prepare(projectId: string, input: LinkInput) {
    const userId = requireUserId(input.userId);
    const typeTop = input.accountType;
    const typeExp = input.experimental?.account_type;
    if (typeTop && typeExp && typeTop !== typeExp) {
      throw new ApiError('ValidationFailed', 'account_type and experimental.account_type disagree', {
        errors: ['account_type: differs from experimental.account_type'],
      });
    }
    const accountType: AccountType = typeTop ?? typeExp ?? 'PRIVATE';
    const aclIn = input.experimental?.acl_config_for_shared && normalizeAcl(input.experimental.acl_config_for_shared, 'experimental.acl_config_for_shared');
    if (aclIn && accountType !== 'SHARED') {
      // Composio's wording: @composio/core maps "acl_config_for_shared is only valid on SHARED" to ComposioAclOnlyForSharedError.
      throw new ApiError('ValidationFailed', 'experimental.acl_config_for_shared is only valid on SHARED connected accounts', {
        errors: ['experimental.acl_config_for_shared: requires account_type SHARED'],
      });
    }
    const alias = input.alias?.trim() || null;

    const [project, resolved] = await Promise.all([store.projects.get(projectId), deps.authConfigs.resolve(projectId, input.authConfigId)]);
    if (!project) throw new ApiError('Unauthorized', 'The API key is invalid or revoked');
    if (resolved.row.status !== 'ENABLED') {
      throw new ApiError('AuthConfigDisabled', `Auth config ${resolved.row.id} is disabled`, {
        suggestedFix: `Enable it with PATCH /api/v3.1/auth_configs/${resolved.row.id}/ENABLED`,
      });
    }
    const callbackUrl = input.callbackUrl === undefined ? null : checkCallbackUrl(input.callbackUrl, project.settings.callback_url_allowlist);
    const data = checkConnectionData(resolved, input.connectionData ?? {});
    if (isRedirectFlow(resolved.scheme.mode)) {
      // The provider URLs are filled from these before the user arrives, so they cannot wait for the hosted page.
      const missing = resolved.scheme.fields.connected_account_initiation.required.filter((f) => !data[f.name] && !f.default).map((f) => f.name);
      if (missing.length) {
        throw new ApiError('ConnectionFieldsMissing', `${resolved.toolkit.name} needs ${missing.join(', ')} in connection_data`, {
          errors: missing.map((m) => `connection_data.${m}: is required`),
        });
      }
    }
    const acl: Acl | null =
      accountType === 'SHARED'
        ? {
            allow_all_users: aclIn?.allow_all_users ?? false,
            allowed_user_ids: aclIn?.allowed_user_ids ?? [],
            not_allowed_user_ids: aclIn?.not_allowed_user_ids ?? [],
          }
        : null;
    const now = deps.now();
    const ts = now.toISOString();
    const account: AccountRow = {
      id: newId('ca'),
      project_id: projectId,
      auth_config_id: resolved.row.id,
      toolkit_slug: resolved.row.toolkit_slug,
      user_id: userId,
      alias,
      word_id: newWordId(resolved.row.toolkit_slug),
      account_type: accountType,
      acl: acl && JSON.stringify(acl),
      status: 'INITIATED',
      status_reason: null,
      is_disabled: 0,
      data: JSON.stringify(data),
      credentials_enc: null,
      credentials_view: null,
      requested_scopes: usesAccessToken(resolved.scheme.mode) ? JSON.stringify(resolved.scopes) : null,
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
      provider_subject: null,
    };
    return { project, resolved, account, callbackUrl, now };
  }

  /** A new single-use link session for an account: its row, the token the row only keeps a hash of, and its expiry. */
  function newLinkSession(
    projectId: string,
    ttlSetting: number | undefined,
    accountId: string,
    callbackUrl: string | null,
    now: Date,
    reconnect: boolean,
  ): { row: LinkSessionRow; token: string; expiresAt: string } {
    const ttl = Math.min(ttlSetting ?? deps.defaultTtlSeconds, MAX_LINK_TTL_SECONDS);
    const expiresAt = new Date(now.getTime() + ttl * 1000).toISOString();
    const token = newSecret('lt');
    const row: LinkSessionRow = {
      id: newId('ls'),
      project_id: projectId,
      connected_account_id: accountId,
      token_hash: hashSecret(token),
      callback_url: callbackUrl,
      expires_at: expiresAt,
      browser_hash: null,
      csrf_token: null,
      oauth_state_hash: null,
      pkce_verifier_enc: null,
      oauth1_temporary_enc: null,
      opened_at: null,
      consumed_at: null,
      created_at: now.toISOString(),
      reconnect: reconnect ? 1 : 0,
    };
    return { row, token, expiresAt };
  }

  /**
   * A new account (and its link session) with the webhook event announcing
   * it, all or none. With a link, they are written together with the other
   * links of this event-loop turn (store.links.insertWithAccount); the
   * endpoint list the event is built from is cached (store read cache).
   */
  async function insertAccount(account: AccountRow, link?: LinkSessionRow): Promise<void> {
    const type: WebhookEventType = account.status === 'ACTIVE' ? 'connected_account.active' : 'connected_account.initiated';
    try {
      const outbox = await accountEvent(store, account, type, deps.now());
      if (link) await store.links.insertWithAccount(account, link, outbox);
      else if (!outbox) await store.accounts.insert(account);
      else {
        await store.transaction(async (tx) => {
          await tx.accounts.insert(account);
          await insertOutbox(tx, outbox);
        });
      }
    } catch (e) {
      if (isUniqueViolation(e) && account.alias) throw aliasTaken(account.alias);
      throw e;
    }
  }

  /**
   * OAuth2 tokens issued elsewhere (issue #15): validated all at once, then
   * an ACTIVE account like a completed link's (credential encrypted, scopes,
   * expiry, provider identity from an id_token), announced by webhook. The
   * sharing rules, alias and callback checks are the link's (prepare()).
   */
  async function importTokens(projectId: string, auth: ResolvedAuthConfig, input: LinkInput, val: Record<string, unknown>, scheme?: string) {
    const read = readImportedTokens(auth, val, deps.now());
    if (scheme !== undefined && scheme !== 'OAUTH2') read.problems.unshift(`connection.state.authScheme: must be OAUTH2 for auth config ${auth.row.id}`);
    const nonSecret = Object.fromEntries(Object.entries(val).filter(([k, v]) => typeof v === 'string' && v.length <= 2048 && isNonSecretField(auth, k)));
    let prepared: Awaited<ReturnType<typeof prepare>>;
    try {
      prepared = await prepare(projectId, { ...input, connectionData: { ...input.connectionData, ...nonSecret } });
    } catch (e) {
      // Every problem of the request in one answer, when both halves found some.
      if (e instanceof ApiError && e.status === 400 && read.problems.length)
        throw new ApiError('ValidationFailed', 'Invalid token import', { errors: [...(e.options.errors ?? [e.message]), ...read.problems] });
      throw e;
    }
    if (!read.tokens || read.problems.length) {
      throw new ApiError('ValidationFailed', `Invalid token import: ${read.problems.join('; ')}`, {
        errors: read.problems,
        suggestedFix:
          'Send the token set as connection.state.val: access_token (required), refresh_token, expires_in or expires_at, scope, token_type, id_token',
      });
    }
    const { account } = prepared;
    account.status = 'ACTIVE';
    const { tokens } = read;
    Object.assign(account, sealAccountCredentials(deps.keyRing, account, tokens.creds));
    account.granted_scopes = JSON.stringify(tokens.grantedScopes);
    account.token_expires_at = tokens.expiresAt;
    account.provider_subject = tokens.subject ?? null;
    await insertAccount(account);
    return { accountId: account.id, status: 'ACTIVE', authScheme: auth.scheme.mode, redirectUrl: null };
  }

  /**
   * OAuth 1.0a token credentials obtained elsewhere (Composio's OAUTH1
   * state.val: oauth_token and oauth_token_secret): an ACTIVE account signing
   * with them, like a completed link's. They do not expire, so nothing is
   * asked of the provider here; the first proxied call shows whether they work.
   */
  async function importOAuth1Tokens(projectId: string, input: LinkInput, val: Record<string, unknown>) {
    const problems = ['oauth_token', 'oauth_token_secret']
      .filter((k) => typeof val[k] !== 'string' || !(val[k] as string).trim() || (val[k] as string).length > 8192)
      .map((k) => `connection.state.val.${k}: is required (a string of at most 8192 characters)`);
    const extra = Object.keys(val).filter((k) => !['oauth_token', 'oauth_token_secret', 'status'].includes(k));
    problems.push(...extra.map((k) => `connection.state.val.${k}: not part of OAuth 1.0a token credentials (allowed: oauth_token, oauth_token_secret)`));
    if (problems.length) throw new ApiError('ValidationFailed', 'Invalid OAuth 1.0a token credentials', { errors: problems });
    const { account } = await prepare(projectId, input);
    account.status = 'ACTIVE';
    Object.assign(account, sealAccountCredentials(deps.keyRing, account, { oauth_token: val.oauth_token, oauth_token_secret: val.oauth_token_secret }));
    await insertAccount(account);
    return { accountId: account.id, status: 'ACTIVE', authScheme: 'OAUTH1', redirectUrl: null };
  }

  /**
   * A server-grant account (src/services/server-grant.ts): the token is
   * requested now, with the auth config's client credentials (S2S_OAUTH2) or
   * the service account key in state.val (GOOGLE_SERVICE_ACCOUNT); the account
   * is stored only when the provider issued one, ACTIVE.
   */
  async function connectServerGrant(projectId: string, input: LinkInput, stateVal: Record<string, unknown>) {
    const { account, resolved } = await prepare(projectId, input);
    const { creds, data } = splitFields(resolved.scheme.fields.connected_account_initiation, stateVal, 'connection.state.val');
    if (resolved.scheme.mode === 'GOOGLE_SERVICE_ACCOUNT') {
      const problems = serviceAccountKeyProblems(creds[SERVICE_ACCOUNT_KEY_FIELD]);
      if (problems.length)
        throw new ApiError('ValidationFailed', `Invalid service account key in connection.state.val.${SERVICE_ACCOUNT_KEY_FIELD}`, {
          errors: problems.map((p) => `connection.state.val.${SERVICE_ACCOUNT_KEY_FIELD}: ${p}`),
          suggestedFix: 'Send the JSON key file of the service account as a string; nothing was stored',
        });
    }
    const connection = { ...JSON.parse(account.data), ...data };
    let tokens: TokenSet;
    try {
      tokens = await serverGrantTokens(resolved, connection, creds, { fetch: deps.fetch, allowInsecure: deps.allowInsecureOAuth, now: deps.now });
    } catch (e) {
      if (!(e instanceof OAuthClientError)) throw e;
      throw noTokenIssued(resolved, e);
    }
    account.status = 'ACTIVE';
    account.data = JSON.stringify(connection);
    Object.assign(account, sealAccountCredentials(deps.keyRing, account, { ...creds, ...tokens }));
    account.granted_scopes = JSON.stringify(tokens.scope);
    account.token_expires_at = tokens.expires_at ?? null;
    await insertAccount(account);
    return { accountId: account.id, status: 'ACTIVE', authScheme: resolved.scheme.mode, redirectUrl: null };
  }

  return {
    async create(projectId: string, input: LinkInput): Promise<LinkResult> {
      const { project, account, callbackUrl, now, resolved } = await prepare(projectId, input);
      assertPersonFlow(resolved, 'link');
      if (!callbackUrl && project.settings.verify_callback_identity) {
        // The session_uri that verifies the user can only reach the app through its callback URL.
        throw new ApiError('ValidationFailed', 'callback_url is required: this project verifies who connected (verify_callback_identity)', {
          errors: ['callback_url: required when the project setting verify_callback_identity is on'],
        });
      }
      const { row, token, expiresAt } = newLinkSession(projectId, project.settings.link_ttl_seconds, account.id, callbackUrl, now, false);
      await insertAccount(account, row);
      deps.metrics?.linkCreated(account.toolkit_slug);
      return {
        link_token: token,
        redirect_url: `${deps.publicUrl}/link/${token}`,
        expires_at: expiresAt,
        connected_account_id: account.id,
        account_type: account.account_type as AccountType,
      };
    },

    /**
     * POST /connected_accounts/{id}/refresh with a redirect_url (issue #15): a
     * new link bound to this existing account, in any state but deleted. It is
     * a link like any other (single use, expiry, PKCE/state, bound on the first
     * action, callback identity verification when the project has it on), but
     * completing it replaces the account's credential (same id, alias, ACL,
     * user) and makes it ACTIVE; until then the account is left as it is.
     */
    async reconnect(projectId: string, accountId: string, redirectUrl: string): Promise<{ account: AccountRow; redirectUrl: string; expiresAt: string }> {
      const [account, project] = await Promise.all([store.accounts.get(projectId, accountId), store.projects.get(projectId)]);
      if (!account)
        throw new ApiError('ConnectedAccountNotFound', `Connected account ${accountId} not found`, {
          suggestedFix: 'List accounts with GET /api/v3.1/connected_accounts',
        });
      if (!project) throw new ApiError('Unauthorized', 'The API key is invalid or revoked');
      const resolved = await deps.authConfigs.resolve(projectId, account.auth_config_id);
      if (resolved.row.status !== 'ENABLED') {
        throw new ApiError('AuthConfigDisabled', `Auth config ${resolved.row.id} is disabled`, {
          suggestedFix: `Enable it with PATCH /api/v3.1/auth_configs/${resolved.row.id}/ENABLED`,
        });
      }
      assertPersonFlow(resolved, 'reconnect');
      if (resolved.scheme.mode === 'NO_AUTH') {
        throw new ApiError('ValidationFailed', `${resolved.toolkit.name} needs no credential: there is nothing to reconnect`, {
          errors: ['redirect_url: the account has no credential to reconnect'],
        });
      }
      const callbackUrl = checkCallbackUrl(redirectUrl, project.settings.callback_url_allowlist);
      const now = deps.now();
      const { row, token, expiresAt } = newLinkSession(projectId, project.settings.link_ttl_seconds, account.id, callbackUrl, now, true);
      await store.links.insert(row);
      return { account, redirectUrl: `${deps.publicUrl}/link/${token}`, expiresAt };
    },

    /**
     * Legacy POST /connected_accounts: non-OAuth credentials given in state.val make
     * the account ACTIVE at once; otherwise the user goes through the hosted page.
     */
    async createLegacy(
      projectId: string,
      input: LinkInput & { stateVal?: Record<string, unknown>; stateScheme?: string },
    ): Promise<{ accountId: string; status: string; authScheme: string; redirectUrl: string | null }> {
      const auth = await deps.authConfigs.resolve(projectId, input.authConfigId);
      if (auth.scheme.mode === 'OAUTH2' && input.stateVal && wantsTokenImport(input.stateVal))
        return importTokens(projectId, auth, input, input.stateVal, input.stateScheme);
      const direct = auth.scheme.mode !== 'OAUTH2' && input.stateVal && Object.keys(input.stateVal).some((k) => k !== 'status');
      // Client credentials never have a person to send to a page; a service account key given here connects at once.
      if (auth.scheme.mode === 'S2S_OAUTH2' || (isServerGrant(auth) && direct)) return connectServerGrant(projectId, input, input.stateVal ?? {});
      if (auth.scheme.mode === 'OAUTH1' && direct) return importOAuth1Tokens(projectId, input, input.stateVal!);
      if (!direct) {
        const link = await this.create(projectId, input);
        return { accountId: link.connected_account_id, status: 'INITIATED', authScheme: auth.scheme.mode, redirectUrl: link.redirect_url };
      }
      const { account, resolved } = await prepare(projectId, input);
      const { creds, data } = splitFields(resolved.scheme.fields.connected_account_initiation, input.stateVal!, 'connection.state.val');
      const missing = resolved.scheme.fields.connected_account_initiation.required
        .filter((f) => !creds[f.name] && !data[f.name] && !f.default)
        .map((f) => f.name);
      if (missing.length)
        throw new ApiError('ConnectionFieldsMissing', `Missing ${missing.join(', ')} in connection.state.val`, {
          errors: missing.map((m) => `connection.state.val.${m}: is required`),
        });
      account.status = 'ACTIVE';
      account.data = JSON.stringify({ ...JSON.parse(account.data), ...data });
      Object.assign(account, sealAccountCredentials(deps.keyRing, account, creds));
      await insertAccount(account);
      return { accountId: account.id, status: 'ACTIVE', authScheme: resolved.scheme.mode, redirectUrl: null };
    },
  };
}

export type LinkService = ReturnType<typeof createLinkService>;
