// The tool router's meta tools, one implementation for both ways an agent
// reaches them: the session's MCP server (src/mcp/server.ts) and REST
// POST …/session/{id}/execute_meta (src/api/mcp.ts). Every call re-reads the
// session from the store, so any process can serve any call.
//
// A result is Composio's `{data, error, successful}`. Bad input (an unknown
// meta tool, arguments outside the tool's schema) is an ApiError; so is a
// missing session. What goes wrong while doing the work (a toolkit that
// cannot be connected, a tool call that fails) is a result with
// `successful: false` and a message an agent can act on.
import type { ValidateFunction } from 'ajv/dist/2020.js';
import { ApiError } from '../errors.ts';
import { META_TOOL_SLUGS, type MetaToolSlug, routerToolSlugs, UNSUPPORTED_META_TOOLS } from '../services/router-tools.ts';
import type { SessionConfig, SessionService } from '../services/sessions.ts';
import type { Catalog } from '../toolkits/catalog.ts';
import type { LoadedTool } from '../tools/catalog.ts';
import { argumentProblems } from '../tools/execute.ts';
import type { ToolService } from '../tools/service.ts';
import { argumentsAjv } from '../tools/validate.ts';
import { manageConnections, type ConnectionDeps } from './connections.ts';
import { META_TOOL_DEFS, type MetaToolDef } from './meta-defs.ts';
import { runTools, type ToolCall } from './run-tools.ts';

export interface MetaResult {
  data: Record<string, unknown>;
  error: string | null;
  successful: boolean;
}

export interface CallContext {
  /** The request id: the log_id of tool executions. */
  logId: string;
  /** Told about a failure that is not the caller's (logged by the route; the result only says "internal error"). */
  onUnexpected?: (err: unknown) => void;
}

const isMetaSlug = (s: string): s is MetaToolSlug => (META_TOOL_SLUGS as readonly string[]).includes(s);
const uniq = <T>(xs: T[]) => [...new Set(xs)];

/** The session's tools that are served as direct MCP tools: its preload list (or all of its tools for "all"), none without one. */
export function preloads(config: SessionConfig): boolean {
  const p = config.preload?.tools;
  return p === 'all' || (Array.isArray(p) && p.length > 0);
}

export function createMetaTools(deps: { sessions: SessionService; tools: ToolService; catalog: Catalog }) {
  const ajv = argumentsAjv();
  const validators = new Map<MetaToolSlug, ValidateFunction>();
  const connectionDeps: ConnectionDeps = deps;

  function checkArguments(slug: MetaToolSlug, args: Record<string, unknown>): void {
    let validate = validators.get(slug);
    if (!validate) {
      validate = ajv.compile(META_TOOL_DEFS[slug].inputSchema);
      validators.set(slug, validate);
    }
    if (validate(args)) return;
    const problems = argumentProblems(validate.errors, slug);
    throw new ApiError('ValidationFailed', `Invalid arguments for ${slug}: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`, {
      errors: problems,
    });
  }

  function metaSlug(raw: string, sessionId: string, config: SessionConfig): MetaToolSlug {
    const slug = raw.trim().toUpperCase();
    if (!isMetaSlug(slug)) {
      const why = UNSUPPORTED_META_TOOLS[slug];
      throw new ApiError('MetaToolUnsupported', why ? `${slug} is not supported: ${why}` : `Unknown meta tool ${raw}`, {
        suggestedFix: `Use one of ${META_TOOL_SLUGS.join(', ')}`,
      });
    }
    if (!routerToolSlugs(config).includes(slug)) {
      throw new ApiError('SessionToolNotEnabled', `Meta tool ${slug} is turned off in tool router session ${sessionId}`, {
        suggestedFix: `Its session config switch (search.enable, execute.enable_multi_execute) is false; change it with PATCH /api/v3.1/tool_router/session/${sessionId}`,
      });
    }
    return slug;
  }

  async function searchTools(
    projectId: string,
    sessionId: string,
    config: SessionConfig,
    args: { queries: Array<{ use_case: string; known_fields?: string }> },
  ) {
    const links = config.manage_connections?.enabled !== false;
    const data = await deps.tools.sessionSearch(
      projectId,
      sessionId,
      { queries: args.queries },
      {
        notConnected: (toolkit) =>
          links
            ? `No active connection. Call COMPOSIO_MANAGE_CONNECTIONS with toolkits ["${toolkit}"] before running any ${toolkit} tool.`
            : `No active connection, and this session does not create connection links: the app must connect ${toolkit} for the user.`,
        instructions: 'This MCP server is the session: no session id is needed in later calls.',
        nextSteps: [
          'Pick tools from primary_tool_slugs (related_tool_slugs are alternatives) and build their arguments from tool_schemas.',
          links
            ? 'For a toolkit whose has_active_connection is false, call COMPOSIO_MANAGE_CONNECTIONS first and show the user the link it returns.'
            : 'A toolkit whose has_active_connection is false cannot be used until the app connects it for the user.',
          'Run the tools with COMPOSIO_MULTI_EXECUTE_TOOL.',
        ],
      },
    );
    return { data: data as unknown as Record<string, unknown>, error: null, successful: true };
  }

  async function toolSchemas(projectId: string, sessionId: string, args: { tool_slugs: string[]; include?: string[] }): Promise<MetaResult> {
    const offered = new Map((await deps.tools.sessionTools(projectId, sessionId)).map((t) => [t.def.slug, t]));
    const withOutput = args.include?.includes('output_schema') ?? false;
    const withInput = !args.include?.length || args.include.includes('input_schema');
    const schemas: Record<string, unknown> = {};
    const notFound: string[] = [];
    for (const slug of uniq(args.tool_slugs.map((s) => s.trim().toUpperCase()))) {
      const t = offered.get(slug);
      if (!t) {
        notFound.push(slug);
        continue;
      }
      schemas[slug] = {
        toolkit: t.toolkit,
        tool_slug: slug,
        description: t.def.description,
        ...(withInput ? { input_schema: t.def.input_parameters } : {}),
        ...(withOutput ? { output_schema: t.def.output_parameters } : {}),
        hasFullSchema: true,
      };
    }
    return {
      data: {
        success: notFound.length === 0,
        tool_schemas: schemas,
        not_found: notFound,
        session: { id: sessionId, instructions: 'Run the tools with COMPOSIO_MULTI_EXECUTE_TOOL.' },
      },
      error: notFound.length ? `Not offered by this session: ${notFound.join(', ')} (find its tools with COMPOSIO_SEARCH_TOOLS)` : null,
      successful: notFound.length === 0,
    };
  }

  return {
    /** The meta tools the session offers, as MCP tool definitions. */
    definitions(config: SessionConfig): MetaToolDef[] {
      return routerToolSlugs(config).map((s) => META_TOOL_DEFS[s]);
    },

    /** The session's tools served as direct MCP tools (preload.tools), within its filters. */
    async directTools(projectId: string, sessionId: string, config: SessionConfig): Promise<LoadedTool[]> {
      return preloads(config) ? deps.tools.sessionTools(projectId, sessionId) : [];
    },

    /** Runs one meta tool for the session. Throws ApiError for a missing session, an unknown or switched-off meta tool, or bad arguments. */
    async execute(projectId: string, sessionId: string, rawSlug: string, args: Record<string, unknown> | undefined, ctx: CallContext): Promise<MetaResult> {
      const config = await deps.sessions.config(projectId, sessionId);
      const slug = metaSlug(rawSlug, sessionId, config);
      const a = args ?? {};
      checkArguments(slug, a);
      switch (slug) {
        case 'COMPOSIO_SEARCH_TOOLS':
          return searchTools(projectId, sessionId, config, a as never);
        case 'COMPOSIO_GET_TOOL_SCHEMAS':
          return toolSchemas(projectId, sessionId, a as never);
        case 'COMPOSIO_MANAGE_CONNECTIONS':
          return manageConnections(connectionDeps, projectId, sessionId, config, a as never);
        case 'COMPOSIO_MULTI_EXECUTE_TOOL':
          return runTools(connectionDeps, projectId, sessionId, config, (a as { tools: ToolCall[] }).tools, ctx);
      }
    },

    /** Runs one of the session's tools called directly (a preloaded tool): the same as one call of COMPOSIO_MULTI_EXECUTE_TOOL. */
    async executeTool(projectId: string, sessionId: string, config: SessionConfig, call: ToolCall, ctx: CallContext): Promise<MetaResult> {
      const { data } = await runTools(connectionDeps, projectId, sessionId, config, [call], ctx);
      const [one] = data.results as Array<{ response: MetaResult }>;
      return one.response;
    },
  };
}

export type MetaTools = ReturnType<typeof createMetaTools>;
