// One tool-router session as an MCP server: tools/list answers the session's
// meta tools (plus its preloaded tools, as direct tools, when preload.tools is
// set); tools/call runs them through the meta tool module, the same code as
// REST execute_meta. A Server is built per HTTP request (the stateless
// Streamable HTTP pattern) and holds nothing between requests: everything it
// needs is read from the store, so any authlink process serves any request.
//
// The low-level Server is used (not McpServer) so that tool input schemas are
// authlink's JSON Schemas exactly as they are.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import {
  type CallToolRequest,
  type CallToolResult,
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';
import { ApiError } from '../errors.ts';
import type { SessionConfig } from '../services/sessions.ts';
import type { LoadedTool } from '../tools/catalog.ts';
import type { MetaToolDef } from './meta-defs.ts';
import type { CallContext, MetaResult, MetaTools } from './meta-tools.ts';

export const SERVER_INFO = { name: 'authlink', version: '0.1.0' };

export interface SessionMcpContext {
  meta: MetaTools;
  projectId: string;
  sessionId: string;
  /** The session's config as read when the request arrived (tools/list uses it; every call re-reads the session). */
  config: SessionConfig;
  call: CallContext;
}

const metaTool = (d: MetaToolDef): Tool => ({
  name: d.name,
  title: d.title,
  description: d.description,
  inputSchema: d.inputSchema,
  annotations: d.annotations,
});

const directTool = (t: LoadedTool): Tool => ({
  name: t.def.slug,
  title: t.def.name,
  description: t.def.description,
  inputSchema: t.def.input_parameters as Tool['inputSchema'],
  annotations: {
    readOnlyHint: t.def.hints.read_only,
    destructiveHint: t.def.hints.destructive,
    idempotentHint: t.def.hints.idempotent,
    openWorldHint: t.def.hints.open_world,
  },
});

/** A tool's outcome as an MCP tool result: Composio's {successful, error, data} as JSON text; isError when it did not succeed. */
export function toolResult(r: MetaResult): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify({ successful: r.successful, error: r.error, data: r.data }) }], isError: !r.successful };
}

const INSTRUCTIONS =
  'These tools act for one user through their connected accounts. Start with COMPOSIO_SEARCH_TOOLS to find the tools for a task; ' +
  'if a toolkit has no active connection, call COMPOSIO_MANAGE_CONNECTIONS and show the user the link it returns; ' +
  'then run the tools with COMPOSIO_MULTI_EXECUTE_TOOL.';

/**
 * Returns the per-request server builder. The SDK's Server builds its own Ajv
 * (with formats) unless given a JSON Schema validator; compiling that on every
 * request would cost more than the request itself, so one is shared by all
 * the servers the builder makes (a server that only offers tools never uses
 * it: it validates what a client answers to elicitation).
 */
export function sessionMcpServers(): (ctx: SessionMcpContext) => Server {
  const jsonSchemaValidator = new AjvJsonSchemaValidator();
  return (ctx) => createSessionMcpServer(ctx, jsonSchemaValidator);
}

function createSessionMcpServer(ctx: SessionMcpContext, jsonSchemaValidator: AjvJsonSchemaValidator): Server {
  const server = new Server(SERVER_INFO, { capabilities: { tools: {} }, instructions: INSTRUCTIONS, jsonSchemaValidator });
  let direct: Promise<LoadedTool[]> | undefined;
  const directTools = () => {
    direct ??= ctx.meta.directTools(ctx.projectId, ctx.sessionId, ctx.config);
    return direct;
  };

  /** Tool failures an agent can act on are results (isError), never JSON-RPC errors; nothing internal is shown. */
  async function run(fn: () => Promise<MetaResult>): Promise<CallToolResult> {
    try {
      return toolResult(await fn());
    } catch (e) {
      if (e instanceof ApiError) {
        const data = {
          error_code: e.slug,
          ...(e.options.errors?.length ? { errors: e.options.errors } : {}),
          ...(e.options.suggestedFix ? { suggested_fix: e.options.suggestedFix } : {}),
        };
        return toolResult({ successful: false, error: e.message, data });
      }
      ctx.call.onUnexpected?.(e);
      return toolResult({ successful: false, error: `Internal error; report request id ${ctx.call.logId}`, data: {} });
    }
  }

  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [...ctx.meta.definitions(ctx.config).map(metaTool), ...(await directTools()).map(directTool)],
  }));

  // Registered with a schema that only checks the method: the Server then validates the params itself and answers
  // -32602 (Invalid params) for bad ones, where the stock schema's parse failure would be -32603 (Internal error).
  server.setRequestHandler(CallToolRequestSchema.pick({ method: true }).loose(), async (req) => {
    const { name, arguments: args } = (req as unknown as CallToolRequest).params;
    if (ctx.meta.definitions(ctx.config).some((d) => d.name === name)) {
      return run(() => ctx.meta.execute(ctx.projectId, ctx.sessionId, name, args, ctx.call));
    }
    if ((await directTools()).some((t) => t.def.slug === name)) {
      return run(() => ctx.meta.executeTool(ctx.projectId, ctx.sessionId, ctx.config, { tool_slug: name, arguments: args }, ctx.call));
    }
    // The spec's protocol error for a tool the server does not have (a plain Error with a code: McpError would prefix the message with "MCP error -32602:").
    throw Object.assign(new Error(`Unknown tool: ${name}`), { code: ErrorCode.InvalidParams });
  });

  return server;
}
