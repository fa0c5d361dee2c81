// Issue #14: the PRIVATE/SHARED rules hold through the MCP server exactly as
// over REST. Each row runs ECHOAPI_GET_WHOAMI with COMPOSIO_MULTI_EXECUTE_TOOL
// for a session; the API key the stand-in upstream received proves which
// account was used (or that nothing was sent).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.ts';
import { api } from '../helpers/test-app.ts';
import { mcpClient, type McpWorld, resultOf, startMcpWorld } from './helpers.ts';

interface Row {
  name: string;
  user: string;
  /** Accounts to create first: owner, key, ACL when SHARED. */
  setup?: (w: McpWorld) => Promise<Record<string, string>>;
  session: (ids: Record<string, string>) => Record<string, unknown>;
  /** An account named in the call (`account`). */
  account?: (ids: Record<string, string>) => string;
  /** Something to change after the session is made (an ACL edit). */
  afterSession?: (w: McpWorld, ids: Record<string, string>) => Promise<void>;
  /** The key the upstream must receive, or the error the call must fail with (nothing sent). */
  expect: { key: string } | { error: RegExp; link?: boolean };
}

const ROWS: Row[] = [
  {
    name: 'the user’s own PRIVATE account (a SHARED one open to all exists, unpinned)',
    user: 'own-user',
    setup: async (w) => ({ own: await w.keyAccount('own-user', 'k-own'), shared: await w.keyAccount('team-a', 'k-team-a', { allow_all_users: true }) }),
    session: () => ({}),
    expect: { key: 'k-own' },
  },
  {
    name: 'another user’s PRIVATE account, named in the call',
    user: 'p-user',
    setup: async (w) => ({ other: await w.keyAccount('p-other', 'k-p-other') }),
    session: () => ({}),
    account: (ids) => ids.other,
    expect: { error: /^Connected account ca_\w+ is not one this session can use for echoapi$/ },
  },
  {
    name: 'a SHARED account open to all, not pinned: never used implicitly (the user gets a link for their own account)',
    user: 's-user',
    setup: async (w) => ({ shared: await w.keyAccount('team-b', 'k-team-b', { allow_all_users: true }) }),
    session: () => ({}),
    expect: { error: /^Connect Echo API first: http:\/\/127\.0\.0\.1:\d+\/link\/lt_/, link: true },
  },
  {
    name: 'a SHARED account open to all, not pinned, named in the call',
    user: 's2-user',
    setup: async (w) => ({ shared: await w.keyAccount('team-c', 'k-team-c', { allow_all_users: true }) }),
    session: () => ({}),
    account: (ids) => ids.shared,
    expect: { error: /^Connected account ca_\w+ is not one this session can use for echoapi$/ },
  },
  {
    name: 'a SHARED account pinned, its ACL open to all',
    user: 'pa-user',
    setup: async (w) => ({ shared: await w.keyAccount('team-d', 'k-team-d', { allow_all_users: true }) }),
    session: (ids) => ({ connected_accounts: { echoapi: ids.shared } }),
    expect: { key: 'k-team-d' },
  },
  {
    name: 'a SHARED account pinned, the user in its allowed_user_ids',
    user: 'pl-user',
    setup: async (w) => ({ shared: await w.keyAccount('team-e', 'k-team-e', { allowed_user_ids: ['pl-user'] }) }),
    session: (ids) => ({ connected_accounts: { echoapi: ids.shared } }),
    expect: { key: 'k-team-e' },
  },
  {
    name: 'a SHARED account pinned, then its ACL denies the user',
    user: 'pd-user',
    setup: async (w) => ({ shared: await w.keyAccount('team-f', 'k-team-f', { allow_all_users: true }) }),
    session: (ids) => ({ connected_accounts: { echoapi: ids.shared } }),
    afterSession: async (w, ids) => {
      const res = await api(w.t).patch(`/api/v3.1/connected_accounts/${ids.shared}`, {
        experimental: { acl_config_for_shared: { allow_all_users: true, not_allowed_user_ids: ['pd-user'] } },
      });
      assert.equal(res.status, 200, res.text);
    },
    expect: { error: /^The ACL of SHARED connected account ca_\w+ does not let user pd-user use it$/ },
  },
];

forEachBackend('session MCP server: sharing rules', (backend) => {
  let w: McpWorld;
  before(async () => {
    w = await startMcpWorld(backend);
  });
  after(() => w.close());

  for (const row of ROWS) {
    test(row.name, async () => {
      const ids = (await row.setup?.(w)) ?? {};
      const s = await w.session({ user_id: row.user, toolkits: { enable: ['echoapi'] }, ...row.session(ids) });
      await row.afterSession?.(w, ids);
      w.upstream.requests.length = 0;
      const client = await mcpClient(s.mcp.url, w.t.apiKey);
      try {
        const call = { tool_slug: 'ECHOAPI_GET_WHOAMI', arguments: {}, ...(row.account ? { account: row.account(ids) } : {}) };
        const r = resultOf(await client.callTool({ name: 'COMPOSIO_MULTI_EXECUTE_TOOL', arguments: { tools: [call] } }));
        const [one] = r.data.results;
        if ('key' in row.expect) {
          assert.equal(one.response.successful, true, JSON.stringify(one));
          assert.deepEqual(
            w.upstream.requests.map((x) => x.headers['x-api-key']),
            [row.expect.key],
          );
        } else {
          assert.equal(one.response.successful, false);
          assert.match(one.response.error, row.expect.error);
          assert.equal(w.upstream.requests.length, 0, 'nothing reached the upstream');
          // A link is only ever for the user's own new PRIVATE account.
          const initiated = await api(w.t).get(`/api/v3.1/connected_accounts?user_ids=${row.user}&statuses=INITIATED&account_type=ALL`);
          assert.equal(initiated.body.items.length, row.expect.link ? 1 : 0);
          for (const a of initiated.body.items) assert.equal(a.experimental.account_type, 'PRIVATE');
        }
        // COMPOSIO_MANAGE_CONNECTIONS never offers a link for a pinned toolkit nor into a SHARED account.
        const manage = resultOf(await client.callTool({ name: 'COMPOSIO_MANAGE_CONNECTIONS', arguments: { toolkits: ['echoapi'] } }));
        const m = manage.data.results.echoapi;
        if (row.session(ids).connected_accounts) {
          assert.notEqual(m.status, 'initiated');
          if ('key' in row.expect) assert.equal(m.connected_account_id, ids.shared);
          else assert.match(m.error, /ask the app to reconnect Echo API/);
        } else if ('key' in row.expect) {
          assert.equal(m.status, 'active');
          assert.equal(m.account_type, 'PRIVATE');
        } else {
          assert.equal(m.status, 'initiated');
        }
      } finally {
        await client.close();
      }
    });
  }

  test('a session cannot pin another user’s PRIVATE account nor a SHARED one whose ACL leaves the user out', async () => {
    const other = await w.keyAccount('x-owner', 'k-x-owner');
    const closed = await w.keyAccount('x-team', 'k-x-team', { allowed_user_ids: ['someone-else'] });
    for (const id of [other, closed]) {
      const res = await api(w.t).post('/api/v3.1/tool_router/session', { user_id: 'x-user', connected_accounts: { echoapi: id } });
      assert.equal(res.status, 400, res.text);
    }
  });
});
