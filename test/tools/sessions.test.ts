// Issue #13: a tool-router session's tools, search and execute routes honour
// its toolkits / tools / tags filters and its account rules; a deleted
// session answers 404 everywhere.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.ts';
import { api } from '../helpers/test-app.ts';
import { envelopeOf } from '../sessions/helpers.ts';
import { startToolWorld, type ToolWorld } from './helpers.ts';

const S = '/api/v3.1/tool_router/session';

forEachBackend('session tools', (backend) => {
  let w: ToolWorld;
  before(async () => {
    w = await startToolWorld(backend);
  });
  after(() => w.close());
  beforeEach(() => {
    w.upstream.requests.length = 0;
    w.upstream.reply = () => ({ status: 200, body: { login: 'octocat', id: 1 } });
  });
  const a = () => api(w.t);
  // Sessions reach GitHub only unless a test says otherwise: the catalog has many toolkits, these tests count GitHub's tools.
  // preload "all" puts every tool the filters allow beside the meta tools in GET …/tools, which is how these tests see the filters.
  const session = async (body: Record<string, unknown>) => {
    const res = await a().post(S, { toolkits: { enable: ['github'] }, preload: { tools: 'all' }, ...body });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.session_id as string;
  };
  const slugsOf = async (id: string) => {
    const res = await a().get(`${S}/${id}/tools`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return (res.body.items.map((t: any) => t.slug) as string[]).filter((s) => !s.startsWith('COMPOSIO_'));
  };

  test('tools lists what the filters allow: per-toolkit lists, tag filters, toolkit switches, the preload list', async () => {
    const all = await slugsOf(await session({ user_id: 'u' }));
    assert.equal(all.length, 25);
    const everything = await slugsOf(await session({ user_id: 'u', toolkits: undefined }));
    assert.ok(everything.length > all.length && everything.some((s) => s.startsWith('SLACK_')), 'no toolkit filter: every toolkit');
    const listed = await slugsOf(await session({ user_id: 'u', tools: { github: { enable: ['GITHUB_GET_AN_ISSUE', 'github_list_branches'] } } }));
    assert.deepEqual(listed, ['GITHUB_GET_AN_ISSUE', 'GITHUB_LIST_BRANCHES']);
    const notTwo = await slugsOf(await session({ user_id: 'u', tools: { github: { disable: ['GITHUB_GET_AN_ISSUE', 'GITHUB_LIST_BRANCHES'] } } }));
    assert.equal(notTwo.length, 23);
    assert.ok(!notTwo.includes('GITHUB_GET_AN_ISSUE'));
    const readOnly = await slugsOf(await session({ user_id: 'u', tags: ['readOnlyHint'] }));
    assert.ok(readOnly.length > 5 && readOnly.every((s) => !/CREATE|UPDATE|MERGE|ADD/.test(s)), readOnly.join());
    const noDestructive = await slugsOf(await session({ user_id: 'u', tags: { disable: ['destructiveHint'] } }));
    assert.ok(!noDestructive.includes('GITHUB_UPDATE_AN_ISSUE') && noDestructive.includes('GITHUB_CREATE_AN_ISSUE'));
    // A per-toolkit tag filter replaces the global one; a per-toolkit list wins over tags.
    const perToolkitTags = await slugsOf(await session({ user_id: 'u', tags: ['readOnlyHint'], tools: { github: { tags: ['destructiveHint'] } } }));
    assert.deepEqual(perToolkitTags, ['GITHUB_CREATE_OR_UPDATE_FILE_CONTENTS', 'GITHUB_UPDATE_AN_ISSUE', 'GITHUB_UPDATE_A_PULL_REQUEST']);
    const listWins = await slugsOf(await session({ user_id: 'u', tags: ['readOnlyHint'], tools: { github: { enable: ['GITHUB_CREATE_AN_ISSUE'] } } }));
    assert.deepEqual(listWins, ['GITHUB_CREATE_AN_ISSUE']);
    const noGithub = await slugsOf(await session({ user_id: 'u', toolkits: { disable: ['github'] } }));
    assert.ok(noGithub.length > 0 && !noGithub.some((s) => s.startsWith('GITHUB_')), 'a disabled toolkit offers no tool');
    const preloaded = await slugsOf(
      await session({ user_id: 'u', preload: { tools: ['GITHUB_GET_AN_ISSUE', 'GITHUB_CREATE_AN_ISSUE'] }, tags: ['readOnlyHint'] }),
    );
    assert.deepEqual(preloaded, ['GITHUB_GET_AN_ISSUE'], 'the preload list, within the filters');
    const page = await a().get(`${S}/${await session({ user_id: 'u' })}/tools?limit=10`);
    assert.equal(page.body.total_pages, 3);
    assert.ok(page.body.next_cursor);
  });

  test('execute: the filters are enforced; the user’s own account is used; a SHARED one only when pinned', async () => {
    await w.account('sam', 'ghp_sam');
    const shared = await w.account('team', 'ghp_team', { shared: { allow_all_users: true } });
    const limited = await session({ user_id: 'sam', tools: { github: { enable: ['GITHUB_GET_THE_AUTHENTICATED_USER'] } } });
    const refused = await a().post(`${S}/${limited}/execute`, { tool_slug: 'GITHUB_CREATE_AN_ISSUE', arguments: { owner: 'o', repo: 'r', title: 't' } });
    assert.equal(refused.status, 403);
    assert.equal(envelopeOf(refused).slug, 'ToolRouterV2_ToolNotEnabled');
    assert.equal(envelopeOf(refused).message, `Tool GITHUB_CREATE_AN_ISSUE is not enabled in tool router session ${limited}`);
    assert.equal(w.upstream.requests.length, 0);
    const ok = await a().post(`${S}/${limited}/execute`, { tool_slug: 'GITHUB_GET_THE_AUTHENTICATED_USER', arguments: {} });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body, { data: { login: 'octocat', id: 1 }, error: null, successful: true, log_id: ok.headers['x-request-id'] });
    assert.equal(w.upstream.requests[0].headers.authorization, 'Bearer ghp_sam');

    const tagged = await session({ user_id: 'sam', tags: ['readOnlyHint'] });
    const write = await a().post(`${S}/${tagged}/execute`, { tool_slug: 'GITHUB_MERGE_A_PULL_REQUEST', arguments: { owner: 'o', repo: 'r', pull_number: 1 } });
    assert.equal(write.status, 403);

    const noOwn = await session({ user_id: 'team' });
    const none = await a().post(`${S}/${noOwn}/execute`, { tool_slug: 'GITHUB_GET_THE_AUTHENTICATED_USER', arguments: {} });
    assert.equal(none.status, 404, 'a SHARED account is never picked implicitly');
    const pinned = await session({ user_id: 'sam', connected_accounts: { github: shared } });
    const viaPin = await a().post(`${S}/${pinned}/execute`, { tool_slug: 'GITHUB_GET_THE_AUTHENTICATED_USER', arguments: {} });
    assert.equal(viaPin.status, 200);
    assert.equal(w.upstream.requests.at(-1)?.headers.authorization, 'Bearer ghp_team');
    assert.equal(viaPin.headers['x-authlink-connected-account-id'], shared);

    const bad = await a().post(`${S}/${limited}/execute`, { tool_slug: 'GITHUB_GET_THE_AUTHENTICATED_USER', arguments: { extra: 1 } });
    assert.equal(bad.status, 400);
    assert.deepEqual(envelopeOf(bad).errors, ['arguments.extra: is not an argument of GITHUB_GET_THE_AUTHENTICATED_USER']);
  });

  test('execute: account chooses among the usable accounts by id or alias', async () => {
    const work = await w.account('mia', 'ghp_mia_work', { alias: 'work' });
    await new Promise((r) => setTimeout(r, 5));
    await w.account('mia', 'ghp_mia_home', { alias: 'home' });
    const id = await session({ user_id: 'mia', multi_account: { enable: true } });
    const run = (account?: string) =>
      a().post(`${S}/${id}/execute`, { tool_slug: 'GITHUB_GET_THE_AUTHENTICATED_USER', arguments: {}, ...(account ? { account } : {}) });
    assert.equal((await run()).status, 200);
    assert.equal(w.upstream.requests.at(-1)?.headers.authorization, 'Bearer ghp_mia_home', 'the newest by default');
    assert.equal((await run('work')).status, 200);
    assert.equal(w.upstream.requests.at(-1)?.headers.authorization, 'Bearer ghp_mia_work');
    assert.equal((await run(work)).status, 200);
    assert.equal(w.upstream.requests.at(-1)?.headers.authorization, 'Bearer ghp_mia_work');
    const other = await w.account('nina', 'ghp_nina');
    const foreign = await run(other);
    assert.equal(foreign.status, 403);
  });

  test('an auth config named by the session restricts its tools too', async () => {
    const acId = await w.authConfig({ restrict_to_following_tools: ['GITHUB_GET_THE_AUTHENTICATED_USER'] });
    await w.account('ric', 'ghp_ric', { authConfigId: acId });
    const id = await session({ user_id: 'ric', auth_configs: { github: acId } });
    assert.deepEqual(await slugsOf(id), ['GITHUB_GET_THE_AUTHENTICATED_USER']);
    const refused = await a().post(`${S}/${id}/execute`, { tool_slug: 'GITHUB_LIST_BRANCHES', arguments: { owner: 'o', repo: 'r' } });
    assert.equal(refused.status, 403);
    assert.equal(envelopeOf(refused).slug, 'Tool_NotAllowedByAuthConfig');
  });

  test('search ranks the session’s tools for each use case, with schemas and connection status', async () => {
    await w.account('sol', 'ghp_sol');
    const id = await session({ user_id: 'sol', tools: { github: { disable: ['GITHUB_CREATE_A_PULL_REQUEST'] } } });
    const res = await a().post(`${S}/${id}/search`, {
      queries: [{ use_case: 'merge a pull request' }, { use_case: 'open a pull request' }, { use_case: 'zzqqx' }],
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const [merge, open, nothing] = res.body.results;
    assert.equal(merge.index, 1);
    assert.equal(merge.primary_tool_slugs[0], 'GITHUB_MERGE_A_PULL_REQUEST');
    assert.ok(!open.primary_tool_slugs.includes('GITHUB_CREATE_A_PULL_REQUEST'), 'a disabled tool is never found');
    assert.deepEqual(nothing.primary_tool_slugs, []);
    assert.deepEqual(merge.toolkits, ['github']);
    const schema = res.body.tool_schemas.GITHUB_MERGE_A_PULL_REQUEST;
    assert.equal(schema.toolkit, 'github');
    assert.deepEqual(schema.input_schema.required, ['owner', 'repo', 'pull_number']);
    const [status] = res.body.toolkit_connection_statuses;
    assert.equal(status.toolkit, 'github');
    assert.equal(status.has_active_connection, true);
    assert.match(status.connection_details.connected_account_id, /^ca_/);
    assert.equal(res.body.session.id, id);
    assert.equal(res.body.success, true);
  });

  test('delete: the session answers 404 on every route afterwards, including …/mcp; another project cannot delete it', async () => {
    const id = await session({ user_id: 'del' });
    const other = await w.t.otherProject();
    assert.equal((await api(w.t, other.apiKey).delete(`${S}/${id}`)).status, 404);
    const del = await a().delete(`${S}/${id}`);
    assert.equal(del.status, 200);
    assert.deepEqual(del.body, { session_id: id, deleted: true });
    const calls = [
      a().get(`${S}/${id}`),
      a().get(`${S}/${id}/tools`),
      a().get(`${S}/${id}/toolkits`),
      a().post(`${S}/${id}/search`, { queries: [{ use_case: 'issues' }] }),
      a().post(`${S}/${id}/execute`, { tool_slug: 'GITHUB_GET_THE_AUTHENTICATED_USER', arguments: {} }),
      a().post(`${S}/${id}/proxy_execute`, { toolkit_slug: 'github', endpoint: '/user', method: 'GET' }),
      a().post(`${S}/${id}/link`, { toolkit: 'github' }),
      a().get(`${S}/${id}/mcp`),
      a().post(`${S}/${id}/mcp`, { jsonrpc: '2.0', id: 1, method: 'tools/list' }, { accept: 'application/json, text/event-stream' }),
      a().post(`${S}/${id}/execute_meta`, { slug: 'COMPOSIO_SEARCH_TOOLS', arguments: { queries: [{ use_case: 'issues' }] } }),
      a().delete(`${S}/${id}/mcp`),
      a().delete(`${S}/${id}`),
    ];
    for (const res of await Promise.all(calls)) {
      assert.equal(res.status, 404, JSON.stringify(res.body));
      assert.equal(envelopeOf(res).slug, 'ToolRouterV2_SessionNotFound');
    }
  });
});
