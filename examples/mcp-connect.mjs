#!/usr/bin/env node
// An MCP client against an authlink tool-router session, with no model in
// the loop: it creates a session for one user, connects to the session's MCP
// URL with the official MCP TypeScript SDK, lists the tools an agent would
// see, and asks COMPOSIO_MANAGE_CONNECTIONS for each toolkit, printing the
// link the user must open (or the account already connected).
//
//   AUTHLINK_URL=http://127.0.0.1:8080 AUTHLINK_API_KEY=ak_... \
//     node examples/mcp-connect.mjs [user_id] [toolkit ...]
//
// It needs @modelcontextprotocol/sdk (run it from an authlink checkout, or
// `npm install @modelcontextprotocol/sdk` next to it). The project API key is
// sent to authlink only, in the x-api-key header; it is never printed.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const base = (process.env.AUTHLINK_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
const apiKey = process.env.AUTHLINK_API_KEY;
if (!apiKey) {
  console.error('Set AUTHLINK_API_KEY to a project API key (authlink keys create --project <id>)');
  process.exit(2);
}
const [userId = 'example-user', ...args] = process.argv.slice(2);
const toolkits = args.length ? args : ['github'];

// 1. A tool-router session for the user (REST, like any app backend).
const created = await fetch(`${base}/api/v3.1/tool_router/session`, {
  method: 'POST',
  headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
  body: JSON.stringify({ user_id: userId, toolkits: { enable: toolkits } }),
});
const session = await created.json();
if (!created.ok) {
  console.error(`Could not create a session: ${session.error?.message ?? created.status}`);
  process.exit(1);
}
console.log(`session ${session.session_id}`);
console.log(`mcp url ${session.mcp.url}`);

// 2. The session's MCP server: the same URL, the same key.
const client = new Client({ name: 'authlink-example', version: '1.0.0' });
await client.connect(new StreamableHTTPClientTransport(new URL(session.mcp.url), { requestInit: { headers: { 'x-api-key': apiKey } } }));
try {
  const { tools } = await client.listTools();
  console.log(`tools ${tools.map((t) => t.name).join(', ')}`);

  // 3. Connections: a link per toolkit the user has not connected yet.
  const result = await client.callTool({ name: 'COMPOSIO_MANAGE_CONNECTIONS', arguments: { toolkits } });
  const { data, error } = JSON.parse(result.content[0].text);
  for (const [toolkit, r] of Object.entries(data.results)) {
    if (r.status === 'initiated') console.log(`${toolkit}: open ${r.redirect_url}`);
    else if (r.status === 'active') console.log(`${toolkit}: connected (${r.connected_account_id})`);
    else console.log(`${toolkit}: ${r.error}`);
  }
  if (error) process.exitCode = 1;
} finally {
  await client.close();
}
