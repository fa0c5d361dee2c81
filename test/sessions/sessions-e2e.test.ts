// End to end: which account each tool-router session really uses. alice and
// bob have sessions; carol created a SHARED account whose ACL lets alice in.
// Every proxied call reaches a real upstream on 127.0.0.1 that echoes the
// X-Api-Key it got, so each assertion names the credential actually sent.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { forEachBackend } from '../helpers/backends.ts';
import { api } from '../helpers/test-app.ts';
import { envelopeOf, startSessionWorld, type SessionWorld } from './helpers.ts';

forEachBackend('tool-router sessions end to end', (backend) => {
  let w: SessionWorld;
  let shared: string;
  const s: Record<string, string> = {};
  const own: Record<string, string> = {};
  before(async () => {
    w = await startSessionWorld(backend);
  });
  after(() => w.close());

  /** proxy_execute through a session: the key the upstream saw and the account authlink says it used. */
  async function call(session: string, extra: Record<string, unknown> = {}) {
    const res = await api(w.t).post(`/api/v3.1/tool_router/session/${session}/proxy_execute`, {
      toolkit_slug: 'echoapi',
      endpoint: '/whoami',
      method: 'GET',
      ...extra,
    });
    if (res.status !== 200) return { status: res.status, error: envelopeOf(res) };
    assert.equal(res.body.status, 200);
    return { status: 200, key: res.body.data.api_key as string, account: res.headers['x-authlink-connected-account-id'] as string };
  }
  async function usedFor(session: string) {
    const res = await api(w.t).get(`/api/v3.1/tool_router/session/${session}/toolkits?toolkits=echoapi`);
    assert.equal(res.status, 200);
    const [item] = res.body.items;
    return {
      account: item.connected_account && {
        id: item.connected_account.id,
        user_id: item.connected_account.user_id,
        account_type: item.connected_account.account_type,
      },
      error: item.error?.slug ?? null,
    };
  }
  const noAccount = (user: string, session: string) => ({
    status: 404,
    error: {
      message: `User ${user} has no ACTIVE connected account for echoapi`,
      code: 4305,
      slug: 'ToolRouterV2_NoConnectedAccount',
      status: 404,
      suggested_fix: `Connect one with POST /api/v3.1/tool_router/session/${session}/link`,
    },
  });

  describe('alice, bob and carol', () => {
    test('setup: carol SHARES an account with alice only; sessions for everyone; bob cannot pin it', async () => {
      shared = await w.account('carol', 'key-carol-shared', { alias: 'team', shared: { allowed_user_ids: ['alice'] } });
      s.aliceFree = (await w.session({ user_id: 'alice' })).session_id;
      s.alicePinned = (await w.session({ user_id: 'alice', connected_accounts: { echoapi: [shared] } })).session_id;
      s.carolFree = (await w.session({ user_id: 'carol' })).session_id;
      s.carolPinned = (await w.session({ user_id: 'carol', connected_accounts: { echoapi: shared } })).session_id;
      s.bobFree = (await w.session({ user_id: 'bob' })).session_id;
      const bobPinned = await api(w.t).post('/api/v3.1/tool_router/session', { user_id: 'bob', connected_accounts: { echoapi: [shared] } });
      assert.equal(bobPinned.status, 400);
      assert.deepEqual(envelopeOf(bobPinned), {
        message: `Invalid session config: connected_accounts.echoapi[0]: The ACL of SHARED connected account ${shared} does not let user bob use it`,
        code: 4303,
        slug: 'ToolRouterV2_InvalidSessionConfig',
        status: 400,
        suggested_fix:
          "Use this project's auth configs of the right toolkit, and pin accounts the session user may use: their own PRIVATE accounts, or SHARED ones whose ACL lets them in",
        errors: [`connected_accounts.echoapi[0]: The ACL of SHARED connected account ${shared} does not let user bob use it`],
      });
    });

    test('only the pinned sessions use the SHARED account; unpinned ones never do, not even for its creator', async () => {
      assert.deepEqual(await call(s.alicePinned), { status: 200, key: 'key-carol-shared', account: shared });
      assert.deepEqual(await call(s.carolPinned), { status: 200, key: 'key-carol-shared', account: shared });
      assert.deepEqual(await call(s.aliceFree), noAccount('alice', s.aliceFree));
      assert.deepEqual(await call(s.carolFree), noAccount('carol', s.carolFree));
      assert.deepEqual(await call(s.bobFree), noAccount('bob', s.bobFree));
      // Choosing it explicitly in an unpinned session does not work either.
      const chosen = await call(s.aliceFree, { connected_account_id: shared });
      assert.equal(chosen.status, 403);
      assert.equal(chosen.error?.slug, 'ToolRouterV2_ConnectedAccountNotAllowed');
      assert.deepEqual(w.upstream.keys, ['key-carol-shared', 'key-carol-shared']);
    });

    test('PRIVATE accounts are used implicitly, each by its own user only', async () => {
      own.alice = await w.account('alice', 'key-alice');
      own.bob = await w.account('bob', 'key-bob');
      assert.deepEqual(await call(s.aliceFree), { status: 200, key: 'key-alice', account: own.alice });
      assert.deepEqual(await call(s.bobFree), { status: 200, key: 'key-bob', account: own.bob });
      assert.deepEqual(await call(s.alicePinned), { status: 200, key: 'key-carol-shared', account: shared }, 'the pin still wins');
      assert.deepEqual(await call(s.carolFree), noAccount('carol', s.carolFree));
      assert.deepEqual(await usedFor(s.aliceFree), { account: { id: own.alice, user_id: 'alice', account_type: 'PRIVATE' }, error: null });
      assert.deepEqual(await usedFor(s.alicePinned), { account: { id: shared, user_id: 'carol', account_type: 'SHARED' }, error: null });
      assert.deepEqual(await usedFor(s.carolFree), { account: null, error: null });
      // bob cannot pin alice's PRIVATE account.
      const steal = await api(w.t).patch(`/api/v3.1/tool_router/session/${s.bobFree}`, { connected_accounts: { echoapi: own.alice } });
      assert.deepEqual(steal.body.error.errors, [`connected_accounts.echoapi[0]: Connected account ${own.alice} is PRIVATE to another user than bob`]);
      assert.deepEqual(await call(s.bobFree), { status: 200, key: 'key-bob', account: own.bob });
    });

    test('several PRIVATE accounts: the newest, unless the session requires an explicit choice', async () => {
      await sleep(5);
      own.alice2 = await w.account('alice', 'key-alice-2', { alias: 'second' });
      assert.deepEqual(await call(s.aliceFree), { status: 200, key: 'key-alice-2', account: own.alice2 });
      const strict = (await w.session({ user_id: 'alice', multi_account: { enable: true, require_explicit_selection: true } })).session_id;
      assert.deepEqual(await call(strict), {
        status: 409,
        error: {
          message: 'User alice has 2 connected accounts for echoapi, and this session requires choosing one',
          code: 4306,
          slug: 'ToolRouterV2_AccountSelectionRequired',
          status: 409,
          suggested_fix: 'Pass connected_account_id, or pin one account in connected_accounts.echoapi',
          errors: [`connected_account_id: may be ${own.alice2} (alias second)`, `connected_account_id: may be ${own.alice}`],
        },
      });
      assert.deepEqual(await call(strict, { connected_account_id: own.alice }), { status: 200, key: 'key-alice', account: own.alice });
      assert.equal((await call(strict, { connected_account_id: own.bob })).status, 403, "bob's account is not a choice");
      // Disabling the newest one moves the session back to the other.
      await api(w.t).patch(`/api/v3.1/connected_accounts/${own.alice2}/status`, { enabled: false });
      assert.deepEqual(await call(s.aliceFree), { status: 200, key: 'key-alice', account: own.alice });
    });

    test("carol's ACL change takes effect at once: alice's pinned session stops, carol's does not", async () => {
      const before = w.upstream.keys.length;
      const patched = await api(w.t).patch(`/api/v3.1/connected_accounts/${shared}`, {
        experimental: { acl_config_for_shared: { not_allowed_user_ids: ['alice'] } },
      });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.deepEqual(await call(s.alicePinned), {
        status: 403,
        error: {
          message: `The ACL of SHARED connected account ${shared} does not let user alice use it`,
          code: 4307,
          slug: 'ToolRouterV2_ConnectedAccountNotAllowed',
          status: 403,
        },
      });
      assert.equal(w.upstream.keys.length, before, 'the denied call never reached the upstream');
      assert.deepEqual(await usedFor(s.alicePinned), { account: null, error: 'ToolRouterV2_ConnectedAccountNotAllowed' });
      // A pin never falls back to alice's own account.
      assert.deepEqual(await call(s.carolPinned), { status: 200, key: 'key-carol-shared', account: shared });
      assert.deepEqual(await call(s.aliceFree), { status: 200, key: 'key-alice', account: own.alice });
    });

    test('every credential the upstream received, in order', () => {
      assert.deepEqual(w.upstream.keys, [
        'key-carol-shared',
        'key-carol-shared',
        'key-alice',
        'key-bob',
        'key-carol-shared',
        'key-bob',
        'key-alice-2',
        'key-alice',
        'key-alice',
        'key-carol-shared',
        'key-alice',
      ]);
    });
  });
});
