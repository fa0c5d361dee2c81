// Issue #14: what the session MCP endpoint refuses, and how. HTTP-level
// problems (key, session, method, Accept, content type, a body that is not
// JSON) are the error envelope like every route; MCP-level ones are what the
// spec prescribes (JSON-RPC errors; a tool's own failure is a result with
// isError). Nothing is written by any of them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { forEachBackend } from '../helpers/backends.ts';
import { api } from '../helpers/test-app.ts';
import { dumpDatabase, dumpDiff } from '../security/support.ts';
import { mcpClient, type McpWorld, resultOf, startMcpWorld } from './helpers.ts';

const ACCEPT = 'application/json, text/event-stream';

forEachBackend('session MCP server: refusals', (backend) => {
  let w: McpWorld;
  let url: string;
  let sessionId: string;
  before(async () => {
    w = await startMcpWorld(backend);
    const s = await w.session({ user_id: 'err-user', toolkits: { enable: ['echoapi'] } });
    url = s.mcp.url;
    sessionId = s.session_id;
  });
  after(() => w.close());

  const post = (body: string, headers: Record<string, string> = {}, to = url) =>
    fetch(to, { method: 'POST', headers: { 'x-api-key': w.t.apiKey, accept: ACCEPT, 'content-type': 'application/json', ...headers }, body });
  const rpc = (message: unknown, to = url) => post(JSON.stringify(message), {}, to);

  async function envelope(res: Response, status: number) {
    assert.equal(res.status, status);
    const body = (await res.json()) as { error: Record<string, unknown> };
    assert.equal(body.error.request_id, res.headers.get('x-request-id'));
    const { request_id: _id, ...rest } = body.error;
    return rest;
  }

  test('keys: none, wrong, another project’s; a missing or deleted session: the envelope, and the official client fails to connect', async () => {
    const other = await w.t.otherProject();
    const before = await dumpDatabase(w.t);
    const init = {
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    };
    const none = await fetch(url, { method: 'POST', headers: { accept: ACCEPT, 'content-type': 'application/json' }, body: JSON.stringify(init) });
    assert.equal((await envelope(none, 401)).message, 'Missing x-api-key header');
    const wrong = await post(JSON.stringify(init), { 'x-api-key': 'ak_wrong_0000000000000000000000' });
    assert.equal((await envelope(wrong, 401)).slug, 'Auth_InvalidApiKey');
    await assert.rejects(mcpClient(url, 'ak_wrong_0000000000000000000000'), /401/);

    const foreign = await post(JSON.stringify(init), { 'x-api-key': other.apiKey });
    assert.deepEqual(await envelope(foreign, 404), {
      message: `Tool router session ${sessionId} not found`,
      code: 4301,
      slug: 'ToolRouterV2_SessionNotFound',
      status: 404,
      suggested_fix: 'Create one with POST /api/v3.1/tool_router/session',
    });
    const missing = await rpc(init, url.replace(sessionId, 'trs_missing00000'));
    assert.equal((await envelope(missing, 404)).message, 'Tool router session trs_missing00000 not found');
    await assert.rejects(mcpClient(url, other.apiKey), /404/);
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(url, { method, headers: { 'x-api-key': other.apiKey } });
      assert.equal((await envelope(res, 404)).code, 4301, `${method} with another project's key`);
    }
    assert.equal(dumpDiff(before, await dumpDatabase(w.t)), '', 'nothing changed');

    // Deleted: every method answers 404, and a connected client's next call fails.
    const s = await w.session({ user_id: 'err-user', toolkits: { enable: ['echoapi'] } });
    const client = await mcpClient(s.mcp.url, w.t.apiKey);
    assert.equal((await api(w.t).delete(`/api/v3.1/tool_router/session/${s.session_id}`)).status, 200);
    await assert.rejects(client.listTools(), /404/);
    await client.close();
    assert.equal((await envelope(await rpc(init, s.mcp.url), 404)).code, 4301);
    for (const method of ['GET', 'DELETE']) {
      assert.equal((await envelope(await fetch(s.mcp.url, { method, headers: { 'x-api-key': w.t.apiKey } }), 404)).code, 4301);
    }
  });

  test('HTTP: GET and DELETE are 405 with Allow: POST; a POST needs both Accept types, JSON content and a JSON body', async () => {
    const before = await dumpDatabase(w.t);
    for (const method of ['GET', 'DELETE']) {
      const res = await fetch(url, { method, headers: { 'x-api-key': w.t.apiKey, accept: 'text/event-stream' } });
      assert.equal(res.headers.get('allow'), 'POST');
      assert.deepEqual(await envelope(res, 405), {
        message: `${method} is not supported on an MCP endpoint without MCP sessions: send JSON-RPC messages with POST`,
        code: 405,
        slug: 'Request_MethodNotAllowed',
        status: 405,
      });
    }
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    assert.equal((await envelope(await post(list, { accept: 'application/json' }), 406)).slug, 'Request_NotAcceptable');
    assert.equal((await envelope(await post(list, { 'content-type': 'text/plain' }), 415)).slug, 'Request_UnsupportedMediaType');
    const malformed = await envelope(await post('{"jsonrpc": "2.0", "id": 3, "method": "tools/li'), 400);
    assert.equal(malformed.slug, 'Request_MalformedJson');
    assert.equal(dumpDiff(before, await dumpDatabase(w.t)), '', 'nothing changed');
  });

  test('JSON-RPC: a message that is not JSON-RPC, an unknown tool, arguments that are not an object: the errors the spec prescribes', async () => {
    const before = await dumpDatabase(w.t);
    const notRpc = await post(JSON.stringify({ hello: 'world' }));
    assert.equal(notRpc.status, 400);
    const notRpcBody = (await notRpc.json()) as { jsonrpc: string; error: { code: number } };
    assert.equal(notRpcBody.jsonrpc, '2.0');
    assert.equal(notRpcBody.error.code, -32700);

    const unknown = await rpc({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'GITHUB_DELETE_EVERYTHING', arguments: {} } });
    assert.equal(unknown.status, 200);
    assert.ok(unknown.headers.get('x-request-id'));
    assert.deepEqual(await unknown.json(), { jsonrpc: '2.0', id: 4, error: { code: -32602, message: 'Unknown tool: GITHUB_DELETE_EVERYTHING' } });

    const notObject = await rpc({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'COMPOSIO_SEARCH_TOOLS', arguments: 'find issues' } });
    const notObjectBody = (await notObject.json()) as { id: number; error: { code: number; message: string } };
    assert.equal(notObjectBody.id, 5);
    assert.equal(notObjectBody.error.code, -32602);
    assert.match(notObjectBody.error.message, /^MCP error -32602: Invalid tools\/call request|Invalid tools\/call request/);

    const method = await rpc({ jsonrpc: '2.0', id: 6, method: 'resources/list' });
    assert.equal(((await method.json()) as { error: { code: number } }).error.code, -32601);

    // Through the official client too.
    const client = await mcpClient(url, w.t.apiKey);
    try {
      await assert.rejects(client.callTool({ name: 'NOPE', arguments: {} }), (e: unknown) => e instanceof McpError && e.code === -32602);
      // Arguments outside the meta tool's schema are a tool error the model can correct, listing every problem.
      const bad = resultOf(await client.callTool({ name: 'COMPOSIO_MULTI_EXECUTE_TOOL', arguments: { tools: [{ arguments: {} }], extra: 1 } }));
      assert.equal(bad.isError, true);
      assert.deepEqual(bad.data.errors, ['arguments.extra: is not an argument of COMPOSIO_MULTI_EXECUTE_TOOL', 'arguments.tools[0].tool_slug: is required']);
      assert.match(bad.error ?? '', /^Invalid arguments for COMPOSIO_MULTI_EXECUTE_TOOL: /);
      // A tool's own failure is a result, without a stack or a credential.
      const noTool = resultOf(await client.callTool({ name: 'COMPOSIO_MULTI_EXECUTE_TOOL', arguments: { tools: [{ tool_slug: 'ECHOAPI_NOPE' }] } }));
      assert.equal(noTool.data.results[0].response.error, 'Tool ECHOAPI_NOPE not found');
      assert.doesNotMatch(JSON.stringify(noTool), /at .*\.ts:\d+|ak_/);
    } finally {
      await client.close();
    }
    assert.equal(w.upstream.requests.length, 0);
    assert.equal(dumpDiff(before, await dumpDatabase(w.t)), '', 'nothing changed');
  });

  test('a notification is accepted with 202 and no body', async () => {
    const res = await rpc({ jsonrpc: '2.0', method: 'notifications/initialized' });
    assert.equal(res.status, 202);
    assert.equal(await res.text(), '');
  });
});
