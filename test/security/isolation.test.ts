// Issue #8, isolation. Tenants: every documented route with an id in its path
// (taken from the OpenAPI document, under /api/v3.1 and /api/v3) called with
// project B's key on project A's ids answers exactly what it answers for an id
// that does not exist (404, no existence oracle) and changes nothing; ids in
// bodies and filters do not cross either. Users: which tool-router session
// reaches which account, for every pair of session user and account, through
// every way a session can name an account, checked at a real upstream that
// records the credential it receives.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.ts';
import { api, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { apiKeyToolkit, writeToolkitsDir } from '../helpers/toolkits.ts';
import { assertEnvelope, dumpDatabase, dumpDiff, send, startQuietUpstream } from './support.ts';

interface Op {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  label: string;
  bodySchema?: { required?: string[]; properties?: Record<string, unknown> };
}

function pathOps(doc: { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: Op['bodySchema'] }> } }>> }): Op[] {
  const ops: Op[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    if (!/\{\w+\}/.test(path)) continue;
    for (const [m, op] of Object.entries(methods))
      ops.push({
        method: m.toUpperCase() as Op['method'],
        path,
        label: `${m.toUpperCase()} ${path}`,
        bodySchema: op.requestBody?.content['application/json']?.schema,
      });
  }
  return ops;
}

/** A body each route accepts, so the call gets past validation to the lookup that must fail. */
const BODIES: Record<string, unknown> = {
  'PATCH /api/v3.1/webhook_subscriptions/{id}': { description: 'pwned', enabled: false, webhook_url: 'https://evil.example/hook', enabled_events: ['*'] },
  'PATCH /api/v3.1/auth_configs/{nanoid}': { name: 'pwned' },
  'PATCH /api/v3.1/connected_accounts/{nanoid}': { alias: 'pwned', experimental: { acl_config_for_shared: { allow_all_users: true } } },
  'PATCH /api/v3.1/connected_accounts/{nanoId}/status': { enabled: false },
  'POST /api/v3.1/connected_accounts/{nanoid}/refresh': {},
  'POST /api/v3.1/connected_accounts/{nanoid}/revoke': {},
  'PATCH /api/v3.1/tool_router/session/{session_id}': { connected_accounts: null, toolkits: { disable: ['echoapi'] } },
  'POST /api/v3.1/tool_router/session/{session_id}/link': { toolkit: 'echoapi', callback_url: 'https://evil.example/cb' },
  'POST /api/v3.1/tool_router/session/{session_id}/proxy_execute': { toolkit_slug: 'echoapi', endpoint: '/steal', method: 'GET' },
  'POST /api/v3.1/tool_router/session/{session_id}/mcp': { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'COMPOSIO_SEARCH_TOOLS' } },
  'POST /api/v3.1/tool_router/session/{session_id}/execute_meta': { slug: 'COMPOSIO_MULTI_EXECUTE_TOOL', arguments: { tools: [{ tool_slug: 'ECHOAPI_X' }] } },
  'POST /api/v3.1/tool_router/session/{session_id}/search': { queries: [{ use_case: 'steal a key' }] },
  'POST /api/v3.1/tool_router/session/{session_id}/execute': { tool_slug: 'GITHUB_GET_THE_AUTHENTICATED_USER', arguments: {} },
  'POST /api/v3.1/webhook_subscriptions/{id}/deliveries/{delivery_id}/redeliver': {},
};

/** Catalog data, the same for every project by design. */
const NOT_TENANT_DATA = new Set(['GET /api/v3.1/toolkits/{slug}', 'GET /api/v3.1/tools/{tool_slug}', 'POST /api/v3.1/tools/execute/{tool_slug}']);

forEachBackend('security: isolation', (backend) => {
  let t: TestApp;
  let upstream: Awaited<ReturnType<typeof startQuietUpstream>>;
  let acId: string;
  let ids: Record<string, string>;
  let b: { projectId: string; apiKey: string };
  before(async () => {
    upstream = await startQuietUpstream();
    t = await startTestApp(backend, {
      env: { AUTHLINK_TOOLKITS_DIR: writeToolkitsDir([apiKeyToolkit(upstream.url)]), AUTHLINK_PROXY_ALLOW_PRIVATE: '127.0.0.1', LOG_LEVEL: 'warn' },
    });
    const ac = await api(t).post('/api/v3.1/auth_configs', { toolkit: { slug: 'echoapi' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' } });
    acId = ac.body.auth_config.id;
    b = await t.otherProject();
    // B has an auth config of the same toolkit, so nothing fails for lack of one.
    await api(t, b.apiKey).post('/api/v3.1/auth_configs', { toolkit: { slug: 'echoapi' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' } });
  });
  after(async () => {
    await t.close();
    await upstream.close();
  });

  /** An ACTIVE echoapi account of project A whose key names it. */
  async function account(
    userId: string,
    key: string,
    shared?: { allow_all_users?: boolean; allowed_user_ids?: string[]; not_allowed_user_ids?: string[] },
  ): Promise<string> {
    if (shared) {
      const r = await t.app.services.links.createLegacy(t.projectId, {
        authConfigId: acId,
        userId,
        accountType: 'SHARED',
        experimental: { acl_config_for_shared: shared },
        stateVal: { api_key: key },
      });
      assert.equal(r.status, 'ACTIVE');
      return r.accountId;
    }
    const res = await api(t).post('/api/v3.1/connected_accounts', {
      auth_config: { id: acId },
      connection: { user_id: userId, state: { authScheme: 'API_KEY', val: { api_key: key } } },
    });
    assert.equal(res.status, 201, res.text);
    return res.body.id;
  }

  describe('tenants', () => {
    before(async () => {
      const hook = await api(t).post('/api/v3.1/webhook_subscriptions', { webhook_url: 'https://hooks.example.com/a', enabled_events: ['*'] });
      const accountId = await account('iso-user', 'key-of-project-a-0001');
      const deliveries = await api(t).get(`/api/v3.1/webhook_subscriptions/${hook.body.id}/deliveries?limit=1`);
      const session = await api(t).post('/api/v3.1/tool_router/session', { user_id: 'iso-user', connected_accounts: { echoapi: accountId } });
      assert.equal(session.status, 201, session.text);
      ids = { authConfig: acId, account: accountId, webhook: hook.body.id, delivery: deliveries.body.items[0].id, session: session.body.session_id };
    });

    const fill = (op: Op, values: { authConfig: string; account: string; webhook: string; delivery: string; session: string }) =>
      op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
        if (name === 'nanoid' && op.path.includes('/auth_configs/')) return values.authConfig;
        if (name === 'nanoid' || name === 'nanoId') return values.account;
        if (name === 'id') return values.webhook;
        if (name === 'delivery_id') return values.delivery;
        if (name === 'session_id') return values.session;
        if (name === 'status') return 'DISABLED';
        if (name === 'slug') return 'echoapi';
        throw new Error(`no value for {${name}} in ${op.path}: add it to the isolation matrix`);
      });
    const MISSING = {
      authConfig: 'ac_000000000000',
      account: 'ca_000000000000',
      webhook: 'ws_000000000000',
      delivery: 'whd_000000000000',
      session: 'trs_000000000000',
    };
    const normalise = (body: any, values: Record<string, string>) => {
      let text = JSON.stringify({ ...body.error, request_id: undefined });
      for (const [k, v] of Object.entries(values)) text = text.split(v).join(`<${k}>`);
      return JSON.parse(text);
    };

    test("every route with an id: B's key on A's ids answers as for an id that does not exist, and changes nothing", async () => {
      const ops = pathOps(t.app.swagger() as never).filter((o) => !NOT_TENANT_DATA.has(o.label));
      assert.ok(ops.length >= 20, `${ops.length} routes with ids`);
      const seenUpstream = upstream.seen.length;
      const before = await dumpDatabase(t);
      for (const prefix of ['/api/v3.1', '/api/v3']) {
        for (const op of ops) {
          const body = BODIES[op.label] ?? (op.bodySchema ? {} : undefined);
          const call = (url: string) =>
            send(t, {
              method: op.method,
              url: prefix + url.slice('/api/v3.1'.length),
              headers: { 'x-api-key': b.apiKey, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
              ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
            });
          const foreign = await call(fill(op, ids as never));
          const missing = await call(fill(op, MISSING));
          const label = `${op.label} under ${prefix}`;
          assert.equal(foreign.statusCode, 404, `${label}: ${foreign.body.slice(0, 300)}`);
          assertEnvelope(foreign, label);
          assert.equal(missing.statusCode, foreign.statusCode, `${label}: same status as a missing id`);
          assert.deepEqual(normalise(JSON.parse(foreign.body), ids), normalise(JSON.parse(missing.body), MISSING), `${label}: same answer as a missing id`);
        }
      }
      assert.equal(upstream.seen.length, seenUpstream, 'nothing reached the upstream');
      assert.equal(dumpDiff(before, await dumpDatabase(t)), '', 'nothing changed');
      // A still sees and uses everything.
      assert.equal((await api(t).get(`/api/v3.1/connected_accounts/${ids.account}`)).status, 200);
      assert.equal((await api(t).get(`/api/v3.1/webhook_subscriptions/${ids.webhook}`)).body.enabled, true);
    });

    test("A's ids in B's bodies, pins and filters are not found; B's lists hold nothing of A's", async () => {
      const before = await dumpDatabase(t);
      const seenUpstream = upstream.seen.length;
      const asB = api(t, b.apiKey);
      const notFound = [
        await asB.post('/api/v3.1/connected_accounts/link', { auth_config_id: ids.authConfig, user_id: 'iso-user' }),
        await asB.post('/api/v3.1/connected_accounts', {
          auth_config: { id: ids.authConfig },
          connection: { user_id: 'iso-user', state: { authScheme: 'API_KEY', val: { api_key: 'x-0123456789' } } },
        }),
        await asB.post('/api/v3.1/tools/execute/proxy', { connected_account_id: ids.account, endpoint: '/steal', method: 'GET' }),
        await asB.post('/api/v3.1/tools/execute/GITHUB_GET_THE_AUTHENTICATED_USER', { connected_account_id: ids.account, arguments: {} }),
      ];
      for (const r of notFound) assert.equal(r.status, 404, r.text);
      const pinned = await asB.post('/api/v3.1/tool_router/session', { user_id: 'iso-user', connected_accounts: { echoapi: ids.account } });
      assert.equal(pinned.status, 400);
      assert.deepEqual(pinned.body.error.errors, [`connected_accounts.echoapi[0]: Connected account ${ids.account} not found`]);
      const viaConfig = await asB.post('/api/v3.1/tool_router/session', { user_id: 'iso-user', auth_configs: { echoapi: ids.authConfig } });
      assert.equal(viaConfig.status, 400, viaConfig.text);
      // B's own session, told to use A's account.
      const own = await asB.post('/api/v3.1/tool_router/session', { user_id: 'iso-user' });
      assert.equal(own.status, 201);
      const patched = await asB.patch(`/api/v3.1/tool_router/session/${own.body.session_id}`, { connected_accounts: { echoapi: ids.account } });
      assert.equal(patched.status, 400);
      const chosen = await asB.post(`/api/v3.1/tool_router/session/${own.body.session_id}/proxy_execute`, {
        toolkit_slug: 'echoapi',
        endpoint: '/steal',
        method: 'GET',
        connected_account_id: ids.account,
      });
      // The same answer as for an id that exists nowhere: no existence oracle.
      assert.equal(chosen.status, 403, chosen.text);
      const nowhere = await asB.post(`/api/v3.1/tool_router/session/${own.body.session_id}/proxy_execute`, {
        toolkit_slug: 'echoapi',
        endpoint: '/steal',
        method: 'GET',
        connected_account_id: 'ca_doesnotexist0',
      });
      assert.equal(nowhere.status, 403);
      assert.equal(nowhere.body.error.message.replace('ca_doesnotexist0', '<id>'), chosen.body.error.message.replace(ids.account, '<id>'));
      assert.equal(upstream.seen.length, seenUpstream, 'nothing reached the upstream');
      // Lists and filters.
      const lists = [
        await asB.get('/api/v3.1/connected_accounts?account_type=ALL&user_ids=iso-user'),
        await asB.get(`/api/v3.1/connected_accounts?account_type=ALL&connected_account_ids=${ids.account}`),
        await asB.get(`/api/v3.1/connected_accounts?account_type=ALL&auth_config_ids=${ids.authConfig}`),
        await asB.get('/api/v3.1/auth_configs?show_disabled=true&toolkit_slug=echoapi'),
        await asB.get('/api/v3.1/webhook_subscriptions'),
      ];
      for (const l of lists) {
        assert.equal(l.status, 200);
        for (const v of Object.values(ids)) assert.ok(!l.text.includes(v), `B's list shows ${v}: ${l.text.slice(0, 200)}`);
      }
      const toolkits = await asB.get(`/api/v3.1/tool_router/session/${own.body.session_id}/toolkits?toolkits=echoapi`);
      assert.equal(toolkits.body.items[0].connected_account, null);
      // Only B's own session and auth config rows were added.
      const diff = dumpDiff(before, await dumpDatabase(t));
      assert.ok(!diff.includes(t.projectId), `A's rows changed:\n${diff}`);
    });
  });

  describe('users: which session reaches which account', () => {
    interface Acct {
      id: string;
      key: string;
      owner: string;
      type: 'PRIVATE' | 'SHARED';
      acl?: { allow_all_users?: boolean; allowed_user_ids?: string[]; not_allowed_user_ids?: string[] };
    }
    const accounts: Record<string, Acct> = {};
    // The session users: the owners, strangers, look-alikes of alice, and ids that differ only by surrounding whitespace.
    const USERS = [
      'alice',
      'bob',
      'carol',
      'dave',
      'erin',
      'mallory',
      'Alice',
      'ALICE',
      'alice\u200b',
      '\u0430lice',
      'alice%',
      'alic_',
      ' alice',
      'mallory\t',
      ' mallory ',
    ];

    /**
     * The rule, restated: a PRIVATE account is its owner's alone; a SHARED one follows its ACL (creator always, deny list first).
     * Every user id, the session's and the ACL's, is compared once surrounding whitespace is trimmed (issue #20, finding 3).
     */
    function mayUse(rawUser: string, a: Acct): boolean {
      const user = rawUser.trim();
      const listed = (ids?: string[]) => ids?.some((id) => id.trim() === user) ?? false;
      if (user === a.owner) return true;
      if (a.type === 'PRIVATE') return false;
      if (listed(a.acl?.not_allowed_user_ids)) return false;
      if (a.acl?.allow_all_users) return true;
      return listed(a.acl?.allowed_user_ids);
    }

    before(async () => {
      const make = async (name: string, owner: string, type: Acct['type'], acl?: Acct['acl']) => {
        const key = `key-${name}-${'0'.repeat(12)}`;
        accounts[name] = { id: await account(owner, key, type === 'SHARED' ? (acl ?? {}) : undefined), key, owner, type, acl };
      };
      await make('alicePrivate', 'alice', 'PRIVATE');
      await make('bobPrivate', 'bob', 'PRIVATE');
      await make('carolSharedWithAlice', 'carol', 'SHARED', { allowed_user_ids: ['alice'] });
      await make('daveSharedAllButBob', 'dave', 'SHARED', { allow_all_users: true, not_allowed_user_ids: ['bob'] });
      await make('erinSharedCreatorOnly', 'erin', 'SHARED', {});
      // Entries written with surrounding whitespace must still match (a deny entry "mallory " denies mallory).
      await make('frankSharedAllButMalloryPadded', 'frank', 'SHARED', { allow_all_users: true, not_allowed_user_ids: ['mallory '] });
      await make('graceSharedWithAlicePadded', 'grace', 'SHARED', { allowed_user_ids: ['\talice '] });
    });

    async function proxyVia(session: string, extra: Record<string, unknown> = {}) {
      const seen = upstream.seen.length;
      const res = await api(t).post(`/api/v3.1/tool_router/session/${session}/proxy_execute`, {
        toolkit_slug: 'echoapi',
        endpoint: '/whoami',
        method: 'GET',
        ...extra,
      });
      const keys = upstream.seen.slice(seen).map((r) => String(r.headers['x-api-key']));
      return { status: res.status, keys, used: res.headers['x-authlink-connected-account-id'] as string | undefined, body: res.body };
    }

    test("pinned at creation: allowed exactly per the rule, and then the upstream gets that account's key and no other", async () => {
      for (const user of USERS) {
        for (const [name, a] of Object.entries(accounts)) {
          const res = await api(t).post('/api/v3.1/tool_router/session', { user_id: user, connected_accounts: { echoapi: a.id } });
          const label = `${JSON.stringify(user)} pinning ${name}`;
          if (!mayUse(user, a)) {
            assert.equal(res.status, 400, `${label}: ${res.text}`);
            assert.equal(res.body.error.slug, 'ToolRouterV2_InvalidSessionConfig', label);
            continue;
          }
          assert.equal(res.status, 201, `${label}: ${res.text}`);
          const call = await proxyVia(res.body.session_id);
          assert.equal(call.status, 200, `${label}: ${JSON.stringify(call.body)}`);
          assert.deepEqual(call.keys, [a.key], label);
          assert.equal(call.used, a.id, label);
        }
      }
    });

    test('pinned later with PATCH: the same rule', async () => {
      for (const user of ['alice', 'bob', 'mallory', 'Alice', ' mallory ']) {
        const s = await api(t).post('/api/v3.1/tool_router/session', { user_id: user });
        for (const [name, a] of Object.entries(accounts)) {
          const label = `${JSON.stringify(user)} PATCH-pinning ${name}`;
          const res = await api(t).patch(`/api/v3.1/tool_router/session/${s.body.session_id}`, { connected_accounts: { echoapi: a.id } });
          assert.equal(res.status, mayUse(user, a) ? 200 : 400, `${label}: ${res.text}`);
          if (res.status !== 200) continue;
          const call = await proxyVia(s.body.session_id);
          assert.equal(call.status, 200, `${label}: ${JSON.stringify(call.body)}`);
          assert.deepEqual(call.keys, [a.key], `${label}: the upstream received this account's key`);
          assert.equal(call.used, a.id, label);
        }
      }
    });

    test("unpinned sessions use only the user's own PRIVATE account, never a SHARED one, not even when asked for it by id", async () => {
      for (const user of USERS) {
        const s = await api(t).post('/api/v3.1/tool_router/session', { user_id: user });
        assert.equal(s.status, 201);
        const own = Object.values(accounts).find((a) => a.type === 'PRIVATE' && a.owner === user.trim());
        const implicit = await proxyVia(s.body.session_id);
        if (own) {
          assert.equal(implicit.status, 200);
          assert.deepEqual(implicit.keys, [own.key], `${user} implicit`);
        } else {
          assert.equal(implicit.status, 404, `${JSON.stringify(user)} has no account: ${JSON.stringify(implicit.body)}`);
          assert.deepEqual(implicit.keys, []);
        }
        for (const [name, a] of Object.entries(accounts)) {
          const chosen = await proxyVia(s.body.session_id, { connected_account_id: a.id });
          const label = `${JSON.stringify(user)} choosing ${name} in an unpinned session`;
          if (a === own) {
            assert.equal(chosen.status, 200, label);
            assert.deepEqual(chosen.keys, [a.key], label);
          } else {
            assert.equal(chosen.status, 403, `${label}: ${JSON.stringify(chosen.body)}`);
            assert.equal(chosen.body.error.slug, 'ToolRouterV2_ConnectedAccountNotAllowed', label);
            assert.deepEqual(chosen.keys, [], `${label}: nothing sent`);
          }
        }
        const listed = await api(t).get(`/api/v3.1/tool_router/session/${s.body.session_id}/toolkits?toolkits=echoapi`);
        assert.equal(listed.body.items[0].connected_account?.id ?? null, own?.id ?? null, `${JSON.stringify(user)} toolkits view`);
      }
    });

    test("links made through a session are for the session's user only", async () => {
      const s = await api(t).post('/api/v3.1/tool_router/session', { user_id: 'alice' });
      const link = await api(t).post(`/api/v3.1/tool_router/session/${s.body.session_id}/link`, { toolkit: 'echoapi', user_id: 'bob' });
      assert.equal(link.status, 201, link.text);
      const row = await t.runtime.store.accounts.get(t.projectId, link.body.connected_account_id);
      assert.equal(row?.user_id, 'alice', 'a user_id in the body does not redirect the link to another user');
    });
  });
});
