// Issue #20, finding 3: one normalisation for every user id wherever it
// enters (links, legacy create, sessions, ACLs on create and PATCH, list
// filters): surrounding whitespace trimmed, nothing else; ids empty after it
// refused. And ACL PATCHes are conditional writes, so concurrent ones never
// drop each other's entries.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.ts';
import { api, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { apiKeyToolkit, writeToolkitsDir } from '../helpers/toolkits.ts';
import { dumpDatabase, dumpDiff } from './support.ts';

forEachBackend('security: user ids', (backend) => {
  let t: TestApp;
  let acId: string;
  before(async () => {
    t = await startTestApp(backend, { env: { AUTHLINK_TOOLKITS_DIR: writeToolkitsDir([apiKeyToolkit('http://127.0.0.1:9/echo')]) } });
    const ac = await api(t).post('/api/v3.1/auth_configs', { toolkit: { slug: 'echoapi' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' } });
    acId = ac.body.auth_config.id;
  });
  after(() => t.close());

  const row = (id: string) => t.runtime.store.accounts.get(t.projectId, id);
  const link = (body: Record<string, unknown>) => api(t).post('/api/v3.1/connected_accounts/link', { auth_config_id: acId, ...body });

  test('every entry point stores and matches the trimmed id', async () => {
    const linked = await link({ user_id: '  trim-user\t' });
    assert.equal(linked.status, 201, linked.text);
    assert.equal((await row(linked.body.connected_account_id))?.user_id, 'trim-user');

    const legacy = await api(t).post('/api/v3.1/connected_accounts', {
      auth_config: { id: acId },
      connection: { user_id: '\ntrim-user ', state: { authScheme: 'API_KEY', val: { api_key: 'k-0123456789' } } },
    });
    assert.equal(legacy.status, 201, legacy.text);
    assert.equal((await row(legacy.body.id))?.user_id, 'trim-user');

    const session = await api(t).post('/api/v3.1/tool_router/session', { user_id: ' trim-user ' });
    assert.equal(session.status, 201);
    assert.equal(session.body.config.user_id, 'trim-user');
    const samePatch = await api(t).patch(`/api/v3.1/tool_router/session/${session.body.session_id}`, { user_id: 'trim-user  ' });
    assert.equal(samePatch.status, 200, 'the same user, spelled with spaces, is the same user');
    const otherPatch = await api(t).patch(`/api/v3.1/tool_router/session/${session.body.session_id}`, { user_id: 'trim-user2' });
    assert.equal(otherPatch.status, 400);

    const listed = await api(t).get(`/api/v3.1/connected_accounts?account_type=ALL&user_ids=${encodeURIComponent(' trim-user ')}`);
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.items.map((a: { id: string }) => a.id).sort(), [linked.body.connected_account_id, legacy.body.id].sort());

    const shared = await link({
      user_id: 'owner',
      account_type: 'SHARED',
      experimental: { acl_config_for_shared: { allowed_user_ids: [' a ', 'a', 'b\t'], not_allowed_user_ids: ['mallory  '] } },
    });
    assert.equal(shared.status, 201, shared.text);
    assert.deepEqual(JSON.parse((await row(shared.body.connected_account_id))!.acl!), {
      allow_all_users: false,
      allowed_user_ids: ['a', 'b'],
      not_allowed_user_ids: ['mallory'],
    });
    const patched = await api(t).patch(`/api/v3.1/connected_accounts/${shared.body.connected_account_id}`, {
      experimental: { acl_config_for_shared: { not_allowed_user_ids: [' eve', 'mallory '] } },
    });
    assert.equal(patched.status, 200, patched.text);
    assert.deepEqual(JSON.parse((await row(shared.body.connected_account_id))!.acl!).not_allowed_user_ids, ['eve', 'mallory']);
  });

  test('ids empty after trimming are refused everywhere, one error each, and nothing changes', async () => {
    const shared = await link({ user_id: 'owner2', account_type: 'SHARED' });
    const before = await dumpDatabase(t);
    const cases: Array<[string, Promise<{ status: number; body: { error: { errors?: string[] } } }>, string[]]> = [
      ['link', link({ user_id: ' \t ' }), ['user_id: must not be empty']],
      [
        'legacy create',
        api(t).post('/api/v3.1/connected_accounts', {
          auth_config: { id: acId },
          connection: { user_id: '   ', state: { authScheme: 'API_KEY', val: { api_key: 'k' } } },
        }),
        ['user_id: must not be empty'],
      ],
      ['session', api(t).post('/api/v3.1/tool_router/session', { user_id: '  ' }), ['user_id: must not be empty']],
      [
        'ACL on create',
        link({
          user_id: 'owner3',
          account_type: 'SHARED',
          experimental: { acl_config_for_shared: { allowed_user_ids: ['ok', ' '], not_allowed_user_ids: ['\t'] } },
        }),
        [
          'experimental.acl_config_for_shared.allowed_user_ids[1]: must not be empty or only whitespace',
          'experimental.acl_config_for_shared.not_allowed_user_ids[0]: must not be empty or only whitespace',
        ],
      ],
      [
        'ACL on PATCH',
        api(t).patch(`/api/v3.1/connected_accounts/${shared.body.connected_account_id}`, {
          experimental: { acl_config_for_shared: { not_allowed_user_ids: ['x', '  '] } },
        }),
        ['experimental.acl_config_for_shared.not_allowed_user_ids[1]: must not be empty or only whitespace'],
      ],
      ['list filter', api(t).get('/api/v3.1/connected_accounts?user_ids=a,%20%20'), ['user_ids[1]: must not be empty or only whitespace']],
    ];
    for (const [label, call, errors] of cases) {
      const res = await call;
      assert.equal(res.status, 400, label);
      assert.deepEqual(res.body.error.errors, errors, label);
    }
    assert.equal(dumpDiff(before, await dumpDatabase(t)), '', 'nothing changed');
  });

  test('concurrent ACL PATCHes never drop each other: the deny entry always survives', async () => {
    // Every write waits a moment first, so all three PATCHes have read the ACL before any writes
    // (without it SQLite would run them one after the other and the race would never happen).
    const accounts = t.runtime.store.accounts;
    const update = accounts.update;
    accounts.update = async (...args) => {
      await new Promise((r) => setTimeout(r, 15));
      return update(...args);
    };
    try {
      for (let round = 0; round < 8; round++) {
        const shared = await link({ user_id: `acl-owner-${round}`, account_type: 'SHARED' });
        const id = shared.body.connected_account_id;
        const results = await Promise.all([
          api(t).patch(`/api/v3.1/connected_accounts/${id}`, { experimental: { acl_config_for_shared: { allowed_user_ids: ['friend'] } } }),
          api(t).patch(`/api/v3.1/connected_accounts/${id}`, { experimental: { acl_config_for_shared: { not_allowed_user_ids: ['mallory'] } } }),
          api(t).patch(`/api/v3.1/connected_accounts/${id}`, { experimental: { acl_config_for_shared: { allow_all_users: true } } }),
        ]);
        for (const r of results) assert.equal(r.status, 200, r.text);
        assert.deepEqual(
          JSON.parse((await row(id))!.acl!),
          { allow_all_users: true, allowed_user_ids: ['friend'], not_allowed_user_ids: ['mallory'] },
          `round ${round}`,
        );
      }
    } finally {
      accounts.update = update;
    }
  });
});
