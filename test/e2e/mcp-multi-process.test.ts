// Issue #14: two authlink processes on one PostgreSQL serve one MCP client
// alternately, request by request (its fetch sends each HTTP request to the
// other process): the MCP server keeps nothing per process, so initialize,
// tools/list and tool calls may each land anywhere.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { PG_URL } from '../helpers/backends.ts';
import { pgUrlWithSchema, startChild, type Child } from '../helpers/child.ts';
import { completeOAuthLink, type McpWorld, resultOf, startMcpWorld } from '../mcp/helpers.ts';

describe('two authlink processes on one PostgreSQL serve one MCP client', {
  skip: PG_URL ? false : 'TEST_DATABASE_URL is not set: PostgreSQL half skipped (.ci/run sets it)',
}, () => {
  let w: McpWorld;
  let children: Child[] = [];
  before(async () => {
    w = await startMcpWorld('postgres');
    const env = {
      DATABASE_URL: pgUrlWithSchema(PG_URL!, w.t.pgSchema!),
      AUTHLINK_ENCRYPTION_KEY: w.t.config.encryptionKeys!,
      AUTHLINK_TOOLKITS_DIR: w.t.config.toolkitsDir!,
      AUTHLINK_TOOLS_DIR: w.t.config.toolsDir!,
      AUTHLINK_ALLOW_INSECURE_OAUTH: '1',
      AUTHLINK_PROXY_ALLOW_PRIVATE: '127.0.0.1',
      AUTHLINK_DATA_DIR: w.t.dataDir,
      AUTHLINK_PUBLIC_URL: w.t.config.publicUrl,
    };
    children = await Promise.all([startChild(env), startChild(env)]);
  });
  after(async () => {
    await Promise.all(children.map((c) => c.stop()));
    await w.close();
  });

  test('initialize, list, link, OAuth, run: every request on the other process than the one before', async () => {
    const s = await w.session({ user_id: 'mp-user', toolkits: { enable: ['localoidc'] } });
    const path = new URL(s.mcp.url).pathname;
    const served: string[] = [];
    let turn = 0;
    const alternate: typeof fetch = (input, init) => {
      const child = children[turn++ % 2];
      served.push(child.url);
      const u = new URL(input instanceof Request ? input.url : String(input));
      return fetch(`${child.url}${u.pathname}${u.search}`, init);
    };
    const client = new Client({ name: 'mp', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${children[0].url}${path}`), { fetch: alternate, requestInit: { headers: { 'x-api-key': w.t.apiKey } } }),
    );
    try {
      assert.equal((await client.listTools()).tools.length, 4);
      const manage = resultOf(await client.callTool({ name: 'COMPOSIO_MANAGE_CONNECTIONS', arguments: { toolkits: ['localoidc'] } }));
      assert.equal(manage.data.results.localoidc.status, 'initiated');
      await completeOAuthLink(w, manage.data.results.localoidc.redirect_url);
      const check = resultOf(await client.callTool({ name: 'COMPOSIO_MANAGE_CONNECTIONS', arguments: { toolkits: ['localoidc'] } }));
      assert.equal(check.data.results.localoidc.status, 'active');
      w.upstream.requests.length = 0;
      const run = resultOf(
        await client.callTool({
          name: 'COMPOSIO_MULTI_EXECUTE_TOOL',
          arguments: { tools: [{ tool_slug: 'LOCALOIDC_GET_ME' }, { tool_slug: 'LOCALOIDC_GET_ME' }] },
        }),
      );
      assert.equal(run.data.success_count, 2, JSON.stringify(run));
      const tokens = w.op.issued.map((x) => x.access_token);
      for (const r of w.upstream.requests) assert.ok(tokens.includes(String(r.headers.authorization).replace(/^Bearer /, '')));
      assert.equal(w.upstream.requests.length, 2);
    } finally {
      await client.close();
    }
    assert.ok(served.filter((u) => u === children[0].url).length >= 3, served.join());
    assert.ok(served.filter((u) => u === children[1].url).length >= 3, served.join());
  });
});
