// Several authlink processes on one PostgreSQL database (issues #2, #5, #16):
// the same keys work everywhere, a token is refreshed exactly once however
// many processes need it at the same moment, and a revocation or a
// configuration change made anywhere reaches every process at once through
// LISTEN/NOTIFY (the caches' TTLs are set to an hour here, so only the
// announcement can explain it).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PG_URL } from '../helpers/backends.ts';
import { connectOAuth, expireToken, startOAuthWorld, type OAuthWorld } from '../helpers/link-flow.ts';
import { pgUrlWithSchema, startChild, type Child } from '../helpers/child.ts';
import { api } from '../helpers/test-app.ts';

const HOUR = '3600';

/** Polls `check` every 20 ms until it is true; returns how long that took (ms), or fails after `withinMs`. */
async function within(withinMs: number, what: string, check: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await check()) return performance.now() - started;
    if (performance.now() - started > withinMs) assert.fail(`${what}: not within ${withinMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('two authlink processes on one PostgreSQL', {
  skip: PG_URL ? false : 'TEST_DATABASE_URL is not set: PostgreSQL half skipped (.ci/run sets it)',
}, () => {
  let w: OAuthWorld;
  let children: Child[] = [];
  before(async () => {
    w = await startOAuthWorld('postgres', { env: { AUTHLINK_API_KEY_CACHE_SECONDS: HOUR, AUTHLINK_CONFIG_CACHE_SECONDS: HOUR } });
    const env = {
      AUTHLINK_API_KEY_CACHE_SECONDS: HOUR,
      AUTHLINK_CONFIG_CACHE_SECONDS: HOUR,
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

  test('both processes accept the same API key; a revocation anywhere is refused by every process within 1 s (issue #16)', async () => {
    for (const c of children) {
      const res = await fetch(`${c.url}/api/v3.1/toolkits?limit=1`, { headers: { 'x-api-key': w.t.apiKey } });
      assert.equal(res.status, 200);
    }
    const other = await w.t.otherProject();
    const [key] = await w.t.runtime.store.apiKeys.listByProject(other.projectId);
    const status = (c: Child) => fetch(`${c.url}/api/v3.1/toolkits?limit=1`, { headers: { 'x-api-key': other.apiKey } }).then((r) => r.status);
    // Both processes verify the key and cache it (for an hour).
    for (const c of children) assert.equal(await status(c), 200);
    // Revoked through this (third) process's store, as `authlink keys revoke` would.
    await w.t.runtime.store.apiKeys.revoke(key.id, new Date().toISOString());
    for (const c of children) await within(1000, `revoked key refused by ${c.url}`, async () => (await status(c)) === 401);
  });

  test('an auth config change made through one process is seen by the other at once', async () => {
    const id = w.apiKeyAuthConfigId;
    const nameVia = async (c: Child) =>
      ((await (await fetch(`${c.url}/api/v3.1/auth_configs/${id}`, { headers: { 'x-api-key': w.t.apiKey } })).json()) as { name: string }).name;
    const before = await nameVia(children[1]); // cached in children[1] for an hour
    const renamed = `${before} (renamed)`;
    const res = await fetch(`${children[0].url}/api/v3.1/auth_configs/${id}`, {
      method: 'PATCH',
      headers: { 'x-api-key': w.t.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ name: renamed }),
    });
    assert.equal(res.status, 200);
    const ms = await within(1000, 'rename seen by the other process', async () => (await nameVia(children[1])) === renamed);
    assert.ok(ms < 1000, `${ms} ms`);
    // Disabling is a config change too: the other process stops making links with it.
    assert.equal(
      (await fetch(`${children[0].url}/api/v3.1/auth_configs/${id}/DISABLED`, { method: 'PATCH', headers: { 'x-api-key': w.t.apiKey } })).status,
      200,
    );
    await within(1000, 'disabled auth config refused by the other process', async () => {
      const link = await fetch(`${children[1].url}/api/v3.1/connected_accounts/link`, {
        method: 'POST',
        headers: { 'x-api-key': w.t.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify({ auth_config_id: id, user_id: 'after-disable' }),
      });
      return link.status >= 400 && link.status < 500;
    });
  });

  test('a listener that lost its connection reconnects and flushes its caches (changes missed meanwhile are not served)', async () => {
    const listener = w.t.runtime.listener!;
    assert.ok(listener.isUp());
    const id = w.authConfigId;
    const name = async () => (await api(w.t).get(`/api/v3.1/auth_configs/${id}`)).body.name as string;
    const cached = await name();
    // A change nobody announces (made behind authlink's back), then the listener's connection is cut.
    await w.t.runtime.database.db.updateTable('auth_configs').set({ name: 'changed unannounced' }).where('id', '=', id).execute();
    assert.equal(await name(), cached, 'still served from the cache (TTL an hour)');
    const oldPid = listener.backendPid();
    await w.t.runtime.database.db.selectNoFrom((eb) => eb.fn('pg_terminate_backend', [eb.val(oldPid)]).as('x')).execute();
    await within(5000, 'listener back on a new connection', async () => listener.isUp() && listener.backendPid() !== oldPid);
    assert.equal(await name(), 'changed unannounced');
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
