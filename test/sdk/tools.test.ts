// Issue #13: Composio's own SDKs list, describe and execute authlink's tools
// unchanged (only apiKey and baseURL set): @composio/core's tools and
// tool-router session, and @composio/client's tools resource.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Composio } from '@composio/core';
import ComposioClient from '@composio/client';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { forEachBackend } from '../helpers/backends.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { writeToolkitsDir } from '../helpers/toolkits.ts';
import { startStandIn, toolkitAt, type StandIn } from '../tools/helpers.ts';

forEachBackend('Composio SDKs and tools', (backend) => {
  let t: TestApp;
  let upstream: StandIn;
  let core: Composio;
  let client: ComposioClient;
  let accountId: string;
  before(async () => {
    upstream = await startStandIn();
    upstream.reply = (req) =>
      req.path === '/user'
        ? { status: 200, body: { login: 'octocat', id: 583231 } }
        : { status: 201, body: { id: 1, number: 7, title: 'From the SDK', state: 'open', html_url: 'https://github.com/o/r/issues/7' } };
    t = await startTestApp(backend, {
      listen: true,
      env: { AUTHLINK_TOOLKITS_DIR: writeToolkitsDir([toolkitAt('github', upstream.origin)]), AUTHLINK_PROXY_ALLOW_PRIVATE: '127.0.0.1' },
    });
    core = new Composio({ apiKey: t.apiKey, baseURL: t.config.publicUrl, allowTracking: false, disableVersionCheck: true });
    client = new ComposioClient({ apiKey: t.apiKey, baseURL: t.config.publicUrl });
    const ac = await client.authConfigs.create({ toolkit: { slug: 'github' }, auth_config: { type: 'use_custom_auth', authScheme: 'BEARER_TOKEN' } });
    const state = { authScheme: 'BEARER_TOKEN', val: { status: 'ACTIVE', token: 'ghp_sdk' } } as unknown as NonNullable<
      Parameters<typeof client.connectedAccounts.create>[0]['connection']['state']
    >;
    accountId = (await client.connectedAccounts.create({ auth_config: { id: ac.auth_config.id }, connection: { user_id: 'sdk-user', state } })).id;
  });
  after(async () => {
    await t.close();
    await upstream.close();
  });

  test('@composio/core tools.get wraps the toolkit’s tools as valid OpenAI function schemas', async () => {
    const tools = (await core.tools.get('sdk-user', { toolkits: ['github'] })) as Array<{
      type: string;
      function: { name: string; description: string; parameters: object };
    }>;
    assert.equal(tools.length, 12, 'the important GitHub tools (the SDK asks for important=true by default)');
    const ajv = new Ajv2020({ strict: false });
    for (const tool of tools) {
      assert.equal(tool.type, 'function');
      assert.match(tool.function.name, /^GITHUB_[A-Z_]+$/);
      assert.ok(tool.function.description.length >= 20);
      assert.equal((tool.function.parameters as { type: string }).type, 'object');
      assert.doesNotThrow(() => ajv.compile(tool.function.parameters), tool.function.name);
    }
    const many = await core.tools.get('sdk-user', { toolkits: ['github'], limit: 100 });
    assert.equal(many.length, 25);
  });

  test('@composio/core getRawComposioToolBySlug and tools.execute for a connected user', async () => {
    const raw = await core.tools.getRawComposioToolBySlug('GITHUB_CREATE_AN_ISSUE');
    assert.equal(raw.slug, 'GITHUB_CREATE_AN_ISSUE');
    assert.equal(raw.toolkit?.slug, 'github');
    assert.deepEqual(raw.inputParameters?.required, ['owner', 'repo', 'title']);
    assert.ok(raw.tags?.includes('openWorldHint'));
    upstream.requests.length = 0;
    const result = await core.tools.execute('GITHUB_CREATE_AN_ISSUE', {
      userId: 'sdk-user',
      version: raw.version,
      arguments: { owner: 'o', repo: 'r', title: 'From the SDK' },
    });
    assert.equal(result.successful, true, JSON.stringify(result));
    assert.equal(result.error, null);
    assert.deepEqual(result.data, { id: 1, number: 7, title: 'From the SDK', state: 'open', html_url: 'https://github.com/o/r/issues/7' });
    assert.match(String(result.logId), /^req_/);
    assert.equal(upstream.requests[0].headers.authorization, 'Bearer ghp_sdk');
    assert.deepEqual(JSON.parse(upstream.requests[0].body), { title: 'From the SDK' });
    // A user with no account: the SDK's own ConnectedAccountNotFound error (code 1803).
    await assert.rejects(
      core.tools.execute('GITHUB_GET_THE_AUTHENTICATED_USER', { userId: 'nobody', arguments: {}, dangerouslySkipVersionCheck: true }),
      (e: Error) => e.name === 'ComposioConnectedAccountNotFoundError',
    );
    await assert.rejects(core.tools.getRawComposioToolBySlug('GITHUB_NOPE'), (e: Error) => e.name === 'ComposioToolNotFoundError');
  });

  test('@composio/core tool-router session: tools(), search(), execute(), delete()', async () => {
    const session = await core.toolRouter.create('sdk-user', {
      toolkits: ['github'],
      tools: { github: ['GITHUB_GET_THE_AUTHENTICATED_USER', 'GITHUB_CREATE_AN_ISSUE'] },
    });
    // As Composio's tool router: the agent gets the meta tools, and finds and runs the session's tools through them.
    const tools = (await session.tools()) as unknown as Array<{ function: { name: string; parameters: { type: string } } }>;
    assert.deepEqual(tools.map((x) => x.function.name).sort(), [
      'COMPOSIO_GET_TOOL_SCHEMAS',
      'COMPOSIO_MANAGE_CONNECTIONS',
      'COMPOSIO_MULTI_EXECUTE_TOOL',
      'COMPOSIO_SEARCH_TOOLS',
    ]);
    assert.ok(tools.every((x) => x.function.parameters.type === 'object'));
    const preloaded = await core.toolRouter.create('sdk-user', {
      toolkits: ['github'],
      tools: { github: ['GITHUB_GET_THE_AUTHENTICATED_USER', 'GITHUB_CREATE_AN_ISSUE'] },
      preload: { tools: 'all' },
    });
    const direct = ((await preloaded.tools()) as Array<{ function: { name: string } }>).map((x) => x.function.name).filter((n) => !n.startsWith('COMPOSIO_'));
    assert.deepEqual(
      direct.sort(),
      ['GITHUB_CREATE_AN_ISSUE', 'GITHUB_GET_THE_AUTHENTICATED_USER'],
      'preloaded tools come next to the meta tools, within the filters',
    );
    const found = await session.search({ query: 'who is the authenticated user' });
    assert.equal(found.success, true);
    assert.equal(found.results[0].primaryToolSlugs[0], 'GITHUB_GET_THE_AUTHENTICATED_USER');
    assert.ok(found.toolSchemas.GITHUB_GET_THE_AUTHENTICATED_USER);
    assert.equal(found.toolkitConnectionStatuses[0].hasActiveConnection, true);
    const run = await session.execute('GITHUB_GET_THE_AUTHENTICATED_USER', {});
    assert.deepEqual(run.data, { login: 'octocat', id: 583231 });
    assert.equal(run.error, null);
    const gone = await session.delete();
    assert.deepEqual(gone, { sessionId: session.sessionId, deleted: true });
    await assert.rejects(session.execute('GITHUB_GET_THE_AUTHENTICATED_USER', {}), (e: { status?: number }) => e.status === 404);
  });

  test('@composio/client tools.list, retrieve, retrieveEnum and execute', async () => {
    const page = await client.tools.list({ toolkit_slug: 'github', limit: 5 });
    assert.equal(page.items.length, 5);
    assert.equal(page.total_items, 25);
    assert.ok(page.next_cursor);
    const one = await client.tools.retrieve('GITHUB_LIST_BRANCHES');
    assert.equal(one.name, 'List branches');
    assert.ok((await client.tools.retrieveEnum()).includes('GITHUB_LIST_BRANCHES'));
    const result = await client.tools.execute('GITHUB_GET_THE_AUTHENTICATED_USER', { connected_account_id: accountId, arguments: {} });
    assert.equal(result.successful, true);
    assert.deepEqual(result.data, { login: 'octocat', id: 583231 });
  });
});
