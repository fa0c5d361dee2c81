import { Type } from 'typebox';
import { ApiError } from '../errors.ts';
import type { Services } from '../services/index.ts';
import type { AuthConfigRow } from '../store/auth-configs.ts';
import { principalOf } from '../http/api-auth.ts';
import { toolAccessOf } from '../tools/access.ts';
import { Cursor, errors, Limit, StringEnum, type ApiApp, type RouteOptions } from './types.ts';

const Credentials = Type.Record(Type.String({ maxLength: 100 }), Type.Unknown());
const Scheme = Type.String({ maxLength: 40 });
const ToolSlugs = Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { maxItems: 1000 });
const ToolAccessConfig = Type.Object({
  tools_for_connected_account_creation: Type.Optional(
    Type.Array(Type.String(), { description: "Tools whose scopes an OAuth config requests (replaces the config's scopes unless credentials.scopes is given)" }),
  ),
  tools_available_for_execution: Type.Optional(
    Type.Array(Type.String(), { description: "Only these tools run with the config's accounts; empty or absent = all" }),
  ),
});
const ToolAccessIn = Type.Object({
  tools_for_connected_account_creation: Type.Optional(ToolSlugs),
  tools_available_for_execution: Type.Optional(ToolSlugs),
});
const RestrictTo = Type.Optional(ToolSlugs);
const Scopes = Type.Optional(Type.Union([Type.String({ maxLength: 4096 }), Type.Array(Type.String({ maxLength: 512 }), { maxItems: 200 })]));
const ToolRouterFlag = Type.Optional(Type.Boolean({ description: 'false: tool-router sessions do not use this config (its accounts or its links)' }));
const ReconnectIdentityFlag = Type.Optional(
  Type.Boolean({
    description:
      'authlink extension (OAUTH2 only). true: reconnecting an account (POST /connected_accounts/{id}/refresh with redirect_url) may sign in as another provider identity than the one connected before; default false refuses it (error=identity_mismatch)',
  }),
);
// Fields of Composio's request that authlink does not implement: declared so a
// request carrying one is refused by name instead of silently dropped.
const NotSupported = {
  shared_credentials: Type.Optional(Type.Unknown({ description: 'Not supported by authlink: a request carrying it is refused (400)' })),
};
const ProxyConfig = Type.Object(
  {
    proxy_url: Type.String({
      maxLength: 2048,
      description: 'http(s)://host[:port] of the proxy; a private address only where AUTHLINK_PROXY_ALLOW_PRIVATE allows it',
    }),
    proxy_auth_key: Type.Optional(
      Type.String({ maxLength: 4096, description: 'Sent to the proxy as Proxy-Authorization: Bearer <key> (stored encrypted, shown masked)' }),
    ),
  },
  {
    description:
      "Calls made with this config's accounts (proxy, tools) leave through this HTTP(S) proxy (CONNECT); the SSRF guard still checks the final target",
  },
);

/** A 400 naming every field of NotSupported the request carries. */
function refuseUnsupported(body: Record<string, unknown> | undefined, at: string): void {
  const given = Object.keys(NotSupported).filter((k) => body?.[k] !== undefined && body[k] !== null);
  if (given.length) {
    throw new ApiError('ValidationFailed', `Not supported by authlink: ${given.map((k) => `${at}${k}`).join(', ')}`, {
      errors: given.map((k) => `${at}${k}: not supported by authlink; leave it out`),
    });
  }
}

const AuthConfig = Type.Object({
  id: Type.String(),
  uuid: Type.String(),
  type: StringEnum(['default', 'custom']),
  toolkit: Type.Object({ slug: Type.String(), logo: Type.String() }),
  name: Type.String(),
  auth_scheme: Type.String(),
  is_composio_managed: Type.Boolean(),
  credentials: Credentials,
  status: StringEnum(['ENABLED', 'DISABLED']),
  created_at: Type.String(),
  last_updated_at: Type.String(),
  no_of_connections: Type.Integer(),
  expected_input_fields: Type.Array(Type.Unknown()),
  restrict_to_following_tools: Type.Array(Type.String(), { description: 'Same list as tool_access_config.tools_available_for_execution (older name)' }),
  tool_access_config: ToolAccessConfig,
  is_enabled_for_tool_router: Type.Boolean(),
  allow_reconnect_as_other_identity: Type.Boolean({
    description: 'authlink extension: whether a reconnect may sign in as another provider identity than the one connected before',
  }),
  proxy_config: Type.Union([Type.Object({ proxy_url: Type.String(), proxy_auth_key: Type.Optional(Type.String({ description: 'masked' })) }), Type.Null()]),
});

const IdParams = Type.Object({ nanoid: Type.String({ minLength: 1, maxLength: 64 }) });

const CreateBody = Type.Object({
  toolkit: Type.Object({ slug: Type.String({ minLength: 1, maxLength: 100 }) }),
  auth_config: Type.Optional(
    Type.Object({
      type: StringEnum(['use_composio_managed_auth', 'use_custom_auth']),
      authScheme: Type.Optional(Scheme),
      name: Type.Optional(Type.String({ maxLength: 200 })),
      credentials: Type.Optional(Credentials),
      restrict_to_following_tools: RestrictTo,
      tool_access_config: Type.Optional(ToolAccessIn),
      is_enabled_for_tool_router: ToolRouterFlag,
      allow_reconnect_as_other_identity: ReconnectIdentityFlag,
      proxy_config: Type.Optional(Type.Union([ProxyConfig, Type.Null()])),
      ...NotSupported,
    }),
  ),
});

const PatchBody = Type.Object({
  type: Type.Optional(StringEnum(['custom', 'default'])),
  name: Type.Optional(Type.String({ maxLength: 200 })),
  credentials: Type.Optional(Credentials),
  scopes: Type.Optional(
    Type.Union([Scopes, Type.Null()], { description: "A managed (type default) config's scopes; custom configs put them in credentials.scopes" }),
  ),
  user_scopes: Type.Optional(Type.Union([Scopes, Type.Null()])),
  tool_access_config: Type.Optional(ToolAccessIn),
  restrict_to_following_tools: RestrictTo,
  is_enabled_for_tool_router: ToolRouterFlag,
  allow_reconnect_as_other_identity: ReconnectIdentityFlag,
  proxy_config: Type.Optional(Type.Union([ProxyConfig, Type.Null()], { description: 'null removes it' })),
  ...NotSupported,
});

export function registerAuthConfigRoutes(api: ApiApp, services: Services, opts: RouteOptions): void {
  const { authConfigs, catalog } = services;
  const common = { hide: opts.hide, tags: ['auth_configs'] };

  async function view(row: AuthConfigRow, connections?: number) {
    return {
      id: row.id,
      uuid: row.id,
      type: row.is_composio_managed ? ('default' as const) : ('custom' as const),
      toolkit: { slug: row.toolkit_slug, logo: catalog.get(row.toolkit_slug)?.logo ?? '' },
      name: row.name,
      auth_scheme: row.auth_scheme,
      is_composio_managed: row.is_composio_managed === 1,
      credentials: authConfigs.publicCredentials(row),
      status: row.status as 'ENABLED' | 'DISABLED',
      created_at: row.created_at,
      last_updated_at: row.updated_at,
      no_of_connections: connections ?? (await services.store.accounts.countByAuthConfigs(row.project_id, [row.id])).get(row.id) ?? 0,
      expected_input_fields: [],
      restrict_to_following_tools: toolAccessOf(row).tools_available_for_execution ?? [],
      tool_access_config: toolAccessOf(row),
      is_enabled_for_tool_router: row.tool_router_enabled !== 0,
      allow_reconnect_as_other_identity: row.allow_reconnect_as_other_identity === 1,
      proxy_config: authConfigs.publicProxyConfig(row),
    };
  }

  api.post(
    '/auth_configs',
    {
      schema: {
        ...common,
        summary: 'Create an auth config',
        body: CreateBody,
        response: {
          201: Type.Object({
            toolkit: Type.Object({ slug: Type.String() }),
            auth_config: Type.Object({
              id: Type.String(),
              auth_scheme: Type.String(),
              is_composio_managed: Type.Boolean(),
              restrict_to_following_tools: Type.Array(Type.String()),
            }),
          }),
          ...errors(),
        },
      },
    },
    async (req, reply) => {
      const { projectId } = principalOf(req);
      const ac = req.body.auth_config ?? { type: 'use_composio_managed_auth' as const };
      refuseUnsupported(ac as Record<string, unknown>, 'auth_config.');
      const row = await authConfigs.create(projectId, {
        toolkitSlug: req.body.toolkit.slug,
        type: ac.type,
        authScheme: ac.authScheme,
        name: ac.name,
        credentials: ac.credentials ?? {},
        toolAccess: { tool_access_config: ac.tool_access_config, restrict_to_following_tools: ac.restrict_to_following_tools },
        isEnabledForToolRouter: ac.is_enabled_for_tool_router,
        allowReconnectAsOtherIdentity: ac.allow_reconnect_as_other_identity,
        proxyConfig: 'proxy_config' in ac ? ac.proxy_config : undefined,
      });
      reply.status(201);
      return {
        toolkit: { slug: row.toolkit_slug },
        auth_config: {
          id: row.id,
          auth_scheme: row.auth_scheme,
          is_composio_managed: row.is_composio_managed === 1,
          restrict_to_following_tools: toolAccessOf(row).tools_available_for_execution ?? [],
        },
      };
    },
  );

  api.get(
    '/auth_configs',
    {
      schema: {
        ...common,
        summary: 'List auth configs',
        querystring: Type.Object({
          toolkit_slug: Type.Optional(Type.String({ maxLength: 100 })),
          show_disabled: Type.Optional(Type.Boolean()),
          is_composio_managed: Type.Optional(Type.Boolean()),
          search: Type.Optional(Type.String({ maxLength: 200 })),
          cursor: Cursor,
          limit: Limit,
        }),
        response: {
          200: Type.Object({
            items: Type.Array(AuthConfig),
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
      const { projectId } = principalOf(req);
      const q = req.query;
      const limit = q.limit ?? 20;
      const page = await authConfigs.list(projectId, {
        toolkitSlug: q.toolkit_slug,
        showDisabled: q.show_disabled ?? false,
        search: q.search,
        isManaged: q.is_composio_managed,
        cursor: q.cursor,
        limit,
      });
      const counts = await services.store.accounts.countByAuthConfigs(
        projectId,
        page.items.map((r) => r.id),
      );
      return {
        items: await Promise.all(page.items.map((r) => view(r, counts.get(r.id) ?? 0))),
        next_cursor: page.nextCursor,
        total_pages: Math.max(1, Math.ceil(page.total / limit)),
        current_page: 1,
        total_items: page.total,
      };
    },
  );

  api.get(
    '/auth_configs/:nanoid',
    { schema: { ...common, summary: 'Get an auth config', params: IdParams, response: { 200: AuthConfig, ...errors(404) } } },
    async (req) => view(await authConfigs.getRow(principalOf(req).projectId, req.params.nanoid)),
  );

  api.patch(
    '/auth_configs/:nanoid',
    { schema: { ...common, summary: 'Update an auth config', params: IdParams, body: PatchBody, response: { 200: Type.Object({}), ...errors(404) } } },
    async (req) => {
      const b = req.body;
      refuseUnsupported(b as Record<string, unknown>, '');
      // Top-level scopes (a managed config's, in Composio's PATCH) go where a custom config's already go: credentials.scopes.
      const scopes = { ...(b.scopes != null ? { scopes: b.scopes } : {}), ...(b.user_scopes != null ? { user_scopes: b.user_scopes } : {}) };
      if (Object.keys(scopes).some((k) => b.credentials?.[k] !== undefined)) {
        throw new ApiError('ValidationFailed', 'Give scopes either at the top level or in credentials, not both', {
          errors: ['scopes: also given in credentials.scopes'],
        });
      }
      await authConfigs.update(principalOf(req).projectId, req.params.nanoid, {
        name: b.name,
        credentials: b.credentials || Object.keys(scopes).length ? { ...b.credentials, ...scopes } : undefined,
        toolAccess: { tool_access_config: b.tool_access_config, restrict_to_following_tools: b.restrict_to_following_tools },
        isEnabledForToolRouter: b.is_enabled_for_tool_router,
        allowReconnectAsOtherIdentity: b.allow_reconnect_as_other_identity,
        proxyConfig: b.proxy_config,
      });
      return {};
    },
  );

  api.patch(
    '/auth_configs/:nanoid/:status',
    {
      schema: {
        ...common,
        summary: 'Enable or disable an auth config',
        params: Type.Object({ nanoid: IdParams.properties.nanoid, status: StringEnum(['ENABLED', 'DISABLED']) }),
        response: { 200: Type.Object({}), ...errors(404) },
      },
    },
    async (req) => {
      await authConfigs.setStatus(principalOf(req).projectId, req.params.nanoid, req.params.status);
      return {};
    },
  );

  api.delete(
    '/auth_configs/:nanoid',
    {
      schema: {
        ...common,
        summary: 'Delete an auth config (its connected accounts become unusable)',
        params: IdParams,
        response: { 200: Type.Object({}), ...errors(404) },
      },
    },
    async (req) => {
      await authConfigs.remove(principalOf(req).projectId, req.params.nanoid);
      return {};
    },
  );
}
