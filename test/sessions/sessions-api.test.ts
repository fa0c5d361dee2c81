// Tool-router session routes through the real app: create / get / patch
// (optimistic concurrency), toolkits, link, proxy_execute, the MCP
// placeholder, and tenant isolation. Exact envelopes for the important errors.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { forEachBackend } from '../helpers/backends.ts';
import { api } from '../helpers/test-app.ts';
import { envelopeOf, startSessionWorld, type SessionWorld } from './helpers.ts';

forEachBackend('tool-router sessions API', (backend) => {
  let w: SessionWorld;
  before(async () => {
    w = await startSessionWorld(backend);
  });
  after(() => w.close());
  const base = '/api/v3.1/tool_router/session';

  describe('create and get', () => {
    test('201 with the normalised config; GET returns the same; extra fields of the official client are accepted', async () => {
      const res = await api(w.t).post(base, {
        user_id: 'alice',
        toolkits: { enable: ['echoapi', 'GitHub', 'echoapi'] },
        auth_configs: { EchoAPI: w.acId },
        manage_connections: { enable: true, callback_url: 'https://app.example.com/done', enable_connection_removal: null },
        multi_account: { enable: true, max_accounts_per_toolkit: 3 },
        tools: { github: { enable: ['GITHUB_LIST_REPOS'] } },
        tags: ['readOnlyHint'],
        workbench: { enable: false, enable_proxy_execution: false },
        preload: { tools: 'all' },
        experimental: { assistive_prompt_config: { user_timezone: 'Europe/Paris' } },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const id = res.body.session_id;
      assert.match(id, /^trs_[a-z0-9]{12}$/);
      const expected = {
        session_id: id,
        mcp: { type: 'http', url: `${w.t.config.publicUrl}/api/v3.1/tool_router/session/${id}/mcp` },
        tool_router_tools: ['COMPOSIO_SEARCH_TOOLS', 'COMPOSIO_GET_TOOL_SCHEMAS', 'COMPOSIO_MANAGE_CONNECTIONS', 'COMPOSIO_MULTI_EXECUTE_TOOL'],
        config: {
          user_id: 'alice',
          toolkits: { enabled: ['echoapi', 'github'] },
          auth_configs: { echoapi: w.acId },
          manage_connections: { enabled: true, callback_url: 'https://app.example.com/done' },
          tools: { github: { enabled: ['GITHUB_LIST_REPOS'] } },
          tags: { enabled: ['readOnlyHint'] },
          workbench: { enable: false, proxy_execution_enabled: false },
          multi_account: { enable: true, max_accounts_per_toolkit: 3 },
          preload: { tools: 'all' },
          search: {},
          execute: {},
        },
        config_version: 1,
      };
      assert.deepEqual(res.body, expected);
      const got = await api(w.t).get(`${base}/${id}`);
      assert.equal(got.status, 200);
      assert.deepEqual(got.body, expected);
      // The older /api/v3 prefix serves the same routes.
      assert.deepEqual((await api(w.t).get(`/api/v3/tool_router/session/${id}`)).body, expected);
    });

    test('the minimal session: only user_id', async () => {
      const s = await w.session({ user_id: '  bob ' });
      assert.deepEqual(s.config, { user_id: 'bob', preload: { tools: [] }, search: {}, execute: {} });
      assert.equal(s.config_version, 1);
    });

    test('unknown session -> 404 envelope', async () => {
      const res = await api(w.t).get(`${base}/trs_doesnotexist`);
      assert.equal(res.status, 404);
      assert.deepEqual(envelopeOf(res), {
        message: 'Tool router session trs_doesnotexist not found',
        code: 4301,
        slug: 'ToolRouterV2_SessionNotFound',
        status: 404,
        suggested_fix: 'Create one with POST /api/v3.1/tool_router/session',
      });
    });

    test('validation: user_id, enable and disable together, unknown toolkits, bad auth configs, bad callback URL', async () => {
      const missing = await api(w.t).post(base, {});
      assert.equal(missing.status, 400);
      assert.deepEqual(missing.body.error.errors, ['user_id: is required']);
      const blank = await api(w.t).post(base, { user_id: '   ' });
      assert.deepEqual(envelopeOf(blank), {
        message: 'Invalid session config: user_id: must not be empty',
        code: 611,
        slug: 'Request_ValidationFailed',
        status: 400,
        errors: ['user_id: must not be empty'],
      });
      const both = await api(w.t).post(base, { user_id: 'alice', toolkits: { enable: ['github'], disable: ['slack'] } });
      assert.deepEqual(envelopeOf(both), {
        message: 'Invalid session config: toolkits: give either enable or disable, not both',
        code: 611,
        slug: 'Request_ValidationFailed',
        status: 400,
        errors: ['toolkits: give either enable or disable, not both'],
      });
      const unknown = await api(w.t).post(base, { user_id: 'alice', toolkits: { disable: ['github', 'nosuch'] }, connected_accounts: { nothing: 'ca_x' } });
      assert.deepEqual(envelopeOf(unknown), {
        message: 'Unknown toolkit(s) in the session config: nosuch, nothing',
        code: 602,
        slug: 'Toolkit_UnknownSlug',
        status: 400,
        suggested_fix: 'List toolkits with GET /api/v3.1/toolkits',
        errors: ['toolkits.disable[1]: no toolkit named nosuch', 'connected_accounts.nothing: no toolkit named nothing'],
      });
      const ghAc = await api(w.t).post('/api/v3.1/auth_configs', {
        toolkit: { slug: 'openai' },
        auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' },
      });
      const acs = await api(w.t).post(base, { user_id: 'alice', auth_configs: { echoapi: 'ac_nope', github: ghAc.body.auth_config.id } });
      assert.deepEqual(envelopeOf(acs), {
        message: 'Invalid session config: 2 problems',
        code: 4303,
        slug: 'ToolRouterV2_InvalidSessionConfig',
        status: 400,
        suggested_fix:
          "Use this project's auth configs of the right toolkit, and pin accounts the session user may use: their own PRIVATE accounts, or SHARED ones whose ACL lets them in",
        errors: ['auth_configs.echoapi: auth config ac_nope not found', `auth_configs.github: auth config ${ghAc.body.auth_config.id} is for toolkit openai`],
      });
      const cb = await api(w.t).post(base, { user_id: 'alice', manage_connections: { callback_url: 'javascript:alert(1)' } });
      assert.equal(cb.status, 400);
      assert.equal(cb.body.error.slug, 'ConnectedAccount_CallbackUrlInvalid');
      assert.deepEqual(cb.body.error.errors, ['manage_connections.callback_url: scheme javascript is not allowed']);
      const range = await api(w.t).post(base, { user_id: 'alice', multi_account: { max_accounts_per_toolkit: 11 } });
      assert.deepEqual(range.body.error.errors, ['multi_account.max_accounts_per_toolkit: must be <= 10']);
    });

    test('pins are checked at creation: one errors[] entry per bad pin; another project\'s account reads "not found"', async () => {
      const other = await w.t.otherProject();
      const otherAc = await api(w.t, other.apiKey).post('/api/v3.1/auth_configs', {
        toolkit: { slug: 'echoapi' },
        auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' },
      });
      const foreign = await api(w.t, other.apiKey).post('/api/v3.1/connected_accounts', {
        auth_config: { id: otherAc.body.auth_config.id },
        connection: { user_id: 'pin-user', state: { authScheme: 'API_KEY', val: { api_key: 'k-foreign' } } },
      });
      const bobs = await w.account('pin-bob', 'k-bob');
      const denied = await w.account('pin-carol', 'k-carol', { shared: { allowed_user_ids: ['someone-else'] } });
      const res = await api(w.t).post(base, {
        user_id: 'pin-user',
        connected_accounts: { echoapi: [foreign.body.id], github: 'ca_unknown' },
        multi_account: { enable: true },
      });
      assert.deepEqual(envelopeOf(res), {
        message: 'Invalid session config: 2 problems',
        code: 4303,
        slug: 'ToolRouterV2_InvalidSessionConfig',
        status: 400,
        suggested_fix:
          "Use this project's auth configs of the right toolkit, and pin accounts the session user may use: their own PRIVATE accounts, or SHARED ones whose ACL lets them in",
        errors: [
          `connected_accounts.echoapi[0]: Connected account ${foreign.body.id} not found`,
          'connected_accounts.github[0]: Connected account ca_unknown not found',
        ],
      });
      const more = await api(w.t).post(base, { user_id: 'pin-user', connected_accounts: { echoapi: [bobs, denied] }, multi_account: { enable: true } });
      assert.deepEqual(more.body.error.errors, [
        `connected_accounts.echoapi[0]: Connected account ${bobs} is PRIVATE to another user than pin-user`,
        `connected_accounts.echoapi[1]: The ACL of SHARED connected account ${denied} does not let user pin-user use it`,
      ]);
      const mine = await w.account('pin-user', 'k-mine');
      const two = await api(w.t).post(base, { user_id: 'pin-user', connected_accounts: { echoapi: [mine, mine, await w.account('pin-user', 'k-mine2')] } });
      assert.deepEqual(envelopeOf(two), {
        message: 'Invalid session config: connected_accounts.echoapi: 2 accounts pinned, at most 1 allowed without multi_account.enable',
        code: 4303,
        slug: 'ToolRouterV2_InvalidSessionConfig',
        status: 400,
        suggested_fix:
          "Use this project's auth configs of the right toolkit, and pin accounts the session user may use: their own PRIVATE accounts, or SHARED ones whose ACL lets them in",
        errors: ['connected_accounts.echoapi: 2 accounts pinned, at most 1 allowed without multi_account.enable'],
      });
      const ok = await w.session({ user_id: 'pin-user', connected_accounts: { echoapi: mine } });
      assert.deepEqual(ok.config.connected_accounts, { echoapi: [mine] });
    });

    test('more than one SHARED account pinned for a toolkit -> 400, code 4347', async () => {
      const s1 = await w.account('owner-1', 'k-s1', { shared: { allow_all_users: true } });
      const s2 = await w.account('owner-2', 'k-s2', { shared: { allow_all_users: true } });
      const res = await api(w.t).post(base, { user_id: 'alice', multi_account: { enable: true }, connected_accounts: { echoapi: [s1, s2] } });
      assert.deepEqual(envelopeOf(res), {
        message: 'At most one SHARED connected account can be pinned per toolkit; echoapi has 2',
        code: 4347,
        slug: 'ToolRouterV2_MultipleSharedAccountsPerToolkit',
        status: 400,
        suggested_fix: 'Keep one SHARED account in connected_accounts.echoapi',
        errors: [`connected_accounts.echoapi: ${s1}, ${s2} are all SHARED`],
      });
    });
  });

  describe('patch', () => {
    test('replaces the fields it carries, null clears, version +1 each time', async () => {
      const s = await w.session({
        user_id: 'patcher',
        toolkits: { enable: ['echoapi'] },
        manage_connections: { callback_url: 'https://app.example.com/a' },
        multi_account: { enable: true },
      });
      const r1 = await api(w.t).patch(`${base}/${s.session_id}`, { config_version: 1, toolkits: { disable: ['github'] }, manage_connections: null });
      assert.equal(r1.status, 200, JSON.stringify(r1.body));
      assert.equal(r1.body.config_version, 2);
      assert.deepEqual(r1.body.config, {
        user_id: 'patcher',
        toolkits: { disabled: ['github'] },
        multi_account: { enable: true },
        preload: { tools: [] },
        search: {},
        execute: {},
      });
      // Without config_version: applied to the current version (what the official client sends).
      const r2 = await api(w.t).patch(`${base}/${s.session_id}`, { multi_account: null, search: { enable: true } });
      assert.equal(r2.body.config_version, 3);
      assert.deepEqual(r2.body.config, {
        user_id: 'patcher',
        toolkits: { disabled: ['github'] },
        preload: { tools: [] },
        search: { enable: true },
        execute: {},
      });
      assert.deepEqual((await api(w.t).get(`${base}/${s.session_id}`)).body.config, r2.body.config);
      const userChange = await api(w.t).patch(`${base}/${s.session_id}`, { user_id: 'someone-else' });
      assert.deepEqual(userChange.body.error.errors, ['user_id: cannot be changed; create a new session for another user']);
    });

    test('stale config_version -> 409 and nothing changes', async () => {
      const s = await w.session({ user_id: 'stale' });
      await api(w.t).patch(`${base}/${s.session_id}`, { config_version: 1, search: { enable: true } });
      const res = await api(w.t).patch(`${base}/${s.session_id}`, { config_version: 1, search: { enable: false } });
      assert.equal(res.status, 409);
      assert.deepEqual(envelopeOf(res), {
        message: `Tool router session ${s.session_id} is at config_version 2, not 1`,
        code: 4302,
        slug: 'ToolRouterV2_ConfigVersionConflict',
        status: 409,
        suggested_fix: `GET /api/v3.1/tool_router/session/${s.session_id}, reapply your change and send config_version 2`,
      });
      const now = await api(w.t).get(`${base}/${s.session_id}`);
      assert.equal(now.body.config_version, 2);
      assert.deepEqual(now.body.config.search, { enable: true });
    });

    test('two concurrent PATCHes on the same version: exactly one wins', async () => {
      const s = await w.session({ user_id: 'racer' });
      const results = await Promise.all([
        api(w.t).patch(`${base}/${s.session_id}`, { config_version: 1, search: { enable: true } }),
        api(w.t).patch(`${base}/${s.session_id}`, { config_version: 1, execute: { enable_multi_execute: true } }),
      ]);
      assert.deepEqual(results.map((r) => r.status).sort(), [200, 409]);
      const winner = results.find((r) => r.status === 200)!;
      const now = await api(w.t).get(`${base}/${s.session_id}`);
      assert.equal(now.body.config_version, 2);
      assert.deepEqual(now.body.config, winner.body.config);
    });

    test('the conditional write itself: of two writes based on one version, one row comes back', async () => {
      const s = await w.session({ user_id: 'racer-store' });
      const store = w.t.runtime.store;
      const ts = new Date().toISOString();
      const [a, b] = await Promise.all([
        store.sessions.updateConfig(w.t.projectId, s.session_id, 1, '{"a":1}', ts),
        store.sessions.updateConfig(w.t.projectId, s.session_id, 1, '{"b":1}', ts),
      ]);
      assert.equal([a, b].filter(Boolean).length, 1);
      assert.equal((await store.sessions.get(w.t.projectId, s.session_id))?.config_version, 2);
    });

    test('concurrent PATCHes without config_version are all applied, one after the other', async () => {
      const s = await w.session({ user_id: 'racer-2' });
      const results = await Promise.all([
        api(w.t).patch(`${base}/${s.session_id}`, { search: { enable: true } }),
        api(w.t).patch(`${base}/${s.session_id}`, { execute: { enable_multi_execute: true } }),
        api(w.t).patch(`${base}/${s.session_id}`, { preload: { tools: ['X'] } }),
      ]);
      assert.deepEqual(
        results.map((r) => r.status),
        [200, 200, 200],
      );
      const now = await api(w.t).get(`${base}/${s.session_id}`);
      assert.equal(now.body.config_version, 4);
      assert.deepEqual(now.body.config, { user_id: 'racer-2', preload: { tools: ['X'] }, search: { enable: true }, execute: { enable_multi_execute: true } });
    });

    test('pins are validated on PATCH too', async () => {
      const s = await w.session({ user_id: 'patch-pins' });
      const someone = await w.account('someone', 'k-someone');
      const res = await api(w.t).patch(`${base}/${s.session_id}`, { config_version: 1, connected_accounts: { echoapi: [someone] } });
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.error.errors, [`connected_accounts.echoapi[0]: Connected account ${someone} is PRIVATE to another user than patch-pins`]);
      assert.equal((await api(w.t).get(`${base}/${s.session_id}`)).body.config_version, 1);
    });
  });

  describe('toolkits', () => {
    test('per toolkit: the account used, none, or why not', async () => {
      const user = 'tk-user';
      const mine = await w.account(user, 'k-tk', { alias: 'main' });
      const s = await w.session({ user_id: user, toolkits: { enable: ['echoapi', 'github', 'openai'] } });
      const res = await api(w.t).get(`${base}/${s.session_id}/toolkits`);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const row = (await w.t.runtime.store.accounts.get(w.t.projectId, mine))!;
      assert.deepEqual(res.body, {
        items: [
          {
            name: 'Echo API',
            slug: 'echoapi',
            enabled: true,
            is_no_auth: false,
            composio_managed_auth_schemes: [],
            meta: { logo: `${w.t.config.publicUrl}/logos/echoapi.svg`, description: 'A local upstream that echoes the credential it receives' },
            connected_account: {
              id: mine,
              user_id: user,
              alias: 'main',
              account_type: 'PRIVATE',
              status: 'ACTIVE',
              created_at: row.created_at,
              auth_config: { id: w.acId, auth_scheme: 'API_KEY', is_composio_managed: false },
            },
            error: null,
          },
          { ...res.body.items[1], slug: 'github', enabled: true, connected_account: null, error: null },
          { ...res.body.items[2], slug: 'openai', enabled: true, connected_account: null, error: null },
        ],
        next_cursor: null,
        total_pages: 1,
        current_page: 1,
        total_items: 3,
      });
      const connected = await api(w.t).get(`${base}/${s.session_id}/toolkits?is_connected=true`);
      assert.deepEqual(
        connected.body.items.map((i: { slug: string }) => i.slug),
        ['echoapi'],
      );
      const paged = await api(w.t).get(`${base}/${s.session_id}/toolkits?limit=2`);
      assert.deepEqual([paged.body.items.length, paged.body.total_pages, paged.body.current_page], [2, 2, 1]);
      const page2 = await api(w.t).get(`${base}/${s.session_id}/toolkits?limit=2&cursor=${paged.body.next_cursor}`);
      assert.deepEqual(
        page2.body.items.map((i: { slug: string }) => i.slug),
        ['openai'],
      );
      assert.equal(page2.body.next_cursor, null);
      const searched = await api(w.t).get(`${base}/${s.session_id}/toolkits?search=ECHO`);
      assert.deepEqual(
        searched.body.items.map((i: { slug: string }) => i.slug),
        ['echoapi'],
      );
      // Asking for toolkits the session does not enable shows them, with the reason.
      const asked = await api(w.t).get(`${base}/${s.session_id}/toolkits?toolkits=echoapi,slack`);
      assert.deepEqual(
        asked.body.items.map((i: { slug: string; enabled: boolean; error: unknown }) => [i.slug, i.enabled, i.error]),
        [
          ['echoapi', true, null],
          ['slack', false, { message: 'Toolkit slack is not enabled in this session', code: 4304, slug: 'ToolRouterV2_ToolkitNotEnabled' }],
        ],
      );
      const badCursor = await api(w.t).get(`${base}/${s.session_id}/toolkits?cursor=nonsense`);
      assert.equal(badCursor.status, 400);
    });

    test('a pin that cannot be used shows its error; without a toolkit filter every catalog toolkit is listed', async () => {
      const user = 'tk-pin';
      const pin = await w.account(user, 'k-pin');
      const s = await w.session({ user_id: user, connected_accounts: { echoapi: pin } });
      await api(w.t).patch(`/api/v3.1/connected_accounts/${pin}/status`, { enabled: false });
      const items: Array<{ slug: string; connected_account: unknown; error: unknown }> = [];
      let cursor = '';
      for (;;) {
        const res = await api(w.t).get(`${base}/${s.session_id}/toolkits?limit=50${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        assert.equal(res.status, 200, res.text);
        assert.equal(res.body.total_items, w.t.runtime.catalog.size);
        items.push(...res.body.items);
        if (!res.body.next_cursor) break;
        cursor = res.body.next_cursor;
      }
      assert.equal(items.length, w.t.runtime.catalog.size);
      const echo = items.find((i) => i.slug === 'echoapi')!;
      assert.deepEqual(echo.connected_account, null);
      assert.deepEqual(echo.error, { message: `Connected account ${pin} is disabled`, code: 703, slug: 'ConnectedAccount_NotActive' });
    });
  });

  describe('link', () => {
    test("the session's user and callback_url by default; the session's auth config choice", async () => {
      const s = await w.session({ user_id: 'linker', manage_connections: { callback_url: 'https://app.example.com/back?x=1' } });
      const res = await api(w.t).post(`${base}/${s.session_id}/link`, { toolkit: 'EchoAPI', alias: 'work' });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.deepEqual(Object.keys(res.body).sort(), ['account_type', 'connected_account_id', 'experimental', 'expires_at', 'link_token', 'redirect_url']);
      assert.match(res.body.link_token, /^lt_/);
      assert.equal(res.body.redirect_url, `${w.t.config.publicUrl}/link/${res.body.link_token}`);
      assert.equal(res.body.account_type, 'PRIVATE');
      assert.deepEqual(res.body.experimental, { account_type: 'PRIVATE' });
      const row = (await w.t.runtime.store.accounts.get(w.t.projectId, res.body.connected_account_id))!;
      assert.deepEqual([row.user_id, row.alias, row.status, row.auth_config_id], ['linker', 'work', 'INITIATED', w.acId]);
      const link = await w.t.runtime.database.db.selectFrom('link_sessions').selectAll().where('connected_account_id', '=', row.id).executeTakeFirstOrThrow();
      assert.equal(link.callback_url, 'https://app.example.com/back?x=1');
      const own = await api(w.t).post(`${base}/${s.session_id}/link`, { toolkit: 'echoapi', callback_url: 'https://app.example.com/other' });
      const link2 = await w.t.runtime.database.db
        .selectFrom('link_sessions')
        .selectAll()
        .where('connected_account_id', '=', own.body.connected_account_id)
        .executeTakeFirstOrThrow();
      assert.equal(link2.callback_url, 'https://app.example.com/other');
    });

    test('no enabled auth config -> 400 saying to create one; several -> 400 listing them; the session choice settles it', async () => {
      const s = await w.session({ user_id: 'linker-2' });
      const none = await api(w.t).post(`${base}/${s.session_id}/link`, { toolkit: 'stripe' });
      assert.deepEqual(envelopeOf(none), {
        message: 'This project has no enabled auth config for toolkit stripe',
        code: 4309,
        slug: 'ToolRouterV2_NoAuthConfig',
        status: 400,
        suggested_fix: 'Create one with POST /api/v3.1/auth_configs (toolkit.slug stripe), or enable one with PATCH /api/v3.1/auth_configs/{id}/ENABLED',
      });
      const mk = async (name: string) =>
        (await api(w.t).post('/api/v3.1/auth_configs', { toolkit: { slug: 'stripe' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY', name } }))
          .body.auth_config.id as string;
      const a = await mk('Stripe A');
      await sleep(5);
      const b = await mk('Stripe B');
      const several = await api(w.t).post(`${base}/${s.session_id}/link`, { toolkit: 'stripe' });
      assert.deepEqual(envelopeOf(several), {
        message: 'This project has 2 enabled auth configs for toolkit stripe; the session must say which one to use',
        code: 4308,
        slug: 'ToolRouterV2_MultipleAuthConfigs',
        status: 400,
        suggested_fix: 'Set auth_configs.stripe in the session with PATCH /api/v3.1/tool_router/session/{id}',
        errors: [`auth_configs.stripe: may be ${b} (Stripe B)`, `auth_configs.stripe: may be ${a} (Stripe A)`],
      });
      await api(w.t).patch(`/api/v3.1/auth_configs/${a}/DISABLED`);
      const single = await api(w.t).post(`${base}/${s.session_id}/link`, { toolkit: 'stripe' });
      assert.equal(single.status, 201);
      assert.equal((await w.t.runtime.store.accounts.get(w.t.projectId, single.body.connected_account_id))?.auth_config_id, b);
      const chosen = await w.session({ user_id: 'linker-2', auth_configs: { stripe: a } });
      const disabled = await api(w.t).post(`${base}/${chosen.session_id}/link`, { toolkit: 'stripe' });
      assert.equal(disabled.status, 422, 'the chosen one is disabled');
      assert.equal(disabled.body.error.slug, 'AuthConfig_Disabled');
    });

    test('a toolkit the session does not enable, or an unknown one', async () => {
      const s = await w.session({ user_id: 'linker-3', toolkits: { disable: ['echoapi'] } });
      const off = await api(w.t).post(`${base}/${s.session_id}/link`, { toolkit: 'echoapi' });
      assert.deepEqual(envelopeOf(off), {
        message: 'Toolkit echoapi is not enabled in this session',
        code: 4304,
        slug: 'ToolRouterV2_ToolkitNotEnabled',
        status: 400,
        suggested_fix: `Enable it in the session config (toolkits.enable, or remove it from toolkits.disable) with PATCH /api/v3.1/tool_router/session/${s.session_id}`,
      });
      const unknown = await api(w.t).post(`${base}/${s.session_id}/link`, { toolkit: 'nosuch' });
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error.slug, 'Toolkit_UnknownSlug');
    });
  });

  describe('proxy_execute', () => {
    test('uses the resolved account; says which one in x-authlink-connected-account-id', async () => {
      const id = await w.account('px-user', 'k-px');
      const s = await w.session({ user_id: 'px-user' });
      const res = await api(w.t).post(`${base}/${s.session_id}/proxy_execute`, {
        toolkit_slug: 'echoapi',
        endpoint: '/things?x=1',
        method: 'POST',
        body: { a: 1 },
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.headers['x-authlink-connected-account-id'], id);
      assert.equal(res.body.status, 200);
      assert.deepEqual(res.body.data, { api_key: 'k-px', method: 'POST', path: '/things?x=1', body: '{"a":1}' });
      assert.equal(res.body.headers['content-type'], 'application/json');
      const viaToolkit = await api(w.t).post(`${base}/${s.session_id}/proxy_execute`, { toolkit: 'echoapi', endpoint: '/x', method: 'GET' });
      assert.equal(viaToolkit.body.data.api_key, 'k-px');
    });

    test('errors: no toolkit, no account, disabled toolkit, custom_connection_data', async () => {
      const s = await w.session({ user_id: 'px-nobody', toolkits: { disable: ['github'] } });
      const url = `${base}/${s.session_id}/proxy_execute`;
      const noToolkit = await api(w.t).post(url, { endpoint: '/x', method: 'GET' });
      assert.deepEqual(noToolkit.body.error.errors, ['toolkit_slug: is required']);
      const none = await api(w.t).post(url, { toolkit_slug: 'echoapi', endpoint: '/x', method: 'GET' });
      assert.deepEqual(envelopeOf(none), {
        message: 'User px-nobody has no ACTIVE connected account for echoapi',
        code: 4305,
        slug: 'ToolRouterV2_NoConnectedAccount',
        status: 404,
        suggested_fix: `Connect one with POST /api/v3.1/tool_router/session/${s.session_id}/link`,
      });
      const off = await api(w.t).post(url, { toolkit_slug: 'github', endpoint: '/user', method: 'GET' });
      assert.equal(off.status, 400);
      assert.equal(off.body.error.slug, 'ToolRouterV2_ToolkitNotEnabled');
      const custom = await api(w.t).post(url, {
        toolkit_slug: 'echoapi',
        endpoint: '/x',
        method: 'GET',
        custom_connection_data: { authScheme: 'OAUTH2', toolkitSlug: 'echoapi', val: { access_token: 'x' } },
      });
      assert.equal(custom.status, 400);
      assert.equal(custom.body.error.message, 'custom_connection_data is not supported by authlink');
      const badMethod = await api(w.t).post(url, { toolkit_slug: 'echoapi', endpoint: '/x', method: 'TRACE' });
      assert.equal(badMethod.status, 400);
    });
  });

  test("isolation: project B's key gets 404 on every route of A's session, and changes nothing", async () => {
    const id = await w.account('iso-user', 'k-iso');
    const s = await w.session({ user_id: 'iso-user', connected_accounts: { echoapi: id } });
    const b = await w.t.otherProject();
    const seen = w.upstream.keys.length;
    const url = `${base}/${s.session_id}`;
    const calls = await Promise.all([
      api(w.t, b.apiKey).get(url),
      api(w.t, b.apiKey).patch(url, { config_version: 1, connected_accounts: null }),
      api(w.t, b.apiKey).get(`${url}/toolkits`),
      api(w.t, b.apiKey).post(`${url}/link`, { toolkit: 'echoapi' }),
      api(w.t, b.apiKey).post(`${url}/proxy_execute`, { toolkit_slug: 'echoapi', endpoint: '/x', method: 'GET' }),
      api(w.t, b.apiKey).get(`${url}/mcp`),
    ]);
    for (const res of calls) {
      assert.equal(res.status, 404, JSON.stringify(res.body));
      assert.deepEqual(envelopeOf(res), {
        message: `Tool router session ${s.session_id} not found`,
        code: 4301,
        slug: 'ToolRouterV2_SessionNotFound',
        status: 404,
        suggested_fix: 'Create one with POST /api/v3.1/tool_router/session',
      });
    }
    assert.equal(w.upstream.keys.length, seen, 'no upstream call');
    const now = await api(w.t).get(url);
    assert.equal(now.body.config_version, 1);
    assert.deepEqual(now.body.config.connected_accounts, { echoapi: [id] });
    // B cannot pin A's account in its own session either: it is "not found" there.
    const pinned = await api(w.t, b.apiKey).post(base, { user_id: 'iso-user', connected_accounts: { echoapi: id } });
    assert.deepEqual(pinned.body.error.errors, [`connected_accounts.echoapi[0]: Connected account ${id} not found`]);
    // Neither can project A's key use B's auth config.
    const unauth = await w.t.app.inject({ method: 'GET', url });
    assert.equal(unauth.statusCode, 401);
  });

  test('is_enabled_for_tool_router false: sessions neither use the config’s accounts nor link with it nor accept it as an override (issue #15)', async () => {
    const ac = await api(w.t).post('/api/v3.1/auth_configs', {
      toolkit: { slug: 'echoapi' },
      auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY', is_enabled_for_tool_router: false },
    });
    const hidden = ac.body.auth_config.id as string;
    const accountId = await w.account('router-user', 'router-key-0123', { authConfigId: hidden });
    const s = await w.session({ user_id: 'router-user', toolkits: { enable: ['echoapi'] } });
    const view = async () => (await api(w.t).get(`${base}/${s.session_id}/toolkits?toolkits=echoapi`)).body.items[0].connected_account;
    assert.equal(await view(), null, 'the account of a config kept from the router is not used');
    const seen = w.upstream.keys.length;
    const call = await api(w.t).post(`${base}/${s.session_id}/proxy_execute`, { toolkit_slug: 'echoapi', endpoint: '/whoami', method: 'GET' });
    assert.equal(call.status, 404);
    assert.equal(w.upstream.keys.length, seen, 'nothing sent');
    const override = await api(w.t).post(base, { user_id: 'router-user', auth_configs: { echoapi: hidden } });
    assert.equal(override.status, 400);
    assert.deepEqual(override.body.error.errors, [
      `auth_configs.echoapi: auth config ${hidden} is not enabled for the tool router (is_enabled_for_tool_router: false)`,
    ]);
    assert.equal((await api(w.t).patch(`/api/v3.1/auth_configs/${hidden}`, { type: 'custom', is_enabled_for_tool_router: true })).status, 200);
    const now = await view();
    assert.equal(now?.id, accountId, 'enabled again: used');
  });
});
