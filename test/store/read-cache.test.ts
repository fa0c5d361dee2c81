// The in-process read cache (src/store/read-cache.ts) on both backends: a
// write through the cached store is seen at once, a write by another process
// (an uncached store on the same database) within the TTL, never a value from
// an uncommitted or rolled-back transaction, and a read that overlapped a
// write does not keep the row from before it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { forEachBackend } from '../helpers/backends.ts';
import { api, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { createStore, type Store } from '../../src/store/store.ts';
import { withReadCache } from '../../src/store/read-cache.ts';
import type { WebhookEndpointRow } from '../../src/store/webhooks.ts';

const TTL_MS = 400;

forEachBackend('store: read cache', (backend) => {
  let t: TestApp;
  let cached: Store;
  let other: Store; // another process: same database, no cache
  let acId: string;
  before(async () => {
    t = await startTestApp(backend);
    cached = withReadCache(createStore(t.runtime.database.db, t.runtime.database.dialect), { ttlMs: TTL_MS });
    other = createStore(t.runtime.database.db, t.runtime.database.dialect);
    const res = await api(t).post('/api/v3.1/auth_configs', {
      toolkit: { slug: 'github' },
      auth_config: { type: 'use_custom_auth', authScheme: 'OAUTH2', credentials: { client_id: 'cid', client_secret: 'csecret' } },
    });
    assert.equal(res.status, 201, res.text);
    acId = res.body.auth_config.id;
  });
  after(() => t.close());

  function endpoint(id: string): WebhookEndpointRow {
    const ts = new Date().toISOString();
    return {
      id,
      project_id: t.projectId,
      url: `https://hooks.example.com/${id}`,
      description: null,
      events: '["*"]',
      enabled: 1,
      secret_enc: 'x',
      previous_secret_enc: null,
      previous_secret_until: null,
      created_at: ts,
      updated_at: ts,
      deleted_at: null,
    };
  }

  test('a write through the cached store is read back at once', async () => {
    assert.equal((await cached.authConfigs.get(t.projectId, acId))?.name !== 'renamed', true);
    await cached.authConfigs.update(t.projectId, acId, { name: 'renamed', updated_at: new Date().toISOString() });
    assert.equal((await cached.authConfigs.get(t.projectId, acId))?.name, 'renamed');

    const before = (await cached.projects.get(t.projectId))!;
    await cached.projects.updateSettings(t.projectId, { ...before.settings, link_ttl_seconds: 120 }, new Date().toISOString());
    assert.equal((await cached.projects.get(t.projectId))?.settings.link_ttl_seconds, 120);

    const n = (await cached.webhooks.enabledEndpoints(t.projectId)).length;
    await cached.webhooks.insertEndpoint(endpoint('we_cache_a'));
    assert.equal((await cached.webhooks.enabledEndpoints(t.projectId)).length, n + 1);
    await cached.webhooks.updateEndpoint(t.projectId, 'we_cache_a', { enabled: 0 });
    assert.equal((await cached.webhooks.enabledEndpoints(t.projectId)).length, n);
  });

  test('deleted auth configs: get() hides them, getAny() still shows them, from the same cache entry', async () => {
    const res = await api(t).post('/api/v3.1/auth_configs', {
      toolkit: { slug: 'github' },
      auth_config: { type: 'use_custom_auth', authScheme: 'OAUTH2', credentials: { client_id: 'c2', client_secret: 's2' } },
    });
    const id = res.body.auth_config.id;
    assert.ok(await cached.authConfigs.get(t.projectId, id));
    const ts = new Date().toISOString();
    await cached.authConfigs.update(t.projectId, id, { deleted_at: ts, updated_at: ts });
    assert.equal(await cached.authConfigs.get(t.projectId, id), undefined);
    assert.equal((await cached.authConfigs.getAny(t.projectId, id))?.deleted_at, ts);
  });

  test("another process's write is seen within the TTL (and, until then, the cached row is served)", async () => {
    await cached.authConfigs.update(t.projectId, acId, { name: 'one', updated_at: new Date().toISOString() });
    assert.equal((await cached.authConfigs.get(t.projectId, acId))?.name, 'one');
    await other.authConfigs.update(t.projectId, acId, { name: 'two', updated_at: new Date().toISOString() });
    assert.equal((await cached.authConfigs.get(t.projectId, acId))?.name, 'one', 'served from the cache: the store was not asked');
    await sleep(TTL_MS + 50);
    assert.equal((await cached.authConfigs.get(t.projectId, acId))?.name, 'two');
  });

  test('cached rows are frozen: a caller cannot change what the next request reads', async () => {
    const project = (await cached.projects.get(t.projectId))!;
    assert.throws(() => {
      (project.settings as Record<string, unknown>).link_ttl_seconds = 1;
    }, TypeError);
    const endpoints = await cached.webhooks.enabledEndpoints(t.projectId);
    assert.throws(() => endpoints.push(endpoint('we_x')), TypeError);
  });

  test('inside a transaction: its own writes are read back, nothing uncommitted or rolled back reaches the cache', async () => {
    await cached.authConfigs.update(t.projectId, acId, { name: 'committed', updated_at: new Date().toISOString() });
    await assert.rejects(
      cached.transaction(async (tx) => {
        await tx.authConfigs.update(t.projectId, acId, { name: 'uncommitted', updated_at: new Date().toISOString() });
        assert.equal((await tx.authConfigs.get(t.projectId, acId))?.name, 'uncommitted', 'the transaction reads its own write');
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.equal((await cached.authConfigs.get(t.projectId, acId))?.name, 'committed');
    await cached.transaction(async (tx) => {
      await tx.webhooks.insertEndpoint(endpoint('we_cache_tx'));
      assert.ok((await tx.webhooks.enabledEndpoints(t.projectId)).some((e) => e.id === 'we_cache_tx'));
    });
    assert.ok(
      (await cached.webhooks.enabledEndpoints(t.projectId)).some((e) => e.id === 'we_cache_tx'),
      'seen after the commit',
    );
  });

  test('a read that started before a write and finished after it does not keep the old row', async () => {
    const inner = createStore(t.runtime.database.db, t.runtime.database.dialect);
    const slow = withReadCache(inner, { ttlMs: 60_000 });
    await slow.authConfigs.update(t.projectId, acId, { name: 'old', updated_at: new Date().toISOString() });
    const original = inner.authConfigs.getAny;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let readDone!: () => void;
    const read = new Promise<void>((r) => (readDone = r));
    // The database answers (old row) but the answer arrives after the write below: a busy pool.
    inner.authConfigs.getAny = async (p, id) => {
      const row = await original.call(inner.authConfigs, p, id);
      readDone();
      await gate;
      return row;
    };
    const stale = slow.authConfigs.get(t.projectId, acId);
    await read;
    inner.authConfigs.getAny = original;
    await slow.authConfigs.update(t.projectId, acId, { name: 'new', updated_at: new Date().toISOString() });
    release();
    assert.equal((await stale)?.name, 'old', 'the overlapping read returns what it read');
    assert.equal((await slow.authConfigs.get(t.projectId, acId))?.name, 'new', 'but did not cache it');
  });
});
