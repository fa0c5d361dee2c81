// Issue #14: the meta tools over REST (POST …/execute_meta, and POST …/execute
// with a meta tool's slug), through Composio's own SDKs; and what
// @composio/core builds from a session's `mcp` really connects.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import ComposioClient from '@composio/client';
import { Composio } from '@composio/core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { forEachBackend } from '../helpers/backends.ts';
import { api } from '../helpers/test-app.ts';
import { dumpDatabase, dumpDiff } from '../security/support.ts';
import { envelopeOf } from '../sessions/helpers.ts';
import { completeKeyLink, mcpClient, type McpWorld, resultOf, startMcpWorld } from './helpers.ts';

const S = '/api/v3.1/tool_router/session';

forEachBackend('meta tools over REST and the Composio SDKs', (backend) => {
  let w: McpWorld;
  let client: ComposioClient;
  let core: Composio;
  before(async () => {
    w = await startMcpWorld(backend);
    client = new ComposioClient({ apiKey: w.t.apiKey, baseURL: w.t.config.publicUrl });
    core = new Composio({ apiKey: w.t.apiKey, baseURL: w.t.config.publicUrl, allowTracking: false, disableVersionCheck: true });
  });
  after(() => w.close());

  test('@composio/client executeMeta: a connection link, then the tool runs with the new account', async () => {
    const s = await client.toolRouter.session.create({ user_id: 'meta-user', toolkits: { enable: ['echoapi'] } });
    assert.deepEqual(s.tool_router_tools, ['COMPOSIO_SEARCH_TOOLS', 'COMPOSIO_GET_TOOL_SCHEMAS', 'COMPOSIO_MANAGE_CONNECTIONS', 'COMPOSIO_MULTI_EXECUTE_TOOL']);
    const manage = await client.toolRouter.session.executeMeta(s.session_id, { slug: 'COMPOSIO_MANAGE_CONNECTIONS', arguments: { toolkits: ['echoapi'] } });
    assert.equal(manage.error, null);
    assert.match(manage.log_id, /^req_/);
    const echo = (manage.data.results as Record<string, { status: string; redirect_url: string }>).echoapi;
    assert.equal(echo.status, 'initiated');
    await completeKeyLink(w, echo.redirect_url, 'meta-user-key-0001');
    const run = await client.toolRouter.session.executeMeta(s.session_id, {
      slug: 'COMPOSIO_MULTI_EXECUTE_TOOL',
      arguments: { tools: [{ tool_slug: 'ECHOAPI_GET_WHOAMI', arguments: {} }], sync_response_to_workbench: false },
    });
    assert.equal(run.error, null);
    const [result] = run.data.results as Array<{ response: { successful: boolean; data: unknown } }>;
    assert.deepEqual(result.response, { successful: true, data: { path: '/echo/whoami' }, error: null });
    assert.equal(w.upstream.requests.at(-1)?.headers['x-api-key'], 'meta-user-key-0001');
  });

  test('execute_meta refuses what it cannot do with clear 4xx and writes nothing', async () => {
    const s = await w.session({ user_id: 'meta-refused', toolkits: { enable: ['echoapi'] }, search: { enable: false } });
    assert.deepEqual(s.tool_router_tools, ['COMPOSIO_GET_TOOL_SCHEMAS', 'COMPOSIO_MANAGE_CONNECTIONS', 'COMPOSIO_MULTI_EXECUTE_TOOL']);
    const other = await w.t.otherProject();
    const before = await dumpDatabase(w.t);
    const meta = (slug: string, args?: unknown) => api(w.t).post(`${S}/${s.session_id}/execute_meta`, { slug, ...(args ? { arguments: args } : {}) });
    const workbench = await meta('COMPOSIO_REMOTE_WORKBENCH', { code_to_execute: 'print(1)' });
    assert.equal(workbench.status, 400);
    assert.deepEqual(envelopeOf(workbench), {
      message: 'COMPOSIO_REMOTE_WORKBENCH is not supported: authlink has no remote sandbox',
      code: 4311,
      slug: 'ToolRouterV2_MetaToolNotSupported',
      status: 400,
      suggested_fix: 'Use one of COMPOSIO_SEARCH_TOOLS, COMPOSIO_GET_TOOL_SCHEMAS, COMPOSIO_MANAGE_CONNECTIONS, COMPOSIO_MULTI_EXECUTE_TOOL',
    });
    assert.equal(envelopeOf(await meta('COMPOSIO_NOPE')).message, 'Unknown meta tool COMPOSIO_NOPE');
    const off = await meta('COMPOSIO_SEARCH_TOOLS', { queries: [{ use_case: 'x' }] });
    assert.equal(off.status, 403);
    assert.equal(envelopeOf(off).message, `Meta tool COMPOSIO_SEARCH_TOOLS is turned off in tool router session ${s.session_id}`);
    const bad = await meta('COMPOSIO_MANAGE_CONNECTIONS', { toolkits: 'echoapi' });
    assert.equal(bad.status, 400);
    assert.deepEqual(envelopeOf(bad).errors, ['arguments.toolkits: must be array']);
    assert.equal((await meta('COMPOSIO_MANAGE_CONNECTIONS')).status, 400, 'toolkits is required');
    assert.equal((await api(w.t).post(`${S}/trs_missing00000/execute_meta`, { slug: 'COMPOSIO_MANAGE_CONNECTIONS' })).status, 404);
    const foreign = await api(w.t, other.apiKey).post(`${S}/${s.session_id}/execute_meta`, {
      slug: 'COMPOSIO_MANAGE_CONNECTIONS',
      arguments: { toolkits: ['echoapi'] },
    });
    assert.equal(foreign.status, 404);
    assert.equal(dumpDiff(before, await dumpDatabase(w.t)), '', 'nothing changed');
    // The MCP server offers the same set.
    const mcp = await mcpClient(s.mcp.url, w.t.apiKey);
    try {
      assert.deepEqual(
        (await mcp.listTools()).tools.map((t) => t.name),
        s.tool_router_tools,
      );
    } finally {
      await mcp.close();
    }
  });

  test('manage_connections.enable false: no link is made, and the agent is told why', async () => {
    const s = await w.session({ user_id: 'no-links', toolkits: { enable: ['echoapi'] }, manage_connections: { enable: false } });
    const before = await dumpDatabase(w.t);
    const res = await api(w.t).post(`${S}/${s.session_id}/execute_meta`, { slug: 'COMPOSIO_MANAGE_CONNECTIONS', arguments: { toolkits: ['echoapi'] } });
    assert.equal(res.status, 200);
    assert.equal(res.body.successful, false);
    assert.equal(res.body.data.results.echoapi.status, 'failed');
    assert.match(res.body.error, /^echoapi: This session does not create connection links \(manage_connections is disabled\): ask the app to connect Echo API/);
    const run = await api(w.t).post(`${S}/${s.session_id}/execute_meta`, {
      slug: 'COMPOSIO_MULTI_EXECUTE_TOOL',
      arguments: { tools: [{ tool_slug: 'ECHOAPI_GET_WHOAMI' }] },
    });
    assert.match(run.body.data.results[0].response.error, /has no ACTIVE connected account for echoapi\. This session does not create connection links/);
    const search = await api(w.t).post(`${S}/${s.session_id}/execute_meta`, {
      slug: 'COMPOSIO_SEARCH_TOOLS',
      arguments: { queries: [{ use_case: 'whoami' }] },
    });
    assert.match(search.body.data.toolkit_connection_statuses[0].status_message, /does not create connection links/);
    assert.equal(dumpDiff(before, await dumpDatabase(w.t)), '', 'no account, no link');
  });

  test('POST …/execute with a meta tool slug runs the meta tool (what the SDK does for meta tools)', async () => {
    const s = await w.session({ user_id: 'exec-meta', toolkits: { enable: ['echoapi'] } });
    const res = await api(w.t).post(`${S}/${s.session_id}/execute`, {
      tool_slug: 'COMPOSIO_GET_TOOL_SCHEMAS',
      arguments: { tool_slugs: ['ECHOAPI_GET_ITEM'] },
    });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.successful, true);
    assert.deepEqual(res.body.data.tool_schemas.ECHOAPI_GET_ITEM.input_schema.required, ['id']);
    assert.equal(res.body.log_id, res.headers['x-request-id']);
    assert.equal((await api(w.t).post(`${S}/${s.session_id}/execute`, { tool_slug: 'COMPOSIO_REMOTE_BASH_TOOL', arguments: {} })).status, 400);
  });

  test('@composio/core: toolRouter.create with mcp, its session.mcp connects; tools, search, execute (a meta tool too), delete', async () => {
    await w.keyAccount('core-user', 'core-user-key');
    const session = await core.toolRouter.create('core-user', { toolkits: ['echoapi'], mcp: true });
    assert.equal(session.mcp.type, 'http');
    assert.equal(session.mcp.url, `${w.t.config.publicUrl}/api/v3.1/tool_router/session/${session.sessionId}/mcp`);
    assert.deepEqual(session.mcp.headers, { 'x-api-key': w.t.apiKey }, 'the SDK attaches the key it holds; authlink never returns one');

    // What the SDK built is enough for the official MCP client.
    const mcp = new Client({ name: 'core-config', version: '1.0.0' });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(session.mcp.url), { requestInit: { headers: session.mcp.headers } }));
    try {
      const r = resultOf(await mcp.callTool({ name: 'COMPOSIO_MULTI_EXECUTE_TOOL', arguments: { tools: [{ tool_slug: 'ECHOAPI_GET_WHOAMI' }] } }));
      assert.equal(r.successful, true, JSON.stringify(r));
      assert.equal(w.upstream.requests.at(-1)?.headers['x-api-key'], 'core-user-key');
    } finally {
      await mcp.close();
    }

    const tools = (await session.tools()) as Array<{ function: { name: string } }>;
    assert.deepEqual(tools.map((x) => x.function.name).sort(), [
      'COMPOSIO_GET_TOOL_SCHEMAS',
      'COMPOSIO_MANAGE_CONNECTIONS',
      'COMPOSIO_MULTI_EXECUTE_TOOL',
      'COMPOSIO_SEARCH_TOOLS',
    ]);
    const found = await session.search({ query: 'who am i' });
    assert.equal(found.results[0].primaryToolSlugs[0], 'ECHOAPI_GET_WHOAMI');
    const run = await session.execute('ECHOAPI_GET_WHOAMI', {});
    assert.deepEqual(run.data, { path: '/echo/whoami' });
    const manage = await session.execute('COMPOSIO_MANAGE_CONNECTIONS', { toolkits: ['echoapi'] });
    assert.equal(manage.error, null);
    assert.equal((manage.data as { results: Record<string, { status: string }> }).results.echoapi.status, 'active');

    assert.deepEqual(await session.delete(), { sessionId: session.sessionId, deleted: true });
    await assert.rejects(mcpClient(session.mcp.url, w.t.apiKey), /404/);
  });
});
