// Issue #3: auth configs over the wire, every error path, tenant isolation.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.ts';
import { api, startTestApp, type TestApp } from '../helpers/test-app.ts';

const SECRET = 'gh-secret-0123456789abcdef';

forEachBackend('auth configs', (backend) => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp(backend, { managedAuth: { gitlab: { client_id: 'op-id', client_secret: 'op-secret-value' } } });
  });
  after(() => t.close());

  async function createGithub(name?: string) {
    const res = await api(t).post('/api/v3.1/auth_configs', {
      toolkit: { slug: 'github' },
      auth_config: {
        type: 'use_custom_auth',
        authScheme: 'OAUTH2',
        name,
        credentials: { client_id: 'gh-client', client_secret: SECRET, scopes: ['repo', 'read:user'] },
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body;
  }

  test('create custom OAuth2 -> 201 with the wire shape', async () => {
    const body = await createGithub('My GitHub');
    assert.match(body.auth_config.id, /^ac_[a-z0-9]{12}$/);
    assert.deepEqual(body, {
      toolkit: { slug: 'github' },
      auth_config: { id: body.auth_config.id, auth_scheme: 'OAUTH2', is_composio_managed: false, restrict_to_following_tools: [] },
    });
  });

  test('issue #15: every accepted field works or is refused — PATCH scopes, is_enabled_for_tool_router; shared_credentials refused by name (proxy_config: test/proxy/egress.test.ts)', async () => {
    const managed = await api(t).post('/api/v3.1/auth_configs', {
      toolkit: { slug: 'gitlab' },
      auth_config: { type: 'use_composio_managed_auth', is_enabled_for_tool_router: false },
    });
    assert.equal(managed.status, 201, managed.text);
    const id = managed.body.auth_config.id;
    const get = () => api(t).get(`/api/v3.1/auth_configs/${id}`);
    assert.equal((await get()).body.is_enabled_for_tool_router, false);
    const scoped = await api(t).patch(`/api/v3.1/auth_configs/${id}`, { type: 'default', scopes: 'read_user api', is_enabled_for_tool_router: true });
    assert.equal(scoped.status, 200, scoped.text);
    assert.deepEqual((await get()).body.credentials.scopes, ['read_user', 'api'], 'future links ask for these scopes');
    assert.equal((await get()).body.is_enabled_for_tool_router, true);
    const resolved = await t.app.services.authConfigs.resolve(t.projectId, id);
    assert.deepEqual(resolved.scopes, ['read_user', 'api']);
    const both = await api(t).patch(`/api/v3.1/auth_configs/${id}`, { scopes: ['a'], credentials: { scopes: ['b'] } });
    assert.equal(both.status, 400);
    const before = JSON.stringify((await get()).body);
    for (const [label, call, errors] of [
      [
        'create with shared_credentials',
        api(t).post('/api/v3.1/auth_configs', {
          toolkit: { slug: 'gitlab' },
          auth_config: { type: 'use_composio_managed_auth', shared_credentials: { a: 1 } },
        }),
        ['auth_config.shared_credentials: not supported by authlink; leave it out'],
      ],
      [
        'PATCH with shared_credentials (and a valid proxy_config, not applied either)',
        api(t).patch(`/api/v3.1/auth_configs/${id}`, {
          type: 'custom',
          name: 'x',
          shared_credentials: {},
          proxy_config: { proxy_url: 'https://p.example.com' },
        }),
        ['shared_credentials: not supported by authlink; leave it out'],
      ],
    ] as const) {
      const res = await call;
      assert.equal(res.status, 400, label);
      assert.deepEqual(res.body.error.errors, errors, label);
    }
    assert.equal(JSON.stringify((await get()).body), before, 'a refused PATCH changes nothing');
  });

  test('get: secrets masked, scopes normalised, never the secret in clear', async () => {
    const { auth_config } = await createGithub();
    const res = await api(t).get(`/api/v3.1/auth_configs/${auth_config.id}`);
    assert.equal(res.status, 200);
    assert.equal(res.body.credentials.client_id, 'gh-client');
    assert.equal(res.body.credentials.client_secret, '********cdef');
    assert.deepEqual(res.body.credentials.scopes, ['repo', 'read:user']);
    assert.equal(res.body.type, 'custom');
    assert.equal(res.body.status, 'ENABLED');
    assert.equal(res.body.no_of_connections, 0);
    assert.ok(!res.text.includes(SECRET));
    const raw = await t.runtime.store.authConfigs.get(t.projectId, auth_config.id);
    assert.ok(raw?.secrets_enc?.startsWith('v1:'));
    assert.ok(!JSON.stringify(raw).includes(SECRET), 'secret encrypted at rest');
  });

  test('missing required fields -> 400 code 612 naming them', async () => {
    const res = await api(t).post('/api/v3.1/auth_configs', {
      toolkit: { slug: 'github' },
      auth_config: { type: 'use_custom_auth', authScheme: 'OAUTH2', credentials: { client_id: 'x' } },
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 612);
    assert.equal(res.body.error.slug, 'AuthConfig_MissingRequiredFields');
    assert.equal(res.body.error.message, 'Missing required fields for OAUTH2: client_secret');
    assert.deepEqual(res.body.error.errors, ['auth_config.credentials.client_secret: is required']);
  });

  test('unknown toolkit -> 400 naming the slug; wrong scheme -> 400 listing supported ones', async () => {
    const unknown = await api(t).post('/api/v3.1/auth_configs', { toolkit: { slug: 'nope' }, auth_config: { type: 'use_custom_auth', authScheme: 'OAUTH2' } });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.message, 'Unknown toolkit nope');
    const wrong = await api(t).post('/api/v3.1/auth_configs', { toolkit: { slug: 'stripe' }, auth_config: { type: 'use_custom_auth', authScheme: 'OAUTH2' } });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error.slug, 'AuthConfig_SchemeNotSupported');
    assert.match(wrong.body.error.message, /^Toolkit stripe does not support auth scheme OAUTH2; it supports API_KEY/);
  });

  test('unknown credential field -> 400 listing the allowed ones', async () => {
    const res = await api(t).post('/api/v3.1/auth_configs', {
      toolkit: { slug: 'github' },
      auth_config: { type: 'use_custom_auth', authScheme: 'OAUTH2', credentials: { client_id: 'a', client_secret: 'b', colour: 'red' } },
    });
    assert.equal(res.status, 400);
    assert.match(res.body.error.errors[0], /^auth_config\.credentials\.colour: not a field of this scheme \(allowed: client_id, client_secret/);
  });

  test('managed auth: uses the operator app; none configured -> 400 saying how to fix', async () => {
    const ok = await api(t).post('/api/v3.1/auth_configs', { toolkit: { slug: 'gitlab' }, auth_config: { type: 'use_composio_managed_auth' } });
    assert.equal(ok.status, 201);
    assert.equal(ok.body.auth_config.is_composio_managed, true);
    const resolved = await t.app.services.authConfigs.resolve(t.projectId, ok.body.auth_config.id);
    assert.equal(resolved.values.client_id, 'op-id');
    const shown = await api(t).get(`/api/v3.1/auth_configs/${ok.body.auth_config.id}`);
    assert.ok(!shown.text.includes('op-secret-value'));
    const none = await api(t).post('/api/v3.1/auth_configs', { toolkit: { slug: 'github' } });
    assert.equal(none.status, 400);
    assert.equal(none.body.error.slug, 'AuthConfig_ManagedAuthUnavailable');
    assert.match(none.body.error.suggested_fix, /AUTHLINK_MANAGED_AUTH_FILE.*use_custom_auth/);
  });

  test('API-key toolkit config needs no credentials', async () => {
    const res = await api(t).post('/api/v3.1/auth_configs', { toolkit: { slug: 'stripe' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' } });
    assert.equal(res.status, 201);
  });

  test('list: filters, search, cursor pages, disabled hidden by default', async () => {
    const other = await startTestApp(backend);
    try {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await api(other).post('/api/v3.1/auth_configs', {
          toolkit: { slug: 'stripe' },
          auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY', name: `Stripe ${i}` },
        });
        ids.push(r.body.auth_config.id);
      }
      await api(other).patch(`/api/v3.1/auth_configs/${ids[0]}/DISABLED`);
      const p1 = await api(other).get('/api/v3.1/auth_configs?limit=2');
      assert.equal(p1.status, 200);
      assert.equal(p1.body.total_items, 4);
      assert.equal(p1.body.items.length, 2);
      const p2 = await api(other).get(`/api/v3.1/auth_configs?limit=2&cursor=${p1.body.next_cursor}`);
      assert.equal(p2.body.next_cursor, null);
      const seen = [...p1.body.items, ...p2.body.items].map((i: { id: string }) => i.id);
      assert.deepEqual(seen.sort(), ids.slice(1).sort());
      const all = await api(other).get('/api/v3.1/auth_configs?show_disabled=true');
      assert.equal(all.body.total_items, 5);
      const search = await api(other).get('/api/v3.1/auth_configs?search=stripe%203');
      assert.deepEqual(
        search.body.items.map((i: { name: string }) => i.name),
        ['Stripe 3'],
      );
      assert.equal(search.body.total_items, 1, 'the total counts what the filters list');
      assert.equal(p2.body.total_items, 4, "a later page carries the first page's total");
      const wildcard = await api(other).get('/api/v3.1/auth_configs?search=%25');
      assert.equal(wildcard.body.total_items, 0, 'LIKE wildcards are literal');
      assert.equal(wildcard.body.items.length, 0);
      const bad = await api(other).get('/api/v3.1/auth_configs?cursor=garbage');
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.body.error.errors, ['cursor: not a cursor this API returned']);
    } finally {
      await other.close();
    }
  });

  test('update name and credentials; enable/disable; delete', async () => {
    const { auth_config } = await createGithub();
    const id = auth_config.id;
    assert.equal(
      (await api(t).patch(`/api/v3.1/auth_configs/${id}`, { type: 'custom', name: 'Renamed', credentials: { client_secret: 'new-secret-0123456789' } })).status,
      200,
    );
    const got = await api(t).get(`/api/v3.1/auth_configs/${id}`);
    assert.equal(got.body.name, 'Renamed');
    assert.equal(got.body.credentials.client_secret, '********6789');
    assert.equal(got.body.credentials.client_id, 'gh-client');
    assert.equal((await api(t).patch(`/api/v3.1/auth_configs/${id}/DISABLED`)).status, 200);
    assert.equal((await api(t).get(`/api/v3.1/auth_configs/${id}`)).body.status, 'DISABLED');
    assert.equal((await api(t).patch(`/api/v3.1/auth_configs/${id}/ENABLED`)).status, 200);
    assert.equal((await api(t).patch(`/api/v3.1/auth_configs/${id}/SOMETIMES`)).status, 400);
    assert.equal((await api(t).delete(`/api/v3.1/auth_configs/${id}`)).status, 200);
    const gone = await api(t).get(`/api/v3.1/auth_configs/${id}`);
    assert.equal(gone.status, 404);
    assert.deepEqual(
      { ...gone.body.error, request_id: undefined },
      {
        message: `Auth config ${id} not found`,
        code: 607,
        slug: 'AuthConfig_NotFound',
        status: 404,
        request_id: undefined,
        suggested_fix: 'List auth configs with GET /api/v3.1/auth_configs',
      },
    );
    assert.equal((await api(t).delete(`/api/v3.1/auth_configs/${id}`)).status, 404);
  });

  test('tenant isolation: project B cannot see or touch project A configs (404)', async () => {
    const { auth_config } = await createGithub();
    const b = await t.otherProject();
    const id = auth_config.id;
    for (const res of [
      await api(t, b.apiKey).get(`/api/v3.1/auth_configs/${id}`),
      await api(t, b.apiKey).patch(`/api/v3.1/auth_configs/${id}`, { name: 'pwned' }),
      await api(t, b.apiKey).patch(`/api/v3.1/auth_configs/${id}/DISABLED`),
      await api(t, b.apiKey).delete(`/api/v3.1/auth_configs/${id}`),
    ]) {
      assert.equal(res.status, 404);
      assert.equal(res.body.error.code, 607);
    }
    assert.equal((await api(t, b.apiKey).get('/api/v3.1/auth_configs')).body.total_items, 0);
    const mine = await api(t).get(`/api/v3.1/auth_configs/${id}`);
    assert.equal(mine.body.status, 'ENABLED');
    assert.notEqual(mine.body.name, 'pwned');
  });
});

forEachBackend('toolkits', (backend) => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp(backend);
  });
  after(() => t.close());

  test('list with search, category and cursor', async () => {
    const all = await api(t).get('/api/v3.1/toolkits?limit=1000');
    assert.ok(all.body.total_items >= 40);
    const slugs = all.body.items.map((i: { slug: string }) => i.slug);
    assert.deepEqual(slugs, [...slugs].sort());
    const p1 = await api(t).get('/api/v3.1/toolkits?limit=10');
    const p2 = await api(t).get(`/api/v3.1/toolkits?limit=10&cursor=${p1.body.next_cursor}`);
    assert.deepEqual(
      [...p1.body.items, ...p2.body.items].map((i: { slug: string }) => i.slug),
      slugs.slice(0, 20),
    );
    const gh = await api(t).get('/api/v3.1/toolkits?search=github');
    assert.ok(gh.body.items.some((i: { slug: string }) => i.slug === 'github'));
    const cat = gh.body.items.find((i: { slug: string }) => i.slug === 'github').meta.categories[0].id;
    const byCat = await api(t).get(`/api/v3.1/toolkits?category=${encodeURIComponent(cat)}&limit=1000`);
    assert.ok(byCat.body.items.length >= 1);
    assert.ok(byCat.body.items.every((i: { meta: { categories: { id: string }[] } }) => i.meta.categories.some((c) => c.id === cat)));
  });

  test('get one with auth_config_details; unknown -> 404', async () => {
    const res = await api(t).get('/api/v3.1/toolkits/github');
    assert.equal(res.status, 200);
    assert.equal(res.body.slug, 'github');
    assert.equal(res.body.auth_config_details[0].mode, 'OAUTH2');
    const req = res.body.auth_config_details[0].fields.auth_config_creation.required.map((f: { name: string }) => f.name);
    assert.deepEqual(req, ['client_id', 'client_secret']);
    const missing = await api(t).get('/api/v3.1/toolkits/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.slug, 'Toolkit_NotFound');
  });
});
