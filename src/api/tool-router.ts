// Tool-router sessions (API.md "Tool-router sessions and proxy"). Request and
// response shapes follow the official client's v3.1 types; every field either
// takes effect or, where authlink has no such feature (the workbench, custom
// tools, permissions...), is refused by name (src/services/sessions.ts).
import { Type } from 'typebox';
import type { Services } from '../services/index.ts';
import { principalOf } from '../http/api-auth.ts';
import { ApiError } from '../errors.ts';
import { ProxyBody, ProxyResponse } from './proxy.ts';
import { AclConfig, LinkResponse } from './connected-accounts-link.ts';
import { Cursor, errors, StringEnum, type ApiApp, type RouteOptions } from './types.ts';

const Slug = Type.String({ minLength: 1, maxLength: 100, description: 'Toolkit slug, e.g. github' });
const Id = Type.String({ minLength: 1, maxLength: 64 });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);
const TAGS = ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const;
const Tag = StringEnum(TAGS);
const Names = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 1000 });
const TagFilterIn = Type.Union([Type.Array(Tag), Type.Object({ enable: Type.Optional(Type.Array(Tag)), disable: Type.Optional(Type.Array(Tag)) })]);
const SANDBOX = ['standard', 'medium', 'large', 'xlarge'] as const;
const AccountType = StringEnum(['PRIVATE', 'SHARED']);

const Toolkits = Type.Object(
  { enable: Type.Optional(Type.Array(Slug, { maxItems: 1000 })), disable: Type.Optional(Type.Array(Slug, { maxItems: 1000 })) },
  { description: 'Either enable (only these toolkits) or disable (all but these); not both' },
);
const AuthConfigs = Type.Record(Type.String({ maxLength: 100 }), Id, {
  description: 'Per toolkit, the auth config to use (also for links created through the session)',
});
const ConnectedAccounts = Type.Record(Type.String({ maxLength: 100 }), Type.Union([Id, Type.Array(Id, { maxItems: 10 })]), {
  description:
    'Per toolkit, the pinned connected account id(s): only these are used for the toolkit. One per toolkit unless multi_account.enable; at most one SHARED per toolkit (4347); a SHARED one only if its ACL lets the session user in',
});
const ManageConnections = Type.Object({
  enable: Type.Optional(Nullable(Type.Boolean())),
  callback_url: Type.Optional(Type.String({ maxLength: 2048, description: 'Default callback_url of links created through the session' })),
  enable_wait_for_connections: Type.Optional(Nullable(Type.Boolean())),
  enable_connection_removal: Type.Optional(Nullable(Type.Boolean())),
});
const Tools = Type.Record(
  Type.String({ maxLength: 100 }),
  Type.Object({ enable: Type.Optional(Names), disable: Type.Optional(Names), tags: Type.Optional(TagFilterIn) }),
);
const Workbench = Type.Object({
  enable: Type.Optional(Type.Boolean()),
  enable_proxy_execution: Type.Optional(Type.Boolean()),
  auto_offload_threshold: Type.Optional(Type.Integer({ minimum: 0 })),
  sandbox_size: Type.Optional(StringEnum(SANDBOX)),
});
const MultiAccount = Type.Object({
  enable: Type.Optional(Type.Boolean()),
  max_accounts_per_toolkit: Type.Optional(Type.Integer({ minimum: 2, maximum: 10, description: 'Pins allowed per toolkit with enable (default 5)' })),
  require_explicit_selection: Type.Optional(
    Type.Boolean({ description: 'With several usable accounts, fail and list them instead of using the most recently created one' }),
  ),
});
const Preload = Type.Object({ tools: Type.Optional(Type.Union([Names, Type.String({ description: '"all"' })])) });
const Search = Type.Object({ enable: Type.Optional(Type.Boolean()) });
const Execute = Type.Object({ enable_multi_execute: Type.Optional(Type.Boolean()) });
const Experimental = Type.Object(
  {
    assistive_prompt_config: Type.Optional(
      Type.Union([
        Type.Object({
          user_timezone: Type.Optional(
            Type.String({ maxLength: 64, description: "IANA time zone: COMPOSIO_SEARCH_TOOLS tells the agent the user's local time" }),
          ),
        }),
        Type.Null(),
      ]),
    ),
    custom_toolkits: Type.Optional(Type.Unknown({ description: 'Not supported by authlink: refused' })),
    custom_tools: Type.Optional(Type.Unknown({ description: 'Not supported by authlink: refused' })),
    permissions: Type.Optional(Type.Unknown({ description: 'Not supported by authlink: refused' })),
    link_url_overwrite: Type.Optional(Type.Unknown({ description: 'Not supported by authlink: refused' })),
  },
  { description: "Only assistive_prompt_config.user_timezone is supported; Composio's other experimental fields are refused by name" },
);
const PremiumUsage = Type.Unknown({ description: 'Not supported by authlink: refused unless false' });

const CreateBody = Type.Object({
  user_id: Type.String({ minLength: 1, maxLength: 256, description: 'The end user the session acts for' }),
  toolkits: Type.Optional(Toolkits),
  auth_configs: Type.Optional(AuthConfigs),
  connected_accounts: Type.Optional(ConnectedAccounts),
  manage_connections: Type.Optional(ManageConnections),
  tools: Type.Optional(Tools),
  tags: Type.Optional(TagFilterIn),
  workbench: Type.Optional(Workbench),
  multi_account: Type.Optional(MultiAccount),
  preload: Type.Optional(Preload),
  search: Type.Optional(Search),
  execute: Type.Optional(Execute),
  experimental: Type.Optional(Type.Union([Experimental, Type.Null()])),
  premium_usage: Type.Optional(PremiumUsage),
});

const PatchBody = Type.Object({
  config_version: Type.Optional(
    Type.Integer({
      minimum: 1,
      description: 'The version this change is based on; a stale one is refused with 409. Without it the change applies to the current version',
    }),
  ),
  expected_config_version: Type.Optional(
    Type.Integer({ minimum: 1, description: "What @composio/core's session.update() sends for config_version (same meaning; both given must agree)" }),
  ),
  user_id: Type.Optional(Type.String({ maxLength: 256, description: 'Cannot change; accepted when equal' })),
  toolkits: Type.Optional(Toolkits),
  auth_configs: Type.Optional(AuthConfigs),
  connected_accounts: Type.Optional(Nullable(ConnectedAccounts)),
  manage_connections: Type.Optional(Nullable(ManageConnections)),
  tools: Type.Optional(Tools),
  tags: Type.Optional(TagFilterIn),
  workbench: Type.Optional(Nullable(Workbench)),
  multi_account: Type.Optional(Nullable(MultiAccount)),
  preload: Type.Optional(Preload),
  search: Type.Optional(Search),
  execute: Type.Optional(Execute),
  experimental: Type.Optional(Type.Union([Experimental, Type.Null()])),
  premium_usage: Type.Optional(PremiumUsage),
});

const Strings = Type.Array(Type.String());
const TagFilter = Type.Object({ enabled: Type.Optional(Strings), disabled: Type.Optional(Strings) });
const Config = Type.Object({
  user_id: Type.String(),
  toolkits: Type.Optional(Type.Union([Type.Object({ enabled: Strings }), Type.Object({ disabled: Strings })])),
  auth_configs: Type.Optional(Type.Record(Type.String(), Type.String())),
  connected_accounts: Type.Optional(Type.Record(Type.String(), Strings)),
  manage_connections: Type.Optional(
    Type.Object({
      enabled: Type.Optional(Type.Boolean()),
      callback_url: Type.Optional(Type.String()),
      enable_wait_for_connections: Type.Optional(Type.Boolean()),
      enable_connection_removal: Type.Optional(Type.Boolean()),
    }),
  ),
  tools: Type.Optional(
    Type.Record(Type.String(), Type.Union([Type.Object({ enabled: Strings }), Type.Object({ disabled: Strings }), Type.Object({ tags: TagFilter })])),
  ),
  tags: Type.Optional(TagFilter),
  workbench: Type.Optional(
    Type.Object({
      enable: Type.Optional(Type.Boolean()),
      proxy_execution_enabled: Type.Optional(Type.Boolean()),
      auto_offload_threshold: Type.Optional(Type.Integer()),
      sandbox_size: Type.Optional(Type.String()),
    }),
  ),
  multi_account: Type.Optional(
    Type.Object({
      enable: Type.Optional(Type.Boolean()),
      max_accounts_per_toolkit: Type.Optional(Type.Integer()),
      require_explicit_selection: Type.Optional(Type.Boolean()),
    }),
  ),
  preload: Type.Object({ tools: Type.Union([Strings, Type.Literal('all')]) }),
  search: Type.Object({ enable: Type.Optional(Type.Boolean()) }),
  execute: Type.Object({ enable_multi_execute: Type.Optional(Type.Boolean()) }),
});
const Session = Type.Object({
  session_id: Type.String(),
  mcp: Type.Object({
    type: StringEnum(['http']),
    url: Type.String({ description: "The session's MCP server (Streamable HTTP); send the project API key in x-api-key" }),
  }),
  tool_router_tools: Type.Array(Type.String(), {
    description: "The session's meta tools (COMPOSIO_SEARCH_TOOLS, ...), served by its MCP server and execute_meta",
  }),
  config: Config,
  config_version: Type.Integer({ description: 'Incremented by every PATCH' }),
});

const Params = Type.Object({ session_id: Type.String({ minLength: 1, maxLength: 64 }) });

const ToolkitsQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 20 })),
  cursor: Cursor,
  toolkits: Type.Optional(
    Type.Array(Type.String({ maxLength: 2000 }), {
      maxItems: 100,
      description: 'Only these toolkits (repeat or comma-separate); also shows ones the session does not enable',
    }),
  ),
  is_connected: Type.Optional(Type.Boolean()),
  search: Type.Optional(Type.String({ maxLength: 200 })),
});
const ToolkitItem = Type.Object({
  name: Type.String(),
  slug: Type.String(),
  enabled: Type.Boolean({ description: 'Whether the session reaches this toolkit' }),
  is_no_auth: Type.Boolean(),
  composio_managed_auth_schemes: Strings,
  meta: Type.Object({ logo: Type.String(), description: Type.String() }),
  connected_account: Type.Union(
    [
      Type.Object({
        id: Type.String(),
        user_id: Type.String(),
        alias: Type.Union([Type.String(), Type.Null()]),
        account_type: AccountType,
        status: Type.String(),
        created_at: Type.String(),
        auth_config: Type.Object({ id: Type.String(), auth_scheme: Type.String(), is_composio_managed: Type.Boolean() }),
      }),
      Type.Null(),
    ],
    { description: 'The account the session would use for this toolkit; null when none' },
  ),
  error: Type.Union([Type.Object({ message: Type.String(), code: Type.Integer(), slug: Type.String(), errors: Type.Optional(Strings) }), Type.Null()], {
    description: 'Why no account can be used (disabled toolkit, bad pin, choice required...); null when one is used or the user has simply not connected one',
  }),
});
const ToolkitsPage = Type.Object({
  items: Type.Array(ToolkitItem),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
  total_pages: Type.Integer(),
  current_page: Type.Integer(),
  total_items: Type.Integer(),
});

const LinkBody = Type.Object({
  toolkit: Slug,
  alias: Type.Optional(Type.String({ maxLength: 200 })),
  callback_url: Type.Optional(Type.String({ maxLength: 2048, description: "Defaults to the session's manage_connections.callback_url" })),
  experimental: Type.Optional(Type.Object({ account_type: Type.Optional(AccountType), acl_config_for_shared: Type.Optional(AclConfig) })),
});

const { connected_account_id: _pinnedByProxyRoute, ...proxyFields } = ProxyBody.properties;
const ProxyExecuteBody = Type.Object({
  toolkit_slug: Type.Optional(Slug),
  toolkit: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: 'Same as toolkit_slug' })),
  ...proxyFields,
  connected_account_id: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 64,
      description: "Choose among the session's usable accounts for the toolkit (see multi_account.require_explicit_selection)",
    }),
  ),
  custom_connection_data: Type.Optional(Type.Unknown({ description: 'Not supported by authlink' })),
});

const tags = ['tool_router'];

export function registerToolRouterRoutes(api: ApiApp, services: Services, opts: RouteOptions): void {
  const { sessions } = services;
  const base = '/tool_router/session';

  api.post(
    base,
    { schema: { hide: opts.hide, tags, summary: 'Create a tool-router session', body: CreateBody, response: { 201: Session, ...errors(403, 404) } } },
    async (req, reply) => {
      const body = req.body;
      const view = await sessions.create(principalOf(req).projectId, body);
      reply.status(201);
      return view;
    },
  );

  api.get(
    `${base}/:session_id`,
    { schema: { hide: opts.hide, tags, summary: 'Get a tool-router session', params: Params, response: { 200: Session, ...errors(404) } } },
    async (req) => sessions.get(principalOf(req).projectId, req.params.session_id),
  );

  api.delete(
    `${base}/:session_id`,
    {
      schema: {
        hide: opts.hide,
        tags,
        summary: 'Delete a tool-router session (every route of it answers 404 afterwards)',
        params: Params,
        response: { 200: Type.Object({ session_id: Type.String(), deleted: Type.Literal(true) }), ...errors(404) },
      },
    },
    async (req) => {
      await sessions.remove(principalOf(req).projectId, req.params.session_id);
      return { session_id: req.params.session_id, deleted: true as const };
    },
  );

  api.patch(
    `${base}/:session_id`,
    {
      schema: {
        hide: opts.hide,
        tags,
        summary: "Change a session's config (optimistic concurrency on config_version)",
        params: Params,
        body: PatchBody,
        response: { 200: Session, ...errors(403, 404, 409) },
      },
    },
    async (req) => {
      const { expected_config_version: expected, ...body } = req.body;
      if (expected !== undefined && body.config_version !== undefined && expected !== body.config_version) {
        throw new ApiError('ValidationFailed', 'config_version and expected_config_version disagree', {
          errors: ['expected_config_version: differs from config_version (send one of them)'],
        });
      }
      return sessions.patch(principalOf(req).projectId, req.params.session_id, { ...body, config_version: body.config_version ?? expected });
    },
  );

  api.get(
    `${base}/:session_id/toolkits`,
    {
      schema: {
        hide: opts.hide,
        tags,
        summary: 'Toolkits of a session, each with the account the session would use',
        params: Params,
        querystring: ToolkitsQuery,
        response: { 200: ToolkitsPage, ...errors(404) },
      },
    },
    async (req) => sessions.toolkits(principalOf(req).projectId, req.params.session_id, { ...req.query, limit: req.query.limit ?? 20 }),
  );

  api.post(
    `${base}/:session_id/link`,
    {
      schema: {
        hide: opts.hide,
        tags,
        summary: "Create an auth link for the session's user",
        params: Params,
        body: LinkBody,
        response: { 201: LinkResponse, ...errors(404, 409, 422) },
      },
    },
    async (req, reply) => {
      const result = await sessions.link(principalOf(req).projectId, req.params.session_id, req.body);
      reply.status(201);
      return { ...result, experimental: { account_type: result.account_type } };
    },
  );

  api.post(
    `${base}/:session_id/proxy_execute`,
    {
      schema: {
        hide: opts.hide,
        tags,
        summary: "Call a toolkit's API with the account the session resolves for it",
        params: Params,
        body: ProxyExecuteBody,
        response: { 200: ProxyResponse, ...errors(403, 404, 409, 422, 502, 504) },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const toolkit = b.toolkit_slug ?? b.toolkit;
      if (!toolkit) throw new ApiError('ValidationFailed', 'toolkit_slug is required', { errors: ['toolkit_slug: is required'] });
      if (b.toolkit_slug && b.toolkit && b.toolkit_slug.toLowerCase() !== b.toolkit.toLowerCase()) {
        throw new ApiError('ValidationFailed', 'toolkit and toolkit_slug disagree', { errors: ['toolkit: differs from toolkit_slug'] });
      }
      if (b.custom_connection_data !== undefined) {
        throw new ApiError('BadRequest', 'custom_connection_data is not supported by authlink', {
          suggestedFix: "Connect the account first; the session uses the toolkit's connected account",
        });
      }
      const { result, connectedAccountId } = await sessions.proxyExecute(principalOf(req).projectId, req.params.session_id, {
        toolkit,
        endpoint: b.endpoint,
        method: b.method,
        body: b.body,
        binaryBody: b.binary_body,
        parameters: b.parameters,
        connectedAccountId: b.connected_account_id,
      });
      // Which account was used, without touching the provider's headers in the body.
      reply.header('x-authlink-connected-account-id', connectedAccountId);
      return result;
    },
  );
}
