import { Type } from 'typebox';
import { ApiError } from '../errors.ts';
import type { Services } from '../services/index.ts';
import { principalOf } from '../http/api-auth.ts';
import { ACCOUNT_STATUSES } from '../services/accounts.ts';
import { AclConfig } from './connected-accounts-link.ts';
import { Cursor, errors, Limit, StringEnum, type ApiApp, type RouteOptions } from './types.ts';

const STATUSES = ACCOUNT_STATUSES;
const Id = Type.String({ minLength: 1, maxLength: 64 });
const StrList = (max = 100) => Type.Optional(Type.Array(Type.String({ maxLength: 256 }), { maxItems: max }));

const Account = Type.Object({
  id: Type.String(),
  alias: Type.Union([Type.String(), Type.Null()]),
  word_id: Type.String(),
  user_id: Type.String(),
  status: StringEnum(STATUSES),
  status_reason: Type.Union([Type.String(), Type.Null()]),
  is_disabled: Type.Boolean(),
  created_at: Type.String(),
  updated_at: Type.String(),
  toolkit: Type.Object({ slug: Type.String() }),
  auth_config: Type.Object({ id: Type.String(), auth_scheme: Type.String(), is_composio_managed: Type.Boolean(), is_disabled: Type.Boolean() }),
  state: Type.Object({ authScheme: Type.String(), val: Type.Record(Type.String(), Type.Unknown()) }),
  data: Type.Record(Type.String(), Type.Unknown()),
  params: Type.Record(Type.String(), Type.Unknown()),
  test_request_endpoint: Type.String(),
  experimental: Type.Object({
    account_type: StringEnum(['PRIVATE', 'SHARED']),
    acl_config_for_shared: Type.Optional(
      Type.Object({ allow_all_users: Type.Boolean(), allowed_user_ids: Type.Array(Type.String()), not_allowed_user_ids: Type.Array(Type.String()) }),
    ),
  }),
});

/** List filters the official client sends comma-joined (`user_ids=a,b`: Stainless `arrayFormat: 'comma'`). */
const LIST_FILTERS = ['user_ids', 'toolkit_slugs', 'statuses', 'auth_config_ids', 'connected_account_ids'] as const;

/**
 * Accepts every list filter both ways: repeated (`user_ids=a&user_ids=b`) and
 * comma-joined (`user_ids=a,b`, what @composio/client sends). Empty values
 * (`user_ids=`, the client's `null`) mean no filter. Runs before validation,
 * so each status is still checked against the enum.
 */
async function splitListFilters(req: { query: unknown }): Promise<void> {
  const q = req.query as Record<string, unknown>;
  for (const key of LIST_FILTERS) {
    if (q[key] === undefined) continue;
    const parts = ([] as unknown[])
      .concat(q[key])
      .flatMap((v) => (typeof v === 'string' ? v.split(',') : [v]))
      .filter((v) => v !== '');
    if (parts.length) q[key] = parts;
    else delete q[key];
  }
}

const CredentialState = Type.Object({ authScheme: Type.String({ maxLength: 40 }), val: Type.Record(Type.String({ maxLength: 100 }), Type.Unknown()) });

export function registerConnectedAccountRoutes(api: ApiApp, services: Services, opts: RouteOptions): void {
  const { accounts } = services;
  const common = { hide: opts.hide, tags: ['connected_accounts'] };
  const requester = (req: Parameters<typeof principalOf>[0]) => ({ ...principalOf(req), requestId: req.id });

  api.get(
    '/connected_accounts',
    {
      preValidation: splitListFilters,
      schema: {
        ...common,
        summary: 'List connected accounts (list filters: repeated or comma-separated)',
        querystring: Type.Object({
          user_ids: StrList(),
          toolkit_slugs: StrList(),
          statuses: Type.Optional(Type.Array(StringEnum(STATUSES), { maxItems: 7 })),
          auth_config_ids: StrList(),
          connected_account_ids: StrList(),
          cursor: Cursor,
          limit: Limit,
          order_by: Type.Optional(StringEnum(['created_at', 'updated_at'])),
          order_direction: Type.Optional(StringEnum(['asc', 'desc'])),
          account_type: Type.Optional(StringEnum(['PRIVATE', 'SHARED', 'ALL'])),
        }),
        response: {
          200: Type.Object({
            items: Type.Array(Account),
            next_cursor: Type.Union([Type.String(), Type.Null()]),
            total_pages: Type.Integer(),
            current_page: Type.Integer(),
            total_items: Type.Integer(),
          }),
          ...errors(),
        },
      },
    },
    async (req) => {
      const q = req.query;
      const limit = q.limit ?? 20;
      const type = q.account_type ?? 'PRIVATE';
      const page = await accounts.list({
        projectId: principalOf(req).projectId,
        userIds: q.user_ids,
        toolkitSlugs: q.toolkit_slugs,
        statuses: q.statuses,
        authConfigIds: q.auth_config_ids,
        ids: q.connected_account_ids,
        accountTypes: type === 'ALL' ? undefined : [type],
        orderBy: q.order_by ?? 'created_at',
        direction: q.order_direction ?? 'desc',
        cursor: q.cursor,
        limit,
      });
      return {
        items: page.items,
        next_cursor: page.nextCursor,
        total_pages: Math.max(1, Math.ceil(page.total / limit)),
        current_page: 1,
        total_items: page.total,
      };
    },
  );

  api.get(
    '/connected_accounts/:nanoid',
    { schema: { ...common, summary: 'Get a connected account', params: Type.Object({ nanoid: Id }), response: { 200: Account, ...errors(404) } } },
    async (req) => accounts.get(requester(req), req.params.nanoid),
  );

  api.patch(
    '/connected_accounts/:nanoid',
    {
      schema: {
        ...common,
        summary: 'Update alias, non-OAuth credentials or the ACL of a SHARED account',
        params: Type.Object({ nanoid: Id }),
        body: Type.Object({
          alias: Type.Optional(Type.String({ maxLength: 200 })),
          connection: Type.Optional(Type.Object({ state: CredentialState })),
          experimental: Type.Optional(Type.Object({ acl_config_for_shared: Type.Optional(AclConfig) })),
        }),
        // The account as GET returns it, plus the `success` flag Composio's PATCH response has ({success, id, status}).
        response: { 200: Type.Object({ success: Type.Boolean(), ...Account.properties }), ...errors(404, 409) },
      },
    },
    async (req) => {
      const r = requester(req);
      await accounts.update(r.projectId, req.params.nanoid, {
        alias: req.body.alias,
        state: req.body.connection?.state,
        acl: req.body.experimental?.acl_config_for_shared,
      });
      return { success: true, ...(await accounts.get(r, req.params.nanoid)) };
    },
  );

  api.patch(
    '/connected_accounts/:nanoId/status',
    {
      schema: {
        ...common,
        summary: 'Enable or disable a connected account',
        params: Type.Object({ nanoId: Id }),
        body: Type.Object({ enabled: Type.Boolean() }),
        response: { 200: Type.Object({ success: Type.Boolean() }), ...errors(404) },
      },
    },
    async (req) => {
      await accounts.setEnabled(principalOf(req).projectId, req.params.nanoId, req.body.enabled);
      return { success: true };
    },
  );

  api.delete(
    '/connected_accounts/:nanoid',
    {
      schema: {
        ...common,
        summary: 'Delete a connected account (soft); optionally revoke at the provider',
        params: Type.Object({ nanoid: Id }),
        querystring: Type.Object({ revoke_on_delete: Type.Optional(Type.Boolean()) }),
        response: { 200: Type.Object({ success: Type.Boolean() }), ...errors(404, 502) },
      },
    },
    async (req) => {
      await accounts.remove(principalOf(req).projectId, req.params.nanoid, req.query.revoke_on_delete === true);
      return { success: true };
    },
  );

  const RedirectUrl = Type.String({
    maxLength: 2048,
    description: 'Reconnect instead of refreshing: the callback URL of a new hosted link for this account (query or body; both must agree)',
  });
  api.post(
    '/connected_accounts/:nanoid/refresh',
    {
      schema: {
        ...common,
        summary: 'Refresh the OAuth2 token now; with redirect_url, start a reconnect of this account and return its link',
        params: Type.Object({ nanoid: Id }),
        // @composio/core sends redirectUrl in the query; @composio/client can send either.
        querystring: Type.Object({ redirect_url: Type.Optional(RedirectUrl) }),
        body: Type.Optional(Type.Object({ redirect_url: Type.Optional(RedirectUrl), validate_credentials: Type.Optional(Type.Boolean()) })),
        response: {
          200: Type.Object({
            id: Type.String(),
            status: StringEnum(STATUSES, { description: 'The account status now: a reconnect leaves it unchanged until the user completes the link' }),
            redirect_url: Type.Union([Type.String(), Type.Null()], { description: 'The hosted link that reconnects the account; null for a token refresh' }),
          }),
          ...errors(404, 409, 422, 502),
        },
      },
    },
    async (req) => {
      const { projectId } = principalOf(req);
      const fromQuery = req.query.redirect_url;
      const fromBody = req.body?.redirect_url;
      if (fromQuery !== undefined && fromBody !== undefined && fromQuery !== fromBody) {
        throw new ApiError('ValidationFailed', 'redirect_url is given in the query and in the body with different values', {
          errors: ['redirect_url: the query and the body disagree; give it once'],
        });
      }
      const redirectUrl = fromQuery ?? fromBody;
      if (redirectUrl !== undefined) {
        const started = await services.links.reconnect(projectId, req.params.nanoid, redirectUrl);
        return { id: started.account.id, status: started.account.status as (typeof STATUSES)[number], redirect_url: started.redirectUrl };
      }
      const row = await accounts.refresh(projectId, req.params.nanoid);
      return { id: row.id, status: row.status as (typeof STATUSES)[number], redirect_url: null };
    },
  );

  api.post(
    '/connected_accounts/:nanoid/revoke',
    {
      schema: {
        ...common,
        summary: 'Revoke at the provider (RFC 7009) -> REVOKED',
        params: Type.Object({ nanoid: Id }),
        // Composio's shape ({revoked_tokens, connected_account}) plus id and status at the top level.
        response: {
          200: Type.Object({
            id: Type.String(),
            status: StringEnum(STATUSES),
            revoked_tokens: Type.Array(StringEnum(['access_token', 'refresh_token', 'credential']), {
              description: 'The token sent to the revocation endpoint (a refresh token when there is one)',
            }),
            connected_account: Type.Object({ id: Type.String(), status: StringEnum(STATUSES) }),
          }),
          ...errors(404, 409, 502),
        },
      },
    },
    async (req) => {
      const { row, revokedTokens } = await accounts.revoke(principalOf(req).projectId, req.params.nanoid);
      const status = row.status as (typeof STATUSES)[number];
      return { id: row.id, status, revoked_tokens: revokedTokens, connected_account: { id: row.id, status } };
    },
  );
}

const LegacyBody = Type.Object({
  auth_config: Type.Object({ id: Id }),
  connection: Type.Object({
    user_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    entity_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    callback_url: Type.Optional(Type.String({ maxLength: 2048 })),
    alias: Type.Optional(Type.String({ maxLength: 200 })),
    state: Type.Optional(CredentialState),
    data: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), Type.Unknown())),
    experimental: Type.Optional(
      Type.Object({ account_type: Type.Optional(StringEnum(['PRIVATE', 'SHARED'])), acl_config_for_shared: Type.Optional(AclConfig) }),
    ),
  }),
});

/**
 * Legacy create (older SDKs, @composio/core's initiate()): credentials in
 * state.val -> ACTIVE at once (non-OAuth fields, or an OAuth2 token set to
 * import); otherwise a hosted link.
 */
export function registerLegacyCreateRoute(api: ApiApp, services: Services, opts: RouteOptions): void {
  api.post(
    '/connected_accounts',
    {
      schema: {
        hide: opts.hide,
        tags: ['connected_accounts'],
        summary:
          'Create a connected account (legacy): ACTIVE at once with credentials in connection.state.val (OAuth2: a token set to import), else a hosted link',
        body: LegacyBody,
        response: {
          201: Type.Object({
            id: Type.String(),
            connectionData: Type.Object({ authScheme: Type.String(), val: Type.Record(Type.String(), Type.Unknown()) }),
            status: Type.String(),
            redirect_url: Type.Union([Type.String(), Type.Null()]),
            redirect_uri: Type.Union([Type.String(), Type.Null()]),
          }),
          ...errors(404, 409, 422),
        },
      },
    },
    async (req, reply) => {
      const c = req.body.connection;
      const userId = c.user_id ?? c.entity_id ?? '';
      const r = await services.links.createLegacy(principalOf(req).projectId, {
        authConfigId: req.body.auth_config.id,
        userId,
        alias: c.alias,
        callbackUrl: c.callback_url,
        connectionData: c.data,
        stateVal: c.state?.val,
        stateScheme: c.state?.authScheme,
        experimental: c.experimental,
      });
      reply.status(201);
      const val = { status: r.status, ...(r.redirectUrl ? { redirectUrl: r.redirectUrl } : {}) };
      return { id: r.accountId, connectionData: { authScheme: r.authScheme, val }, status: r.status, redirect_url: r.redirectUrl, redirect_uri: r.redirectUrl };
    },
  );
}
