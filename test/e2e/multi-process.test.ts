// Several authlink processes on one PostgreSQL database (issues #2 and #5):
// the same keys work everywhere, and a token is refreshed exactly once however
// many processes need it at the same moment.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PG_URL } from '../helpers/backends.ts';
import { connectOAuth, expireToken, startOAuthWorld, type OAuthWorld } from '../helpers/link-flow.ts';
import { pgUrlWithSchema, startChild, type Child } from '../helpers/child.ts';

describe('two authlink processes on one PostgreSQL', {
  skip: PG_URL ? false : 'TEST_DATABASE_URL is not set: PostgreSQL half skipped (.ci/run sets it)',
}, () => {
  let w: OAuthWorld;
  let children: Child[] = [];
  before(async () => {
    w = await startOAuthWorld('postgres');
    const env = {
      DATABASE_URL: pgUrlWithSchema(PG_URL!, w.t.pgSchema!),
      AUTHLINK_ENCRYPTION_KEY: w.t.config.encryptionKeys!,
      AUTHLINK_TOOLKITS_DIR: w.t.config.toolkitsDir!,
      AUTHLINK_ALLOW_INSECURE_OAUTH: '1',
      AUTHLINK_DATA_DIR: w.t.dataDir,
      AUTHLINK_PUBLIC_URL: w.t.config.publicUrl,
    };
    children = await Promise.all([startChild(env), startChild(env)]);
  });
  after(async () => {
    await Promise.all(children.map((c) => c.stop()));
    await w.close();
  });

  test('both processes accept the same API key; revocation in one is seen by the other within the cache bound', async () => {
    for (const c of children) {
      const res = await fetch(`${c.url}/api/v3.1/toolkits?limit=1`, { headers: { 'x-api-key': w.t.apiKey } });
      assert.equal(res.status, 200);
    }
    const other = await w.t.otherProject();
    const [key] = await w.t.runtime.store.apiKeys.listByProject(other.projectId);
    assert.equal((await fetch(`${children[1].url}/api/v3.1/toolkits?limit=1`, { headers: { 'x-api-key': other.apiKey } })).status, 200);
    await w.t.runtime.store.apiKeys.revoke(key.id, new Date().toISOString());
    // children[0] never cached the key: refused at once. (children[1] may serve it for AUTHLINK_API_KEY_CACHE_SECONDS.)
    assert.equal((await fetch(`${children[0].url}/api/v3.1/toolkits?limit=1`, { headers: { 'x-api-key': other.apiKey } })).status, 401);
  });

  test('40 concurrent reads of an expired token across two processes -> exactly one refresh at the provider', async () => {
    const id = await connectOAuth(w, 'two-proc-user');
    await w.t.runtime.store.projects.updateSettings(w.t.projectId, { allow_credential_reveal: true }, new Date().toISOString());
    await expireToken(w, id);
    const hits = w.op.counts.tokenByGrant.refresh_token ?? 0;
    const responses = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        fetch(`${children[i % 2].url}/api/v3.1/connected_accounts/${id}`, { headers: { 'x-api-key': w.t.apiKey } }).then(async (r) => ({
          status: r.status,
          body: (await r.json()) as any,
        })),
      ),
    );
    assert.deepEqual([...new Set(responses.map((r) => r.status))], [200]);
    assert.equal((w.op.counts.tokenByGrant.refresh_token ?? 0) - hits, 1, 'one refresh for everyone');
    assert.equal(new Set(responses.map((r) => r.body.state.val.access_token)).size, 1, 'everyone got the same new token');
  });
});
