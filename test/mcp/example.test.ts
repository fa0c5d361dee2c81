// Issue #14: examples/mcp-connect.mjs works against a real authlink: run as a
// child process (plain node, no build), it creates a session, lists the MCP
// tools and prints a connection link that the browser stand-in can complete;
// run again, it reports the account.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { forEachBackend } from '../helpers/backends.ts';
import { completeKeyLink, type McpWorld, startMcpWorld } from './helpers.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function runExample(env: Record<string, string>, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'examples', 'mcp-connect.mjs'), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

forEachBackend('examples/mcp-connect.mjs', (backend) => {
  let w: McpWorld;
  before(async () => {
    w = await startMcpWorld(backend);
  });
  after(() => w.close());

  test('prints the session, its tools and a link per toolkit; after the user connects, the account', async () => {
    const env = { AUTHLINK_URL: w.t.config.publicUrl, AUTHLINK_API_KEY: w.t.apiKey };
    const first = await runExample(env, ['example-user', 'echoapi', 'localoidc']);
    assert.equal(first.code, 0, first.stderr);
    const lines = first.stdout.trim().split('\n');
    assert.match(lines[0], /^session trs_[a-z0-9]{12}$/);
    assert.match(lines[1], /^mcp url http:\/\/127\.0\.0\.1:\d+\/api\/v3\.1\/tool_router\/session\/trs_[a-z0-9]{12}\/mcp$/);
    assert.equal(lines[2], 'tools COMPOSIO_SEARCH_TOOLS, COMPOSIO_GET_TOOL_SCHEMAS, COMPOSIO_MANAGE_CONNECTIONS, COMPOSIO_MULTI_EXECUTE_TOOL');
    const echo = /^echoapi: open (http:\/\/\S+\/link\/lt_\S+)$/.exec(lines[3]);
    assert.ok(echo, lines[3]);
    assert.match(lines[4], /^localoidc: open http:\/\/\S+\/link\/lt_\S+$/);
    assert.ok(!first.stdout.includes(w.t.apiKey), 'the key is never printed');

    await completeKeyLink(w, echo[1], 'example-user-key');
    const second = await runExample(env, ['example-user', 'echoapi']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout.trim().split('\n')[3], /^echoapi: connected \(ca_\w+\)$/);

    const noKey = await runExample({ AUTHLINK_URL: w.t.config.publicUrl }, []);
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /Set AUTHLINK_API_KEY/);
  });
});
