// Issue #16: cache invalidation announcements. The payload names its scope
// (schema) so processes of another authlink schema on the same database ignore
// it; on SQLite (one process) a write through the store reaches the caches
// directly, also one made outside the services (as the CLI does).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMessage, encodeMessage } from '../../src/store/invalidation.ts';
import { api, startTestApp } from '../helpers/test-app.ts';

test('announcements are read only for their own scope and known topics', () => {
  assert.deepEqual(decodeMessage('s1', encodeMessage('s1', 'apiKeys', 'key_1')), { topic: 'apiKeys', key: 'key_1' });
  assert.deepEqual(decodeMessage('s1', encodeMessage('s1', 'authConfigs', 'prj_1/ac_1')), { topic: 'authConfigs', key: 'prj_1/ac_1' });
  assert.equal(decodeMessage('s2', encodeMessage('s1', 'apiKeys', 'key_1')), undefined);
  for (const junk of ['', 'x', '[]', '["s1","nope","k"]', '["s1","apiKeys",1]', '{"a":1}', undefined]) assert.equal(decodeMessage('s1', junk), undefined, junk);
});

test('SQLite: a key revoked through the store (not the service) is refused at once, whatever the cache TTL', async () => {
  const t = await startTestApp('sqlite', { env: { AUTHLINK_API_KEY_CACHE_SECONDS: '3600', AUTHLINK_CONFIG_CACHE_SECONDS: '3600' } });
  try {
    const other = await t.otherProject();
    assert.equal((await api(t, other.apiKey).get('/api/v3.1/toolkits?limit=1')).status, 200); // now cached
    const [key] = await t.runtime.store.apiKeys.listByProject(other.projectId);
    await t.runtime.store.apiKeys.revoke(key.id, new Date().toISOString());
    assert.equal((await api(t, other.apiKey).get('/api/v3.1/toolkits?limit=1')).status, 401);
    // The project's settings, changed through the store, are read again at once too.
    assert.equal((await api(t).get('/api/v3.1/project/settings')).status, 200);
    await t.runtime.store.projects.updateSettings(t.projectId, { link_ttl_seconds: 1234 }, new Date().toISOString());
    assert.equal((await api(t).get('/api/v3.1/project/settings')).body.link_ttl_seconds, 1234);
  } finally {
    await t.close();
  }
});
