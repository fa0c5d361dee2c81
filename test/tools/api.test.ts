// Issue #13: GET /tools, /tools/{slug}, /tools/enum, /tools/scopes/required and
// POST /tools/execute/{slug} over a real app, against a stand-in provider.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { forEachBackend } from '../helpers/backends.ts';
import { api } from '../helpers/test-app.ts';
import { apiKeyToolkit } from '../helpers/toolkits.ts';
import { envelopeOf } from '../sessions/helpers.ts';
import { startToolWorld, type ToolWorld } from './helpers.ts';
import { QueryRecorder } from '../helpers/query-recorder.ts';

const V = '/api/v3.1';

/** A toolkit on an address the proxy refuses, with one tool, to see a refused target become a result. */
function blockedWorld() {
  const toolkit = { ...apiKeyToolkit('http://10.255.0.1'), slug: 'blockedapi', name: 'Blocked API' };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authlink-tools-'));
  fs.writeFileSync(
    path.join(dir, 'blockedapi.json'),
    JSON.stringify({
      toolkit: 'blockedapi',
      tools: [
        {
          slug: 'BLOCKEDAPI_PING',
          name: 'Ping',
          description: 'Pings a provider on a private address, for tests.',
          docs_url: 'https://example.com/ping',
          tags: [],
          hints: { read_only: true, destructive: false, idempotent: true, open_world: false },
          scopes: [],
          input_parameters: { type: 'object', properties: {}, additionalProperties: false },
          output_parameters: { type: 'object' },
          request: { method: 'GET', path: '/ping' },
          examples: [{ arguments: {}, request: { method: 'GET', path: '/ping' }, response: { status: 200, body: {} } }],
        },
      ],
    }),
  );
  return { toolkit, dir };
}

forEachBackend('tools API', (backend) => {
  let w: ToolWorld;
  const blocked = blockedWorld();
  const recorder = new QueryRecorder();
  before(async () => {
    w = await startToolWorld(backend, {
      storePlugin: recorder,
      toolkits: [blocked.toolkit],
      env: { AUTHLINK_TOOLS_DIR: blocked.dir, AUTHLINK_PROXY_TIMEOUT_MS: '1000', AUTHLINK_PROXY_MAX_RESPONSE_BYTES: '65536' },
    });
  });
  after(() => w.close());
  beforeEach(() => {
    w.upstream.requests.length = 0;
    w.upstream.reply = () => ({ status: 200, body: { ok: true } });
  });
  const a = () => api(w.t);
  const execute = (slug: string, body: unknown, key?: string) => api(w.t, key).post(`${V}/tools/execute/${slug}`, body);

  describe('listing', () => {
    test('toolkit filter, sorted by slug, Composio tool objects with hint tags', async () => {
      const res = await a().get(`${V}/tools?toolkit_slug=github&limit=100`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const slugs = res.body.items.map((t: any) => t.slug);
      assert.equal(res.body.total_items, 25);
      assert.deepEqual(slugs, [...slugs].sort());
      assert.ok(slugs.every((s: string) => s.startsWith('GITHUB_')));
      const create = res.body.items.find((t: any) => t.slug === 'GITHUB_CREATE_AN_ISSUE');
      assert.deepEqual(create.toolkit, { slug: 'github', name: 'GitHub', logo: `${w.t.config.publicUrl}/logos/github.svg` });
      assert.deepEqual(create.tags, ['issues', 'openWorldHint']);
      assert.deepEqual(create.scopes, ['repo']);
      assert.equal(create.no_auth, false);
      assert.equal(create.is_deprecated, false);
      assert.equal(create.version, create.available_versions[0]);
      assert.deepEqual(create.input_parameters.required, ['owner', 'repo', 'title']);
      const get = res.body.items.find((t: any) => t.slug === 'GITHUB_GET_AN_ISSUE');
      assert.deepEqual(get.tags, ['issues', 'readOnlyHint', 'idempotentHint']);
    });

    test('tool_slugs overrides the rest; important, tags, scopes and query filter', async () => {
      const bySlugs = await a().get(`${V}/tools?tool_slugs=github_get_an_issue,GITHUB_NOPE,GITHUB_CREATE_AN_ISSUE&toolkit_slug=slack`);
      assert.deepEqual(
        bySlugs.body.items.map((t: any) => t.slug),
        ['GITHUB_GET_AN_ISSUE', 'GITHUB_CREATE_AN_ISSUE'],
      );
      const important = await a().get(`${V}/tools?toolkit_slug=github&important=true&limit=100`);
      assert.equal(important.body.total_items, 12);
      assert.ok(!important.body.items.some((t: any) => t.slug === 'GITHUB_UPDATE_AN_ISSUE'));
      const readOnly = await a().get(`${V}/tools?toolkit_slug=github&tags=readOnlyHint&limit=100`);
      assert.ok(readOnly.body.items.length > 5 && readOnly.body.items.every((t: any) => t.tags.includes('readOnlyHint')));
      const anyOf = await a().get(`${V}/tools?toolkit_slug=github&tags=labels,comments&limit=100`);
      assert.deepEqual(anyOf.body.items.map((t: any) => t.slug).sort(), [
        'GITHUB_ADD_LABELS_TO_AN_ISSUE',
        'GITHUB_CREATE_AN_ISSUE_COMMENT',
        'GITHUB_LIST_ISSUE_COMMENTS',
      ]);
      const scoped = await a().get(`${V}/tools?scopes=read:user`);
      assert.deepEqual(
        scoped.body.items.map((t: any) => t.slug),
        ['GITHUB_GET_THE_AUTHENTICATED_USER'],
      );
      const found = await a().get(`${V}/tools?query=merge%20a%20pull%20request&limit=3`);
      assert.equal(found.body.items[0].slug, 'GITHUB_MERGE_A_PULL_REQUEST');
      const old = await a().get(`${V}/tools?search=merge%20pull%20request&limit=1`);
      assert.equal(old.body.items[0].slug, 'GITHUB_MERGE_A_PULL_REQUEST');
      const none = await a().get(`${V}/tools?query=zzzqqq`);
      assert.deepEqual(none.body.items, []);
    });

    test('cursor paging walks every tool once; a bad cursor is a 400', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res = await a().get(`${V}/tools?toolkit_slug=github&limit=10${cursor ? `&cursor=${cursor}` : ''}`);
        assert.equal(res.status, 200);
        assert.equal(res.body.total_pages, 3);
        assert.equal(res.body.current_page, ++pages);
        seen.push(...res.body.items.map((t: any) => t.slug));
        cursor = res.body.next_cursor;
      } while (cursor);
      assert.equal(pages, 3);
      assert.equal(new Set(seen).size, 25);
      const bad = await a().get(`${V}/tools?cursor=nonsense`);
      assert.equal(bad.status, 400);
      assert.deepEqual(envelopeOf(bad).errors, ['cursor: not a cursor this endpoint returned']);
    });

    test('get by slug (any case), 404 for an unknown one; enum; required scopes', async () => {
      const one = await a().get(`${V}/tools/github_get_the_authenticated_user`);
      assert.equal(one.status, 200);
      assert.equal(one.body.slug, 'GITHUB_GET_THE_AUTHENTICATED_USER');
      assert.deepEqual(one.body.scope_requirements, { all_of: ['read:user'] });
      const missing = await a().get(`${V}/tools/GITHUB_NOPE`);
      assert.equal(missing.status, 404);
      assert.equal(envelopeOf(missing).slug, 'Tool_NotFound');
      const all = await a().get(`${V}/tools/enum`);
      assert.ok(all.body.includes('GITHUB_CREATE_AN_ISSUE') && all.body.includes('BLOCKEDAPI_PING'));
      const scopes = await a().post(`${V}/tools/scopes/required`, {
        tools: ['GITHUB_CREATE_AN_ISSUE', 'GITHUB_GET_THE_AUTHENTICATED_USER', 'GITHUB_LIST_BRANCHES'],
      });
      assert.deepEqual(scopes.body.scopes_required, ['repo', 'read:user']);
      assert.equal(scopes.body.per_tool_requirements.length, 3);
      const mixed = await a().post(`${V}/tools/scopes/required`, { tools: ['GITHUB_CREATE_AN_ISSUE', 'BLOCKEDAPI_PING'] });
      assert.equal(mixed.status, 400);
      assert.deepEqual(envelopeOf(mixed).errors, ['tools: must all belong to one toolkit (got github, blockedapi)']);
    });
  });

  describe('execution', () => {
    test("user_id runs the user's own account: the request is built from the arguments, the credential applied, the answer projected", async () => {
      await w.account('exec-user', 'ghp_exec');
      w.upstream.reply = () => ({
        status: 201,
        body: { id: 1, number: 1347, title: 'Found a bug', state: 'open', html_url: 'https://github.com/o/r/issues/1347' },
      });
      const res = await execute('GITHUB_CREATE_AN_ISSUE', {
        user_id: 'exec-user',
        arguments: { owner: 'octo cat', repo: 'r/x', title: 'Found a bug', labels: ['bug'] },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.deepEqual(res.body, {
        data: { id: 1, number: 1347, title: 'Found a bug', state: 'open', html_url: 'https://github.com/o/r/issues/1347' },
        error: null,
        successful: true,
        log_id: res.headers['x-request-id'],
      });
      const [seen] = w.upstream.requests;
      assert.equal(seen.method, 'POST');
      assert.equal(seen.path, '/repos/octo%20cat/r%2Fx/issues');
      assert.equal(seen.headers.authorization, 'Bearer ghp_exec');
      assert.equal(seen.headers.accept, 'application/vnd.github+json');
      assert.equal(seen.headers['x-github-api-version'], '2022-11-28');
      assert.equal(seen.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(seen.body), { title: 'Found a bug', labels: ['bug'] });
      assert.match(String(res.headers['x-authlink-connected-account-id']), /^ca_/);
    });

    test("a tool call reads its account once: the row chosen among the user's is the one the call runs with", async () => {
      const id = await w.account('reads-once', 'ghp_once');
      // The store's read by primary key (accounts.get: `id = ?`), which the proxy used to run again after the choice.
      const byId = (node: unknown): boolean => {
        if (!node || typeof node !== 'object') return false;
        const n = node as { kind?: string; leftOperand?: any; operator?: { operator?: string } };
        if (n.kind === 'BinaryOperationNode' && n.leftOperand?.column?.column?.name === 'id' && n.operator?.operator === '=') return true;
        return Object.values(node).some(byId);
      };
      const readsOf = (pred: (n: unknown) => boolean) =>
        recorder.nodes.filter((n) => n.kind === 'SelectQueryNode' && JSON.stringify(n).includes('"connected_accounts"') && pred(n)).length;
      for (const body of [{ user_id: 'reads-once' }, { connected_account_id: id, user_id: 'reads-once' }]) {
        recorder.reset();
        const res = await execute('GITHUB_GET_THE_AUTHENTICATED_USER', { ...body, arguments: {} });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.successful, true);
        assert.equal(w.upstream.requests.at(-1)?.headers.authorization, 'Bearer ghp_once');
        assert.equal(readsOf(byId), 0, `${JSON.stringify(body)}: the account is not read again by id`);
        assert.ok(readsOf(() => true) >= 1, 'it was read to choose it');
      }
      // Disabled after it was chosen is still refused, as before: the chosen row is checked.
      assert.equal((await a().patch(`${V}/connected_accounts/${id}/status`, { enabled: false })).status, 200);
      const refused = await execute('GITHUB_GET_THE_AUTHENTICATED_USER', { connected_account_id: id, user_id: 'reads-once', arguments: {} });
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(envelopeOf(refused).slug, 'ConnectedAccount_NotActive');
      assert.match(envelopeOf(refused).message, /is disabled/);
    });

    test('bad arguments: one 400 listing every problem, nothing sent upstream', async () => {
      await w.account('bad-args', 'ghp_bad');
      const res = await execute('GITHUB_LIST_REPOSITORY_ISSUES', {
        user_id: 'bad-args',
        arguments: { owner: 5, state: 'opened', per_page: 1000, since: 'yesterday', nope: true },
      });
      assert.equal(res.status, 400);
      const e = envelopeOf(res);
      assert.equal(e.slug, 'Tool_InvalidArguments');
      assert.deepEqual(e.errors.sort(), [
        'arguments.nope: is not an argument of GITHUB_LIST_REPOSITORY_ISSUES',
        'arguments.owner: must be string',
        'arguments.per_page: must be <= 100',
        'arguments.repo: is required',
        'arguments.since: must match format "date-time"',
        'arguments.state: must be one of "open", "closed", "all"',
      ]);
      const dots = await execute('GITHUB_GET_REPOSITORY_CONTENT', { user_id: 'bad-args', arguments: { owner: 'o', repo: 'r', path: 'a/../../etc' } });
      assert.equal(dots.status, 400);
      assert.deepEqual(envelopeOf(dots).errors, ['arguments.path: "a/../../etc" is not a valid path value']);
      assert.equal(w.upstream.requests.length, 0, 'the stand-in saw no request');
    });

    test('a provider error is a result, not a 5xx: status and message, no credential', async () => {
      await w.account('prov-err', 'ghp_secret_token');
      w.upstream.reply = () => ({ status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } });
      const res = await execute('GITHUB_GET_AN_ISSUE', { user_id: 'prov-err', arguments: { owner: 'o', repo: 'r', issue_number: 9 } });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, {
        data: { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' } },
        error: '404: Not Found',
        successful: false,
        log_id: res.headers['x-request-id'],
      });
      w.upstream.reply = () => ({ status: 502, body: 'upstream broke' });
      const five = await execute('GITHUB_GET_AN_ISSUE', { user_id: 'prov-err', arguments: { owner: 'o', repo: 'r', issue_number: 9 } });
      assert.equal(five.status, 200);
      assert.equal(five.body.successful, false);
      assert.equal(five.body.error, '502: upstream broke');
      for (const r of [res, five]) assert.ok(!r.text.includes('ghp_secret_token'));
    });

    test('transport failures are results too: a timeout, a refused private target, an answer over the size cap', async () => {
      await w.account('slow-user', 'ghp_slow');
      w.upstream.reply = () => 'hang';
      const slow = await execute('GITHUB_GET_THE_AUTHENTICATED_USER', { user_id: 'slow-user', arguments: {} });
      assert.equal(slow.status, 200);
      assert.equal(slow.body.successful, false);
      assert.deepEqual(slow.body.data, { error_code: 'ToolProxy_UpstreamTimeout' });
      assert.match(slow.body.error, /did not answer within 1000ms/);
      w.upstream.reply = () => ({ status: 200, body: { login: 'x'.repeat(100_000) } });
      const huge = await execute('GITHUB_GET_THE_AUTHENTICATED_USER', { user_id: 'slow-user', arguments: {} });
      assert.equal(huge.status, 200);
      assert.deepEqual(huge.body.data, { error_code: 'ToolProxy_ResponseTooLarge' });
      assert.equal(huge.body.successful, false);

      const ac = await a().post(`${V}/auth_configs`, { toolkit: { slug: 'blockedapi' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' } });
      const acct = await a().post(`${V}/connected_accounts`, {
        auth_config: { id: ac.body.auth_config.id },
        connection: { user_id: 'slow-user', state: { authScheme: 'API_KEY', val: { api_key: 'k' } } },
      });
      assert.equal(acct.status, 201);
      const refused = await execute('BLOCKEDAPI_PING', { user_id: 'slow-user', arguments: {} });
      assert.equal(refused.status, 200);
      assert.deepEqual(refused.body.data, { error_code: 'ToolProxy_TargetAddressForbidden' });
      assert.match(refused.body.error, /Refusing to connect to 10\.255\.0\.1/);
    });

    test('text input and custom auth are refused clearly', async () => {
      const text = await execute('GITHUB_GET_THE_AUTHENTICATED_USER', { user_id: 'x', text: 'who am I' });
      assert.equal(text.status, 400);
      assert.equal(envelopeOf(text).slug, 'Tool_InputNotSupported');
      const custom = await execute('GITHUB_GET_THE_AUTHENTICATED_USER', { user_id: 'x', arguments: {}, custom_auth_params: { parameters: [] } });
      assert.equal(custom.status, 400);
      const neither = await execute('GITHUB_GET_THE_AUTHENTICATED_USER', { arguments: {} });
      assert.equal(neither.status, 400);
      assert.deepEqual(envelopeOf(neither).errors, ['user_id: is required when connected_account_id is absent']);
    });
  });

  describe('account rules', () => {
    const whoami = (body: Record<string, unknown>) => execute('GITHUB_GET_THE_AUTHENTICATED_USER', { arguments: {}, ...body });
    const lastToken = () => w.upstream.requests.at(-1)?.headers.authorization;

    test('no account: 404 with code 1803 saying to connect first; the entity_id spelling works', async () => {
      const res = await whoami({ entity_id: 'nobody' });
      assert.equal(res.status, 404);
      const e = envelopeOf(res);
      assert.equal(e.code, 1803);
      assert.equal(e.message, 'User nobody has no ACTIVE github connected account of their own');
      assert.match(e.suggested_fix, /Connect a github account for user nobody first/);
    });

    test("PRIVATE: the owner's own (the newest); named alone it runs as its owner; another user's is refused", async () => {
      await w.account('alice', 'ghp_alice_old');
      await new Promise((r) => setTimeout(r, 5));
      const newest = await w.account('alice', 'ghp_alice_new');
      assert.equal((await whoami({ user_id: 'alice' })).body.successful, true);
      assert.equal(lastToken(), 'Bearer ghp_alice_new');
      assert.equal((await whoami({ connected_account_id: newest })).status, 200);
      const other = await whoami({ connected_account_id: newest, user_id: 'mallory' });
      assert.equal(other.status, 403);
      assert.equal(envelopeOf(other).slug, 'Tool_ConnectedAccountNotAllowed');
      assert.equal(envelopeOf(other).message, `Connected account ${newest} is PRIVATE to another user than mallory`);
    });

    test('SHARED: never implicit; named with user_id its ACL decides; named without user_id refused', async () => {
      const shared = await w.account('owner', 'ghp_shared', { shared: { allowed_user_ids: ['bob'], not_allowed_user_ids: ['eve'] } });
      const implicit = await whoami({ user_id: 'owner' });
      assert.equal(implicit.status, 404, 'the creator has no PRIVATE account: the SHARED one is not picked');
      const bob = await whoami({ user_id: 'bob', connected_account_id: shared });
      assert.equal(bob.status, 200);
      assert.equal(lastToken(), 'Bearer ghp_shared');
      const eve = await whoami({ user_id: 'eve', connected_account_id: shared });
      assert.equal(eve.status, 403);
      assert.equal(envelopeOf(eve).message, `The ACL of SHARED connected account ${shared} does not let user eve use it`);
      const carol = await whoami({ user_id: 'carol', connected_account_id: shared });
      assert.equal(carol.status, 403);
      const alone = await whoami({ connected_account_id: shared });
      assert.equal(alone.status, 400);
      assert.deepEqual(envelopeOf(alone).errors, ['user_id: is required with a SHARED connected account']);
    });

    test('disabled accounts and accounts of another toolkit are refused', async () => {
      const id = await w.account('dora', 'ghp_dora');
      await a().patch(`${V}/connected_accounts/${id}/status`, { enabled: false });
      const disabled = await whoami({ user_id: 'dora', connected_account_id: id });
      assert.equal(disabled.status, 409);
      const ac = await a().post(`${V}/auth_configs`, { toolkit: { slug: 'blockedapi' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' } });
      const other = await a().post(`${V}/connected_accounts`, {
        auth_config: { id: ac.body.auth_config.id },
        connection: { user_id: 'dora', state: { authScheme: 'API_KEY', val: { api_key: 'k' } } },
      });
      const wrong = await whoami({ user_id: 'dora', connected_account_id: other.body.id });
      assert.equal(wrong.status, 400);
      assert.match(envelopeOf(wrong).message, /is a blockedapi account, not github/);
    });

    test("isolation: another project's key sees neither the accounts nor the auth configs", async () => {
      const id = await w.account('iso', 'ghp_iso');
      const b = await w.t.otherProject();
      const res = await whoami({ user_id: 'iso' });
      assert.equal(res.status, 200);
      const byId = await execute('GITHUB_GET_THE_AUTHENTICATED_USER', { arguments: {}, connected_account_id: id }, b.apiKey);
      assert.equal(byId.status, 404);
      const byUser = await execute('GITHUB_GET_THE_AUTHENTICATED_USER', { arguments: {}, user_id: 'iso' }, b.apiKey);
      assert.equal(byUser.status, 404);
      const list = await api(w.t, b.apiKey).get(`${V}/tools?auth_config_ids=${w.acId}`);
      assert.deepEqual(list.body.items, []);
    });
  });

  describe("auth configs' tool access", () => {
    test('stored, returned, PATCHable, enforced at execution and in listings', async () => {
      const acId = await w.authConfig({ tool_access_config: { tools_available_for_execution: ['github_get_an_issue'] } });
      const got = await a().get(`${V}/auth_configs/${acId}`);
      assert.deepEqual(got.body.tool_access_config, { tools_available_for_execution: ['GITHUB_GET_AN_ISSUE'] });
      assert.deepEqual(got.body.restrict_to_following_tools, ['GITHUB_GET_AN_ISSUE']);
      const id = await w.account('restricted', 'ghp_r', { authConfigId: acId });

      const refused = await execute('GITHUB_CREATE_AN_ISSUE', { connected_account_id: id, arguments: { owner: 'o', repo: 'r', title: 't' } });
      assert.equal(refused.status, 403);
      assert.equal(envelopeOf(refused).slug, 'Tool_NotAllowedByAuthConfig');
      assert.equal(envelopeOf(refused).message, `Tool GITHUB_CREATE_AN_ISSUE is not allowed by auth config ${acId}: it is not in its tool_access_config`);
      assert.equal(w.upstream.requests.length, 0);
      const allowed = await execute('GITHUB_GET_AN_ISSUE', { connected_account_id: id, arguments: { owner: 'o', repo: 'r', issue_number: 1 } });
      assert.equal(allowed.status, 200);

      const listed = await a().get(`${V}/tools?auth_config_ids=${acId}`);
      assert.deepEqual(
        listed.body.items.map((t: any) => t.slug),
        ['GITHUB_GET_AN_ISSUE'],
      );

      const bad = await a().patch(`${V}/auth_configs/${acId}`, { restrict_to_following_tools: ['GITHUB_NOPE', 'BLOCKEDAPI_PING'] });
      assert.equal(bad.status, 400);
      assert.deepEqual(envelopeOf(bad).errors, [
        'restrict_to_following_tools[0]: no tool GITHUB_NOPE',
        'restrict_to_following_tools[1]: BLOCKEDAPI_PING is a blockedapi tool, not github',
      ]);
      const both = await a().patch(`${V}/auth_configs/${acId}`, {
        restrict_to_following_tools: ['GITHUB_GET_AN_ISSUE'],
        tool_access_config: { tools_available_for_execution: [] },
      });
      assert.equal(both.status, 400);

      assert.equal(
        (await a().patch(`${V}/auth_configs/${acId}`, { restrict_to_following_tools: ['GITHUB_CREATE_AN_ISSUE', 'GITHUB_GET_AN_ISSUE'] })).status,
        200,
      );
      assert.equal((await execute('GITHUB_CREATE_AN_ISSUE', { connected_account_id: id, arguments: { owner: 'o', repo: 'r', title: 't' } })).status, 200);
      assert.equal((await a().patch(`${V}/auth_configs/${acId}`, { tool_access_config: { tools_available_for_execution: [] } })).status, 200);
      const cleared = await a().get(`${V}/auth_configs/${acId}`);
      assert.deepEqual(cleared.body.tool_access_config, {});
      assert.deepEqual(cleared.body.restrict_to_following_tools, []);
      assert.equal((await execute('GITHUB_LIST_BRANCHES', { connected_account_id: id, arguments: { owner: 'o', repo: 'r' } })).status, 200);
    });

    test("tools_for_connected_account_creation sets an OAuth config's scopes to what the tools need, unless scopes are given", async () => {
      const oauth = (extra: Record<string, unknown>) =>
        a().post(`${V}/auth_configs`, {
          toolkit: { slug: 'github' },
          auth_config: { type: 'use_custom_auth', authScheme: 'OAUTH2', credentials: { client_id: 'cid', client_secret: 'csecret' }, ...extra },
        });
      const derived = await oauth({
        tool_access_config: { tools_for_connected_account_creation: ['GITHUB_GET_THE_AUTHENTICATED_USER', 'GITHUB_CREATE_AN_ISSUE'] },
      });
      assert.equal(derived.status, 201, JSON.stringify(derived.body));
      const got = await a().get(`${V}/auth_configs/${derived.body.auth_config.id}`);
      assert.deepEqual(got.body.credentials.scopes, ['read:user', 'repo']);
      assert.deepEqual(got.body.tool_access_config, { tools_for_connected_account_creation: ['GITHUB_GET_THE_AUTHENTICATED_USER', 'GITHUB_CREATE_AN_ISSUE'] });
      const explicit = await oauth({
        credentials: { client_id: 'cid', client_secret: 'csecret', scopes: ['repo'] },
        tool_access_config: { tools_for_connected_account_creation: ['GITHUB_GET_THE_AUTHENTICATED_USER'] },
      });
      assert.deepEqual((await a().get(`${V}/auth_configs/${explicit.body.auth_config.id}`)).body.credentials.scopes, ['repo']);
    });
  });
});
