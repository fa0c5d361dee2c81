// Tools (API.md "Tools"): GET /tools, /tools/enum, /tools/{slug},
// POST /tools/execute/{slug}, /tools/scopes/required, and a session's
// GET .../tools, POST .../search and POST .../execute. Shapes follow the
// official client's v3.1 types; logic is in src/tools/service.ts.
import { Type } from 'typebox';
import type { Services } from '../services/index.ts';
import { principalOf } from '../http/api-auth.ts';
import { isMetaToolSlug } from '../services/router-tools.ts';
import { Cursor, errors, type ApiApp, type RouteOptions } from './types.ts';
import { metaToolView } from '../mcp/meta-view.ts';
import { pageOf } from '../services/pages.ts';

const tags = ['tools'];
const Obj = Type.Record(Type.String(), Type.Unknown());
const Strings = Type.Array(Type.String());

const Tool = Type.Object({
  slug: Type.String({ description: 'e.g. GITHUB_CREATE_AN_ISSUE' }),
  name: Type.String(),
  description: Type.String(),
  toolkit: Type.Object({ slug: Type.String(), name: Type.String(), logo: Type.String() }),
  input_parameters: Type.Record(Type.String(), Type.Unknown(), { description: 'JSON Schema (draft 2020-12) of the arguments' }),
  output_parameters: Type.Record(Type.String(), Type.Unknown(), { description: 'JSON Schema of data in a successful result' }),
  no_auth: Type.Boolean(),
  available_versions: Strings,
  version: Type.String({ description: 'authlink keeps one version of each tool; any version asked for is accepted' }),
  scopes: Type.Array(Type.String(), { description: 'OAuth scopes the call needs' }),
  scope_requirements: Type.Union([Type.Object({ all_of: Strings }), Type.Null()]),
  tags: Type.Array(Type.String(), { description: "The tool's tags plus the MCP hint tags (readOnlyHint, destructiveHint, idempotentHint, openWorldHint)" }),
  is_deprecated: Type.Boolean(),
  deprecated: Type.Object({
    displayName: Type.String(),
    version: Type.String(),
    available_versions: Strings,
    is_deprecated: Type.Boolean(),
    toolkit: Type.Object({ logo: Type.String() }),
  }),
});

const ToolPage = Type.Object({
  items: Type.Array(Tool),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
  total_pages: Type.Integer(),
  current_page: Type.Integer(),
  total_items: Type.Integer(),
});

const List = Type.Array(Type.String({ maxLength: 2000 }), { maxItems: 100, description: 'Repeat or comma-separate' });
const ListQuery = Type.Object({
  toolkit_slug: Type.Optional(Type.String({ maxLength: 2000, description: 'Toolkit slug(s), comma-separated' })),
  tool_slugs: Type.Optional(Type.String({ maxLength: 20000, description: 'Tool slugs, comma-separated; overrides the other filters' })),
  auth_config_ids: Type.Optional(List),
  important: Type.Optional(Type.Boolean({ description: "Only the toolkits' most used tools (a toolkit marking none counts all)" })),
  tags: Type.Optional(List),
  scopes: Type.Optional(List),
  query: Type.Optional(Type.String({ maxLength: 1000, description: 'Words to rank and filter tools by' })),
  search: Type.Optional(Type.String({ maxLength: 1000, description: 'Older name of query' })),
  include_deprecated: Type.Optional(Type.Boolean()),
  toolkit_versions: Type.Optional(Type.String({ description: 'Accepted and ignored (one version of each tool)' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, description: 'Page size (at most 1000 are returned)' })),
  cursor: Cursor,
});

const SlugParams = Type.Object({ tool_slug: Type.String({ minLength: 1, maxLength: 128 }) });

const ExecuteBody = Type.Object({
  connected_account_id: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'The account to run with' })),
  user_id: Type.Optional(
    Type.String({ minLength: 1, maxLength: 256, description: 'The user whose own account runs the tool (or who uses a SHARED connected_account_id)' }),
  ),
  entity_id: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'Older name of user_id' })),
  arguments: Type.Optional(Obj),
  text: Type.Optional(Type.String({ description: 'Not supported by authlink (400): pass arguments' })),
  version: Type.Optional(Type.String({ maxLength: 64, description: 'Accepted; authlink has one version of each tool' })),
  custom_auth_params: Type.Optional(Type.Unknown({ description: 'Not supported by authlink' })),
  custom_connection_data: Type.Optional(Type.Unknown({ description: 'Not supported by authlink' })),
  allow_tracing: Type.Optional(Type.Union([Type.Boolean(), Type.Null()])),
});

const Result = Type.Object({
  data: Type.Record(Type.String(), Type.Unknown(), {
    description: 'The projected provider answer; on failure {status, body} (or {error_code} when the provider was not reached)',
  }),
  error: Type.Union([Type.String(), Type.Null()], { description: '"<status>: <provider message>" on failure' }),
  successful: Type.Boolean(),
  log_id: Type.String({ description: 'The request id (x-request-id) of this call' }),
});

const SessionParams = Type.Object({ session_id: Type.String({ minLength: 1, maxLength: 64 }) });

const SearchBody = Type.Object({
  queries: Type.Array(
    Type.Object({
      use_case: Type.String({ minLength: 1, maxLength: 1024, description: 'The task to find tools for' }),
      known_fields: Type.Optional(Type.String({ maxLength: 500 })),
    }),
    { minItems: 1, maxItems: 20 },
  ),
  toolkits: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 100, description: 'Only these toolkits' })),
  model: Type.Optional(Type.String({ maxLength: 200, description: 'Accepted and ignored' })),
  experimental: Type.Optional(Type.Unknown({ description: 'Inline custom tools: accepted and ignored by authlink' })),
});

const SearchResult = Type.Object({
  success: Type.Boolean(),
  error: Type.Union([Type.String(), Type.Null()]),
  results: Type.Array(
    Type.Object({
      index: Type.Integer(),
      use_case: Type.String(),
      primary_tool_slugs: Strings,
      related_tool_slugs: Strings,
      toolkits: Strings,
      error: Type.Union([Type.String(), Type.Null()]),
    }),
  ),
  toolkit_connection_statuses: Type.Array(
    Type.Object({
      toolkit: Type.String(),
      description: Type.String(),
      has_active_connection: Type.Boolean(),
      connection_details: Type.Optional(Obj),
      account_type: Type.Optional(Type.String()),
      status_message: Type.String(),
    }),
  ),
  tool_schemas: Type.Record(
    Type.String(),
    Type.Object({ toolkit: Type.String(), tool_slug: Type.String(), description: Type.String(), input_schema: Obj, hasFullSchema: Type.Boolean() }),
  ),
  time_info: Type.Object({
    current_time_utc: Type.String(),
    current_time_utc_epoch_seconds: Type.Integer(),
    user_timezone: Type.Optional(Type.String({ description: "The session's experimental.assistive_prompt_config.user_timezone" })),
    current_time_local: Type.Optional(Type.String({ description: 'YYYY-MM-DD HH:MM:SS in user_timezone' })),
    message: Type.String(),
  }),
  session: Type.Object({ id: Type.String(), generate_id: Type.Boolean(), instructions: Type.String() }),
  next_steps_guidance: Strings,
});

const SessionExecuteBody = Type.Object({
  tool_slug: Type.String({ minLength: 1, maxLength: 128 }),
  arguments: Type.Optional(Obj),
  account: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "A connected account id or alias among the session's usable ones" })),
  enable_auto_workbench_offload: Type.Optional(Type.Boolean({ description: 'Accepted and ignored' })),
  experimental: Type.Optional(Type.Unknown({ description: 'Inline custom tools: accepted and ignored by authlink' })),
});

/** "a,b" and ["a", "b,c"] alike. */
const split = (v: string | string[] | undefined) =>
  (Array.isArray(v) ? v : v === undefined ? [] : [v])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean);

export function registerToolRoutes(api: ApiApp, services: Services, opts: RouteOptions): void {
  const { tools } = services;
  const hide = opts.hide;

  api.get(
    '/tools',
    {
      schema: {
        hide,
        tags,
        summary: 'List tools (filter by toolkit, slugs, words, tags, scopes, auth configs)',
        querystring: ListQuery,
        response: { 200: ToolPage, ...errors() },
      },
    },
    async (req) => {
      const q = req.query;
      return tools.list(principalOf(req).projectId, {
        toolkitSlugs: split(q.toolkit_slug),
        toolSlugs: split(q.tool_slugs),
        authConfigIds: split(q.auth_config_ids),
        important: q.important,
        tags: split(q.tags),
        scopes: split(q.scopes),
        query: q.query ?? q.search,
        includeDeprecated: q.include_deprecated,
        limit: Math.min(q.limit ?? 20, 1000),
        cursor: q.cursor,
      });
    },
  );

  api.get('/tools/enum', { schema: { hide, tags, summary: 'Every tool slug', response: { 200: Strings, ...errors() } } }, async () => tools.enumSlugs());

  api.get(
    '/tools/:tool_slug',
    {
      schema: {
        hide,
        tags,
        summary: 'Get a tool',
        params: SlugParams,
        querystring: Type.Object({ version: Type.Optional(Type.String({ maxLength: 64 })), toolkit_versions: Type.Optional(Type.String()) }),
        response: { 200: Tool, ...errors(404) },
      },
    },
    async (req) => tools.get(req.params.tool_slug),
  );

  api.post(
    '/tools/scopes/required',
    {
      schema: {
        hide,
        tags,
        summary: 'The OAuth scopes some tools of one toolkit need',
        body: Type.Object({
          tools: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: 1000 }),
          version: Type.Optional(Type.String()),
        }),
        response: {
          200: Type.Object({
            scopes_required: Strings,
            per_tool_requirements: Type.Array(
              Type.Object({ tool: Type.String(), scope_requirements: Type.Union([Type.Object({ all_of: Strings }), Type.Null()]) }),
            ),
          }),
          ...errors(404),
        },
      },
    },
    async (req) => tools.scopesRequired(req.body.tools),
  );

  api.post(
    '/tools/execute/:tool_slug',
    {
      schema: {
        hide,
        tags,
        summary: 'Execute a tool with a connected account',
        params: SlugParams,
        body: ExecuteBody,
        response: { 200: Result, ...errors(403, 404, 409, 422) },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const result = await tools.execute(
        principalOf(req).projectId,
        req.params.tool_slug,
        {
          userId: b.user_id ?? b.entity_id,
          connectedAccountId: b.connected_account_id,
          arguments: b.arguments,
          text: b.text,
          version: b.version,
          customAuthParams: b.custom_auth_params,
          customConnectionData: b.custom_connection_data,
        },
        req.id,
      );
      reply.header('x-authlink-connected-account-id', result.connected_account_id);
      const { connected_account_id: _inHeader, ...body } = result;
      return body;
    },
  );

  const session = '/tool_router/session/:session_id';
  const sessionTags = ['tool_router'];

  api.get(
    `${session}/tools`,
    {
      schema: {
        hide,
        tags: sessionTags,
        summary: "The tools a session hands an agent: the meta tools (as Composio's tool router), then its preloaded tools when preload.tools is set",
        params: SessionParams,
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), cursor: Cursor }),
        response: { 200: ToolPage, ...errors(404) },
      },
    },
    async (req) => {
      const { projectId } = principalOf(req);
      const id = req.params.session_id;
      const config = await services.sessions.config(projectId, id);
      const direct = await services.meta.directTools(projectId, id, config);
      return pageOf([...services.meta.definitions(config).map(metaToolView), ...direct.map(tools.view)], req.query.limit ?? 500, req.query.cursor);
    },
  );

  api.post(
    `${session}/search`,
    {
      schema: {
        hide,
        tags: sessionTags,
        summary: "Find a session's tools for tasks described in words",
        params: SessionParams,
        body: SearchBody,
        response: { 200: SearchResult, ...errors(404) },
      },
    },
    async (req) => tools.sessionSearch(principalOf(req).projectId, req.params.session_id, { queries: req.body.queries, toolkits: req.body.toolkits }),
  );

  api.post(
    `${session}/execute`,
    {
      schema: {
        hide,
        tags: sessionTags,
        summary: "Execute one of a session's tools with the account the session resolves for its toolkit",
        params: SessionParams,
        body: SessionExecuteBody,
        response: { 200: Result, ...errors(403, 404, 409, 422) },
      },
    },
    async (req, reply) => {
      // Composio's SDK runs the meta tools it got from session.tools() through this route too.
      if (isMetaToolSlug(req.body.tool_slug)) {
        const r = await services.meta.execute(principalOf(req).projectId, req.params.session_id, req.body.tool_slug, req.body.arguments, {
          logId: req.id,
          onUnexpected: (err) => req.log.error({ err }, 'meta tool call failed'),
        });
        return { data: r.data, error: r.error, successful: r.successful, log_id: req.id };
      }
      const result = await tools.sessionExecute(
        principalOf(req).projectId,
        req.params.session_id,
        { toolSlug: req.body.tool_slug, arguments: req.body.arguments, account: req.body.account },
        req.id,
      );
      reply.header('x-authlink-connected-account-id', result.connected_account_id);
      const { connected_account_id: _inHeader, ...body } = result;
      return body;
    },
  );
}
