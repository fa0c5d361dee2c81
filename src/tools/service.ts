// The tool service: list, search, get and execute tools for a project
// (GET /tools, POST /tools/execute/{slug}...) and for a tool-router session
// (its tools filters, its account rules). Routes (src/api/tools.ts) and the
// session MCP server call this; nothing here knows about HTTP.
import { ApiError } from '../errors.ts';
import { pageOf } from '../services/pages.ts';
import type { Proxy } from '../proxy/execute.ts';
import type { UsableAccount } from '../proxy/types.ts';
import type { AccountRow } from '../store/accounts.ts';
import type { SessionConfig, SessionService } from '../services/sessions.ts';
import type { AuthConfigRow } from '../store/auth-configs.ts';
import type { Store } from '../store/store.ts';
import type { Catalog } from '../toolkits/catalog.ts';
import { authConfigAllows, hintTags, sessionAllowsTool } from './access.ts';
import { accountForTool, type AccountChoice } from './accounts.ts';
import type { LoadedTool, ToolCatalog } from './catalog.ts';
import { newLogId, prepareRequest, sendTool, type ToolResult } from './execute.ts';
import { rankTools } from './search.ts';
import { toolView, type ToolView } from './view.ts';

export interface ToolListQuery {
  toolkitSlugs?: string[];
  /** Only these tools (overrides the other filters). */
  toolSlugs?: string[];
  query?: string;
  /** Tools carrying any of these tags (the file's tags or the hint tags). */
  tags?: string[];
  /** Tools needing any of these scopes. */
  scopes?: string[];
  important?: boolean;
  /** Tools that these auth configs' accounts may run (their toolkits, their tool_access_config). */
  authConfigIds?: string[];
  includeDeprecated?: boolean;
  limit: number;
  cursor?: string;
}

export interface ToolPage {
  items: ToolView[];
  next_cursor: string | null;
  total_pages: number;
  current_page: number;
  total_items: number;
}

export interface ExecuteInput extends AccountChoice {
  arguments?: Record<string, unknown>;
  text?: string;
  /** Accepted and ignored: authlink has one version of each tool (view.ts). */
  version?: string;
  customAuthParams?: unknown;
  customConnectionData?: unknown;
}

export interface SessionExecuteInput {
  toolSlug: string;
  arguments?: Record<string, unknown>;
  /** A connected account id or alias among the session's usable ones. */
  account?: string;
}

export interface SessionSearchInput {
  queries: Array<{ use_case: string; known_fields?: string }>;
  toolkits?: string[];
}

/** What a search answer tells its reader to do next: the REST routes by default, the meta tools for an agent (src/mcp/meta-tools.ts). */
export interface SearchGuidance {
  /** The status message of a toolkit the user has no account for. */
  notConnected(toolkit: string): string;
  instructions: string;
  nextSteps: string[];
}

const uniq = <T>(xs: T[]) => [...new Set(xs)];
const upper = (s: string) => s.trim().toUpperCase();

function invalid(field: string, message: string): ApiError {
  return new ApiError('ValidationFailed', `${field}: ${message}`, { errors: [`${field}: ${message}`] });
}

/** Now, for an agent: UTC, and the user's local time when the session knows their zone (experimental.assistive_prompt_config). */
function timeInfo(now: Date, zone: string | undefined) {
  const utc = { current_time_utc: now.toISOString(), current_time_utc_epoch_seconds: Math.floor(now.getTime() / 1000) };
  if (!zone) return { ...utc, message: 'Times are UTC; ask the user for their time zone when it matters.' };
  const local = new Intl.DateTimeFormat('sv-SE', { timeZone: zone, dateStyle: 'short', timeStyle: 'medium' }).format(now);
  return { ...utc, user_timezone: zone, current_time_local: local, message: `The user is in ${zone}; use their local time for dates and times they mention.` };
}

export function createToolService(deps: {
  store: Store;
  catalog: Catalog;
  tools: ToolCatalog;
  proxy: Pick<Proxy, 'execute'>;
  /** Checks the account a tool call chose and opens its credentials (services/credential-source.ts). */
  credentials: { usableFrom(row: AccountRow): Promise<UsableAccount> };
  sessions: SessionService;
  now: () => Date;
}) {
  const { store, tools } = deps;
  const view = (t: LoadedTool) => toolView(t, deps.catalog.get(t.toolkit));

  function find(slug: string): LoadedTool {
    const tool = tools.get(slug.trim());
    if (!tool)
      throw new ApiError('ToolNotFound', `Tool ${slug} not found`, {
        suggestedFix: 'List tools with GET /api/v3.1/tools (e.g. ?toolkit_slug=github) or GET /api/v3.1/tools/enum',
      });
    return tool;
  }

  /** important=true: the tools marked important; a toolkit that marks none counts all of its tools. */
  function important(tool: LoadedTool): boolean {
    return tool.def.important === true || !tools.forToolkit(tool.toolkit).some((t) => t.def.important === true);
  }

  function refusedByAuthConfig(tool: LoadedTool, ac: AuthConfigRow): ApiError {
    return new ApiError('ToolNotAllowedByAuthConfig', `Tool ${tool.def.slug} is not allowed by auth config ${ac.id}: it is not in its tool_access_config`, {
      suggestedFix: `Add ${tool.def.slug} to tool_access_config.tools_available_for_execution with PATCH /api/v3.1/auth_configs/${ac.id}, or use another auth config`,
    });
  }

  async function filterByAuthConfigs(projectId: string, list: LoadedTool[], ids: string[]): Promise<LoadedTool[]> {
    const rows = (await Promise.all(uniq(ids).map((id) => store.authConfigs.get(projectId, id)))).filter((r): r is AuthConfigRow => !!r);
    return list.filter((t) => rows.some((ac) => ac.toolkit_slug === t.toolkit && authConfigAllows(ac, t.def.slug)));
  }

  /** What a session offers: its toolkits, tools and tags filters, the auth config it names for a toolkit, and its preload list when it has one. */
  async function sessionTools(projectId: string, config: SessionConfig): Promise<LoadedTool[]> {
    let list = tools.list().filter((t) => sessionAllowsTool(config, t));
    const pinnedConfigs = Object.values(config.auth_configs ?? {});
    if (pinnedConfigs.length) {
      const rows = new Map<string, AuthConfigRow | undefined>();
      for (const [toolkit, id] of Object.entries(config.auth_configs ?? {})) rows.set(toolkit, await store.authConfigs.get(projectId, id));
      list = list.filter((t) => {
        const ac = rows.get(t.toolkit);
        return !ac || authConfigAllows(ac, t.def.slug);
      });
    }
    const preload = config.preload?.tools;
    if (Array.isArray(preload) && preload.length) {
      const wanted = new Set(preload.map(upper));
      list = list.filter((t) => wanted.has(t.def.slug));
    }
    return list;
  }

  function sessionToolOrThrow(sessionId: string, config: SessionConfig, slug: string): LoadedTool {
    const tool = find(slug);
    if (!sessionAllowsTool(config, tool)) {
      throw new ApiError('SessionToolNotEnabled', `Tool ${tool.def.slug} is not enabled in tool router session ${sessionId}`, {
        suggestedFix: `The session's toolkits, tools and tags filters leave it out; change them with PATCH /api/v3.1/tool_router/session/${sessionId}`,
      });
    }
    return tool;
  }

  return {
    find,
    view,
    /** How many tools a toolkit has (toolkit listings' tools_count). */
    countForToolkit: (toolkit: string) => tools.forToolkit(toolkit).length,

    async list(projectId: string, q: ToolListQuery): Promise<ToolPage> {
      let list: LoadedTool[];
      if (q.toolSlugs?.length) {
        list = uniq(q.toolSlugs.map(upper))
          .map((s) => tools.get(s))
          .filter((t): t is LoadedTool => !!t);
      } else {
        list = [...tools.list()];
        if (q.toolkitSlugs?.length) {
          const wanted = new Set(q.toolkitSlugs.map((s) => s.trim().toLowerCase()));
          list = list.filter((t) => wanted.has(t.toolkit));
        }
        if (!q.includeDeprecated) list = list.filter((t) => !t.def.deprecated);
        if (q.important) list = list.filter(important);
        if (q.tags?.length) {
          const wanted = new Set(q.tags.map((s) => s.trim()));
          list = list.filter((t) => [...t.def.tags, ...hintTags(t)].some((tag) => wanted.has(tag)));
        }
        if (q.scopes?.length) {
          const wanted = new Set(q.scopes.map((s) => s.trim()));
          list = list.filter((t) => t.def.scopes.some((s) => wanted.has(s)));
        }
        if (q.authConfigIds?.length) list = await filterByAuthConfigs(projectId, list, q.authConfigIds);
        if (q.query?.trim()) list = rankTools(list, q.query);
      }
      const page = pageOf(list, q.limit, q.cursor);
      return { ...page, items: page.items.map(view) };
    },

    get(slug: string): ToolView {
      return view(find(slug));
    },

    enumSlugs(): string[] {
      return tools.list().map((t) => t.def.slug);
    },

    /** Every scope the tools need, and each tool's requirement (Composio: the tools must be of one toolkit). */
    scopesRequired(slugs: string[]) {
      const found = uniq(slugs.map(upper)).map(find);
      const toolkits = uniq(found.map((t) => t.toolkit));
      if (toolkits.length > 1) throw invalid('tools', `must all belong to one toolkit (got ${toolkits.join(', ')})`);
      return {
        scopes_required: uniq(found.flatMap((t) => t.def.scopes)),
        per_tool_requirements: found.map((t) => ({ tool: t.def.slug, scope_requirements: { all_of: [...t.def.scopes] } })),
      };
    },

    /** POST /tools/execute/{slug}: arguments checked, the account chosen (accounts.ts), the auth config's tool access enforced, then the call. */
    async execute(projectId: string, slug: string, input: ExecuteInput, logId = newLogId()): Promise<ToolResult & { connected_account_id: string }> {
      const tool = find(slug);
      if (input.text !== undefined)
        throw new ApiError('ToolInputUnsupported', 'Natural-language input (text) is not supported by authlink', {
          errors: ['text: not supported; pass arguments'],
          suggestedFix: `Pass arguments matching the tool's input_parameters (GET /api/v3.1/tools/${tool.def.slug})`,
        });
      if (input.customAuthParams !== undefined || input.customConnectionData !== undefined)
        throw new ApiError('ToolInputUnsupported', 'custom_auth_params and custom_connection_data are not supported by authlink', {
          suggestedFix: "Connect the account first; tools run with a connected account's stored credentials",
        });
      const built = prepareRequest(tools, tool, input.arguments ?? {});
      const { account, authConfig } = await accountForTool(store, projectId, tool.toolkit, tool.def.slug, input);
      if (!authConfigAllows(authConfig, tool.def.slug)) throw refusedByAuthConfig(tool, authConfig);
      const result = await sendTool(deps.proxy, projectId, tool, built, await deps.credentials.usableFrom(account), logId);
      return { ...result, connected_account_id: account.id };
    },

    /** The tools a session offers, paged. */
    /** The tools a session offers (for the MCP server), unpaged. */
    async sessionTools(projectId: string, sessionId: string): Promise<LoadedTool[]> {
      return sessionTools(projectId, await deps.sessions.config(projectId, sessionId));
    },

    /** One tool of a session, or the 404/403 saying why not. */
    async sessionTool(projectId: string, sessionId: string, slug: string): Promise<LoadedTool> {
      return sessionToolOrThrow(sessionId, await deps.sessions.config(projectId, sessionId), slug);
    },

    /** Executes a tool with the account the session resolves for its toolkit. */
    async sessionExecute(
      projectId: string,
      sessionId: string,
      input: SessionExecuteInput,
      logId = newLogId(),
    ): Promise<ToolResult & { connected_account_id: string }> {
      const config = await deps.sessions.config(projectId, sessionId);
      const tool = sessionToolOrThrow(sessionId, config, input.toolSlug);
      const built = prepareRequest(tools, tool, input.arguments ?? {});
      const { account, authConfig } = await deps.sessions.accountFor(projectId, sessionId, tool.toolkit, input.account);
      if (!authConfigAllows(authConfig, tool.def.slug)) throw refusedByAuthConfig(tool, authConfig);
      const result = await sendTool(deps.proxy, projectId, tool, built, await deps.credentials.usableFrom(account), logId);
      return { ...result, connected_account_id: account.id };
    },

    /** POST /tool_router/session/{id}/search: the session's tools ranked for each use case, their schemas, and whether each toolkit is connected. */
    async sessionSearch(projectId: string, sessionId: string, input: SessionSearchInput, guidance?: SearchGuidance) {
      const config = await deps.sessions.config(projectId, sessionId);
      let offered = await sessionTools(projectId, config);
      if (input.toolkits?.length) {
        const wanted = new Set(input.toolkits.map((s) => s.trim().toLowerCase()));
        offered = offered.filter((t) => wanted.has(t.toolkit));
      }
      const schemas = new Map<string, LoadedTool>();
      const results = input.queries.map((q, i) => {
        const ranked = rankTools(offered, q.use_case);
        const primary = ranked.slice(0, 5);
        const related = ranked.slice(5, 10);
        for (const t of [...primary, ...related]) schemas.set(t.def.slug, t);
        return {
          index: i + 1,
          use_case: q.use_case,
          primary_tool_slugs: primary.map((t) => t.def.slug),
          related_tool_slugs: related.map((t) => t.def.slug),
          toolkits: uniq([...primary, ...related].map((t) => t.toolkit)),
          error: null,
        };
      });
      const toolkits = uniq([...schemas.values()].map((t) => t.toolkit));
      const statuses = toolkits.length
        ? (await deps.sessions.toolkits(projectId, sessionId, { limit: toolkits.length, toolkits })).items.map((item) => {
            const a = item.connected_account;
            return {
              toolkit: item.slug,
              description: item.meta.description,
              has_active_connection: a !== null,
              ...(a
                ? { connection_details: { connected_account_id: a.id, auth_config_id: a.auth_config.id, alias: a.alias }, account_type: a.account_type }
                : {}),
              status_message: a
                ? `Connected: ${item.slug} tools run with connected account ${a.id}`
                : (item.error?.message ??
                  guidance?.notConnected(item.slug) ??
                  `No active ${item.slug} connection for this user: create one with POST /api/v3.1/tool_router/session/${sessionId}/link`),
            };
          })
        : [];
      const now = deps.now();
      return {
        success: true,
        error: null,
        results,
        toolkit_connection_statuses: statuses,
        tool_schemas: Object.fromEntries(
          [...schemas.values()].map((t) => [
            t.def.slug,
            { toolkit: t.toolkit, tool_slug: t.def.slug, description: t.def.description, input_schema: t.def.input_parameters, hasFullSchema: true },
          ]),
        ),
        time_info: timeInfo(now, config.experimental?.assistive_prompt_config.user_timezone),
        session: {
          id: sessionId,
          generate_id: false,
          instructions: guidance?.instructions ?? `Execute tools with POST /api/v3.1/tool_router/session/${sessionId}/execute`,
        },
        next_steps_guidance: guidance?.nextSteps ?? [
          'Pick a tool from primary_tool_slugs and call it with arguments matching its input_schema.',
          'If has_active_connection is false for its toolkit, ask the user to connect it first (the session link route).',
        ],
      };
    },
  };
}

export type ToolService = ReturnType<typeof createToolService>;
