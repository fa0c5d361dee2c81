// A tool-router session for agents: its MCP endpoint (…/session/{id}/mcp,
// Streamable HTTP, stateless) and POST …/session/{id}/execute_meta, the same
// meta tools over REST. The logic is in src/mcp/.
//
// What the HTTP layer refuses (key, session, method, Accept, content type, a
// body that is not JSON) is answered in the error envelope like every route;
// what the MCP layer refuses (a message that is not JSON-RPC, an unknown tool)
// is answered by the MCP SDK as JSON-RPC.
import type { FastifyRequest } from 'fastify';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { Type } from 'typebox';
import { ApiError, envelope } from '../errors.ts';
import { principalOf } from '../http/api-auth.ts';
import type { sessionMcpServers } from '../mcp/server.ts';
import type { Services } from '../services/index.ts';
import { errors, type ApiApp, type RouteOptions } from './types.ts';

const tags = ['tool_router'];
const Params = Type.Object({ session_id: Type.String({ minLength: 1, maxLength: 64 }) });

const ExecuteMetaBody = Type.Object({
  slug: Type.String({
    minLength: 1,
    maxLength: 100,
    description: 'COMPOSIO_SEARCH_TOOLS, COMPOSIO_GET_TOOL_SCHEMAS, COMPOSIO_MANAGE_CONNECTIONS or COMPOSIO_MULTI_EXECUTE_TOOL',
  }),
  arguments: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: "The meta tool's arguments (its MCP input schema)" })),
  experimental: Type.Optional(Type.Unknown({ description: 'Inline custom tools: accepted and ignored by authlink' })),
});

const MetaResult = Type.Object({
  data: Type.Record(Type.String(), Type.Unknown()),
  error: Type.Union([Type.String(), Type.Null()], { description: 'What went wrong, for an agent to act on; null on success' }),
  successful: Type.Boolean(),
  log_id: Type.String({ description: 'The request id (x-request-id) of this call' }),
});

const JsonRpc = Type.Object(
  { jsonrpc: Type.Literal('2.0') },
  { additionalProperties: true, description: 'The JSON-RPC response (a JSON-RPC error for a message that is not valid JSON-RPC)' },
);

/**
 * The MCP SDK (with zod and its HTTP adapter) is loaded on the first MCP
 * request, not at start-up: most processes never serve one, and loading it
 * cost ~25 MiB of memory and tens of milliseconds of every start
 * (docs/benchmarks.md, "Start-up").
 */
interface McpRuntime {
  Transport: typeof StreamableHTTPServerTransport;
  createServer: ReturnType<typeof sessionMcpServers>;
}
const loadMcp = (() => {
  let loading: Promise<McpRuntime> | undefined;
  return () =>
    (loading ??= Promise.all([import('@modelcontextprotocol/sdk/server/streamableHttp.js'), import('../mcp/server.ts')]).then(([http, mcp]) => ({
      Transport: http.StreamableHTTPServerTransport,
      createServer: mcp.sessionMcpServers(),
    })));
})();

/** Streamable HTTP: a POST must accept both answers the server may give (MCP spec, "Sending Messages to the Server"). */
function checkPost(req: FastifyRequest): void {
  const accept = req.headers.accept ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
    throw new ApiError('NotAcceptable', 'An MCP client must accept both application/json and text/event-stream', {
      suggestedFix: 'Send Accept: application/json, text/event-stream (any MCP client does)',
    });
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') {
    throw new ApiError('UnsupportedMediaType', 'An MCP message must be sent as application/json', {
      suggestedFix: 'Send a JSON-RPC message as application/json',
    });
  }
}

export function registerMcpRoutes(api: ApiApp, services: Services, opts: RouteOptions): void {
  const url = '/tool_router/session/:session_id/mcp';
  const { sessions, meta } = services;

  api.post(
    url,
    {
      schema: {
        hide: opts.hide,
        tags,
        summary: "The session's MCP server (Streamable HTTP, stateless): a JSON-RPC message in, its response out",
        description:
          'Model Context Protocol over Streamable HTTP (revision 2025-06-18 and later). tools/list answers the meta tools (and the preloaded tools when preload.tools is set); tools/call runs them. ' +
          'Stateless: no Mcp-Session-Id, every request may go to any authlink process.',
        params: Params,
        response: {
          200: JsonRpc,
          202: Type.Null({ description: 'A notification or response was accepted' }),
          ...errors(404, 406, 415),
        },
      },
    },
    async (req, reply) => {
      const { projectId } = principalOf(req);
      const sessionId = req.params.session_id;
      const { config } = await sessions.get(projectId, sessionId);
      checkPost(req);
      const { Transport, createServer } = await loadMcp();
      const server = createServer({
        meta,
        projectId,
        sessionId,
        config,
        call: { logId: req.id, onUnexpected: (err) => req.log.error({ err }, 'MCP tool call failed') },
      });
      const transport = new Transport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      reply.raw.on('close', () => {
        void transport.close();
        void server.close();
      });
      await server.connect(transport);
      // From here the transport writes the response; Fastify's own reply headers are not sent, so the request id goes on the raw response.
      reply.hijack();
      reply.raw.setHeader('x-request-id', req.id);
      try {
        await transport.handleRequest(req.raw, reply.raw, req.body);
      } catch (err) {
        // Fastify no longer answers for a hijacked reply: answer here, without details.
        req.log.error({ err }, 'MCP transport failed');
        if (!reply.raw.headersSent) {
          reply.raw.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
          reply.raw.end(JSON.stringify(envelope(new ApiError('Internal', 'Internal server error'), req.id)));
        } else reply.raw.destroy();
      }
    },
  );

  // A stateless server has no stream to open (GET) and no MCP session to end (DELETE): 405, as the spec allows.
  const notAllowed = async (req: FastifyRequest<{ Params: { session_id: string } }>) => {
    await sessions.get(principalOf(req).projectId, req.params.session_id);
    throw new ApiError('MethodNotAllowed', `${req.method} is not supported on an MCP endpoint without MCP sessions: send JSON-RPC messages with POST`, {
      headers: { allow: 'POST' },
    });
  };
  for (const method of ['GET', 'DELETE'] as const) {
    api.route({
      method,
      url,
      schema: {
        hide: opts.hide,
        tags,
        summary: `${method} on the MCP endpoint: 405 (a stateless server has no ${method === 'GET' ? 'server-sent event stream' : 'MCP session to end'})`,
        params: Params,
        response: errors(404, 405),
      },
      handler: notAllowed,
    });
  }

  api.post(
    '/tool_router/session/:session_id/execute_meta',
    {
      schema: {
        hide: opts.hide,
        tags,
        summary: 'Run one of the session’s meta tools (the same tools its MCP server serves)',
        params: Params,
        body: ExecuteMetaBody,
        response: { 200: MetaResult, ...errors(403, 404) },
      },
    },
    async (req) => {
      const r = await meta.execute(principalOf(req).projectId, req.params.session_id, req.body.slug, req.body.arguments, {
        logId: req.id,
        onUnexpected: (err) => req.log.error({ err }, 'meta tool call failed'),
      });
      return { data: r.data, error: r.error, successful: r.successful, log_id: req.id };
    },
  );
}
