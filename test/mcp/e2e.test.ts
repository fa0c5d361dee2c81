// Issue #14: a tool-router session's mcp.url speaks MCP. The official MCP
// client, end to end on real sockets: initialize, tools/list, a connection
// link from COMPOSIO_MANAGE_CONNECTIONS completed in the browser stand-in
// (OAuth against the in-process provider; an API key typed into the hosted
// form), then COMPOSIO_MULTI_EXECUTE_TOOL against a stand-in upstream that
// records the credential each call carried.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { forEachBackend } from '../helpers/backends.ts';
import { api } from '../helpers/test-app.ts';
import { completeKeyLink, completeOAuthLink, mcpClient, type McpWorld, resultOf, startMcpWorld } from './helpers.ts';

const META = ['COMPOSIO_SEARCH_TOOLS', 'COMPOSIO_GET_TOOL_SCHEMAS', 'COMPOSIO_MANAGE_CONNECTIONS', 'COMPOSIO_MULTI_EXECUTE_TOOL'];

forEachBackend('session MCP server, end to end', (backend) => {
  let w: McpWorld;
  before(async () => {
    w = await startMcpWorld(backend);
  });
  after(() => w.close());
  beforeEach(() => {
    w.upstream.requests.length = 0;
    w.upstream.reply = (req) =>
      req.path.endsWith('/items/missing') ? { status: 404, body: { message: 'No such item' } } : { status: 200, body: { path: req.path } };
  });

  test('initialize, list, connect two toolkits through links, then run their tools with the new accounts', async () => {
    const s = await w.session({ user_id: 'ada', toolkits: { enable: ['localoidc', 'echoapi'] } });
    assert.deepEqual(s.tool_router_tools, META);
    const client = await mcpClient(s.mcp.url, w.t.apiKey);
    try {
      assert.equal(client.getServerVersion()?.name, 'authlink');
      assert.ok(client.getServerCapabilities()?.tools, 'the server offers tools');
      assert.match(client.getInstructions() ?? '', /COMPOSIO_SEARCH_TOOLS/);

      const { tools } = await client.listTools();
      assert.deepEqual(
        tools.map((t) => t.name),
        META,
      );
      const multi = tools.find((t) => t.name === 'COMPOSIO_MULTI_EXECUTE_TOOL')!;
      assert.deepEqual(multi.inputSchema.required, ['tools']);
      assert.equal(multi.annotations?.destructiveHint, true);
      assert.equal(tools.find((t) => t.name === 'COMPOSIO_SEARCH_TOOLS')!.annotations?.readOnlyHint, true);

      // Search first: the tools are found, and neither toolkit is connected yet.
      const search = resultOf(await client.callTool({ name: 'COMPOSIO_SEARCH_TOOLS', arguments: { queries: [{ use_case: 'who am i on echo api' }] } }));
      assert.equal(search.successful, true);
      assert.equal(search.data.results[0].primary_tool_slugs[0], 'ECHOAPI_GET_WHOAMI');
      const status = search.data.toolkit_connection_statuses.find((x: any) => x.toolkit === 'echoapi');
      assert.equal(status.has_active_connection, false);
      assert.match(status.status_message, /COMPOSIO_MANAGE_CONNECTIONS/);

      // Links for both.
      const manage = resultOf(await client.callTool({ name: 'COMPOSIO_MANAGE_CONNECTIONS', arguments: { toolkits: ['localoidc', 'EchoAPI'] } }));
      assert.equal(manage.isError, false);
      assert.deepEqual(manage.data.summary, { total_toolkits: 2, active_connections: 0, initiated_connections: 2, failed_connections: 0 });
      const oauthLink = manage.data.results.localoidc.redirect_url as string;
      const keyLink = manage.data.results.echoapi.redirect_url as string;
      for (const r of [manage.data.results.localoidc, manage.data.results.echoapi]) {
        assert.equal(r.status, 'initiated');
        assert.ok(r.redirect_url.startsWith(`${w.t.config.publicUrl}/link/lt_`), r.redirect_url);
        assert.ok(r.instruction.includes(r.redirect_url));
      }

      // The user opens them: OAuth at the provider, an API key in the hosted form.
      await completeOAuthLink(w, oauthLink);
      await completeKeyLink(w, keyLink, 'echo-key-of-ada-0001');

      const again = resultOf(await client.callTool({ name: 'COMPOSIO_MANAGE_CONNECTIONS', arguments: { toolkits: ['localoidc', 'echoapi'] } }));
      assert.deepEqual(again.data.summary, { total_toolkits: 2, active_connections: 2, initiated_connections: 0, failed_connections: 0 });
      for (const toolkit of ['localoidc', 'echoapi']) {
        const r = again.data.results[toolkit];
        assert.equal(r.status, 'active');
        assert.equal(r.account_type, 'PRIVATE');
        const account = await api(w.t).get(`/api/v3.1/connected_accounts/${r.connected_account_id}`);
        assert.equal(account.body.user_id, 'ada');
        assert.equal(account.body.status, 'ACTIVE');
      }

      // Three calls at once: each with its toolkit's account; the failing one does not fail the others.
      const run = resultOf(
        await client.callTool({
          name: 'COMPOSIO_MULTI_EXECUTE_TOOL',
          arguments: {
            thought: 'who is connected',
            sync_response_to_workbench: false,
            tools: [
              { tool_slug: 'LOCALOIDC_GET_ME', arguments: {} },
              { tool_slug: 'ECHOAPI_GET_ITEM', arguments: { id: 'missing' } },
              { tool_slug: 'echoapi_get_whoami', arguments: {} },
            ],
          },
        }),
      );
      assert.equal(run.successful, false);
      assert.equal(run.isError, true);
      assert.equal(run.data.total_count, 3);
      assert.equal(run.data.success_count, 2);
      assert.equal(run.data.error_count, 1);
      assert.deepEqual(
        run.data.results.map((r: any) => [r.index, r.tool_slug, r.response.successful]),
        [
          [0, 'LOCALOIDC_GET_ME', true],
          [1, 'ECHOAPI_GET_ITEM', false],
          [2, 'ECHOAPI_GET_WHOAMI', true],
        ],
      );
      assert.deepEqual(run.data.results[0].response, { successful: true, data: { path: '/oidc/me' }, error: null });
      assert.equal(run.data.results[1].response.error, '404: No such item');
      assert.equal(run.data.results[1].error, '404: No such item');
      assert.match(run.error ?? '', /^1 of 3 tool calls failed: ECHOAPI_GET_ITEM: 404: No such item$/);

      // The upstream saw the provider's own access token and the typed key.
      const me = w.upstream.requests.find((r) => r.path === '/oidc/me')!;
      const issued = w.op.issued.map((x) => x.access_token);
      assert.ok(issued.includes(String(me.headers.authorization).replace(/^Bearer /, '')), 'the OAuth account’s access token');
      const whoami = w.upstream.requests.find((r) => r.path === '/echo/whoami')!;
      assert.equal(whoami.headers['x-api-key'], 'echo-key-of-ada-0001');
      assert.equal(w.upstream.requests.length, 3);

      // Schemas of chosen slugs; one this session does not offer.
      const schemas = resultOf(
        await client.callTool({
          name: 'COMPOSIO_GET_TOOL_SCHEMAS',
          arguments: { tool_slugs: ['ECHOAPI_GET_ITEM', 'GITHUB_CREATE_AN_ISSUE'], include: ['input_schema', 'output_schema'] },
        }),
      );
      assert.deepEqual(schemas.data.tool_schemas.ECHOAPI_GET_ITEM.input_schema.required, ['id']);
      assert.ok(schemas.data.tool_schemas.ECHOAPI_GET_ITEM.output_schema);
      assert.deepEqual(schemas.data.not_found, ['GITHUB_CREATE_AN_ISSUE']);
      assert.equal(schemas.isError, true);
      assert.match(schemas.error ?? '', /Not offered by this session: GITHUB_CREATE_AN_ISSUE/);
    } finally {
      await client.close();
    }
  });

  test('a call whose toolkit is not connected fails with a link for the user (one link per toolkit), never a credential', async () => {
    const s = await w.session({ user_id: 'ben', toolkits: { enable: ['echoapi'] } });
    const client = await mcpClient(s.mcp.url, w.t.apiKey);
    try {
      const run = resultOf(
        await client.callTool({
          name: 'COMPOSIO_MULTI_EXECUTE_TOOL',
          arguments: { tools: [{ tool_slug: 'ECHOAPI_GET_WHOAMI' }, { tool_slug: 'ECHOAPI_GET_ITEM', arguments: { id: 'a' } }] },
        }),
      );
      assert.equal(run.data.error_count, 2);
      const [first, second] = run.data.results;
      assert.match(first.response.error, /^Connect Echo API first: http:\/\/127\.0\.0\.1:\d+\/link\/lt_/);
      assert.equal(first.response.data.redirect_url, second.response.data.redirect_url, 'one link for the toolkit');
      assert.equal(first.response.data.error_code, 'ToolRouterV2_NoConnectedAccount');
      assert.equal(w.upstream.requests.length, 0);
      const initiated = await api(w.t).get('/api/v3.1/connected_accounts?user_ids=ben&statuses=INITIATED&account_type=ALL');
      assert.equal(initiated.body.items.length, 1, 'one INITIATED account, the user’s own');
      assert.equal(initiated.body.items[0].experimental.account_type, 'PRIVATE');
      assert.equal(initiated.body.items[0].user_id, 'ben');
    } finally {
      await client.close();
    }
  });

  test('multi-execute runs the calls 4 at a time, keeps their order, and one slow or failing call does not hold up the answer for the others', async () => {
    await w.keyAccount('eve', 'echo-key-of-eve');
    const s = await w.session({ user_id: 'eve', toolkits: { enable: ['echoapi'] } });
    w.upstream.maxInFlight = 0;
    w.upstream.reply = async (req) => {
      await new Promise((r) => setTimeout(r, 100));
      return req.path.endsWith('/items/missing') ? { status: 404, body: { message: 'No such item' } } : { status: 200, body: { path: req.path } };
    };
    const ids = ['a', 'b', 'missing', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
    const client = await mcpClient(s.mcp.url, w.t.apiKey);
    try {
      const r = resultOf(
        await client.callTool({
          name: 'COMPOSIO_MULTI_EXECUTE_TOOL',
          arguments: { tools: ids.map((id) => ({ tool_slug: 'ECHOAPI_GET_ITEM', arguments: { id } })) },
        }),
      );
      assert.equal(w.upstream.maxInFlight, 4, 'at most 4 at once, and 4 used');
      assert.deepEqual(
        r.data.results.map((x: any) => x.response.data.path ?? x.response.error),
        ids.map((id) => (id === 'missing' ? '404: No such item' : `/echo/items/${id}`)),
      );
      assert.equal(r.data.success_count, 9);
      assert.ok(w.upstream.requests.every((x) => x.headers['x-api-key'] === 'echo-key-of-eve'));
    } finally {
      await client.close();
    }
  });

  test('an EXPIRED account, and reinitiate_all, get a new link; the newly connected account is the one used', async () => {
    const old = await w.keyAccount('fay', 'k-fay-old');
    await w.t.runtime.database.db.updateTable('connected_accounts').set({ status: 'EXPIRED' }).where('id', '=', old).execute();
    const s = await w.session({ user_id: 'fay', toolkits: { enable: ['echoapi'] } });
    const client = await mcpClient(s.mcp.url, w.t.apiKey);
    const whoami = async () => {
      w.upstream.requests.length = 0;
      const r = resultOf(await client.callTool({ name: 'COMPOSIO_MULTI_EXECUTE_TOOL', arguments: { tools: [{ tool_slug: 'ECHOAPI_GET_WHOAMI' }] } }));
      assert.equal(r.successful, true, JSON.stringify(r));
      return w.upstream.requests[0].headers['x-api-key'];
    };
    const manage = async (args: Record<string, unknown>) =>
      resultOf(await client.callTool({ name: 'COMPOSIO_MANAGE_CONNECTIONS', arguments: { toolkits: ['echoapi'], ...args } })).data.results.echoapi;
    try {
      const expired = await manage({});
      assert.equal(expired.status, 'initiated');
      await completeKeyLink(w, expired.redirect_url, 'k-fay-new');
      assert.equal(await whoami(), 'k-fay-new');
      const active = await manage({});
      assert.equal(active.status, 'active');
      const again = await manage({ reinitiate_all: true });
      assert.equal(again.status, 'initiated', 'reinitiate_all links even a connected toolkit');
      assert.equal(await whoami(), 'k-fay-new', 'the connected account serves until the new one is done');
      await completeKeyLink(w, again.redirect_url, 'k-fay-newest');
      assert.equal(await whoami(), 'k-fay-newest');
    } finally {
      await client.close();
    }
  });

  test('preload.tools: the preloaded tools are direct MCP tools too, and run like a multi-execute call', async () => {
    const account = await w.keyAccount('cy', 'echo-key-of-cy');
    const s = await w.session({ user_id: 'cy', toolkits: { enable: ['echoapi'] }, preload: { tools: ['ECHOAPI_GET_WHOAMI'] } });
    const client = await mcpClient(s.mcp.url, w.t.apiKey);
    try {
      const { tools } = await client.listTools();
      assert.deepEqual(
        tools.map((t) => t.name),
        [...META, 'ECHOAPI_GET_WHOAMI'],
      );
      const direct = tools.at(-1)!;
      assert.deepEqual(direct.inputSchema, { type: 'object', properties: {}, required: [], additionalProperties: false });
      assert.equal(direct.annotations?.readOnlyHint, true);
      const r = resultOf(await client.callTool({ name: 'ECHOAPI_GET_WHOAMI', arguments: {} }));
      assert.deepEqual(r, { successful: true, error: null, data: { path: '/echo/whoami' }, isError: false });
      assert.equal(w.upstream.requests.at(-1)?.headers['x-api-key'], 'echo-key-of-cy');
      // A session tool that is not preloaded is not a direct tool: a protocol error.
      await assert.rejects(
        client.callTool({ name: 'ECHOAPI_GET_ITEM', arguments: { id: 'a' } }),
        (e: unknown) => e instanceof McpError && e.code === -32602 && /Unknown tool: ECHOAPI_GET_ITEM/.test(e.message),
      );
      assert.ok(account);
    } finally {
      await client.close();
    }
  });

  test('the /api/v3 alias serves the same MCP endpoint', async () => {
    const s = await w.session({ user_id: 'dee', toolkits: { enable: ['echoapi'] } });
    const client = await mcpClient(s.mcp.url.replace('/api/v3.1/', '/api/v3/'), w.t.apiKey);
    try {
      assert.equal((await client.listTools()).tools.length, 4);
    } finally {
      await client.close();
    }
  });
});
