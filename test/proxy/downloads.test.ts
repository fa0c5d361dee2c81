// Issue #15: a provider's binary answer comes back as Composio's binary_data
// (url, content_type, size, expires_at); the URL serves the exact bytes
// without an API key, as an attachment no browser renders, until it expires;
// the bytes are encrypted at rest and the sweeper removes them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.ts';
import { api, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { apiKeyToolkit, writeToolkitsDir } from '../helpers/toolkits.ts';
import { sweepOnce } from '../../src/services/sweeper.ts';
import { PNG, startUpstream, type Upstream } from './helpers.ts';

forEachBackend('proxy downloads', (backend) => {
  let t: TestApp;
  let up: Upstream;
  let accountId: string;
  before(async () => {
    up = await startUpstream();
    t = await startTestApp(backend, {
      listen: true,
      env: { AUTHLINK_TOOLKITS_DIR: writeToolkitsDir([apiKeyToolkit(`${up.origin}/v2`)]), AUTHLINK_PROXY_ALLOW_PRIVATE: '127.0.0.1' },
    });
    const ac = await api(t).post('/api/v3.1/auth_configs', { toolkit: { slug: 'echoapi' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' } });
    const acct = await api(t).post('/api/v3.1/connected_accounts', {
      auth_config: { id: ac.body.auth_config.id },
      connection: { user_id: 'dl-user', state: { authScheme: 'API_KEY', val: { api_key: 'dl-key-0123456789' } } },
    });
    accountId = acct.body.id;
  });
  after(async () => {
    await t.close();
    await up.close();
  });

  const binary = () => api(t).post('/api/v3.1/tools/execute/proxy', { connected_account_id: accountId, endpoint: '/binary', method: 'GET' });

  test('binary_data.url serves the exact bytes, without an API key, as a sandboxed attachment; data is null', async () => {
    const res = await binary();
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.data, null);
    const bd = res.body.binary_data;
    assert.equal(bd.content_type, 'image/png');
    assert.equal(bd.size, PNG.length);
    assert.ok(bd.url.startsWith(`${t.config.publicUrl}/downloads/dl_`), bd.url);
    const expiresIn = Date.parse(bd.expires_at) - Date.now();
    assert.ok(expiresIn > 590_000 && expiresIn <= 600_000, 'AUTHLINK_DOWNLOAD_TTL_SECONDS, 600 by default');
    const got = await fetch(bd.url);
    assert.equal(got.status, 200);
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), PNG);
    assert.equal(got.headers.get('content-type'), 'image/png');
    assert.equal(got.headers.get('content-disposition'), 'attachment');
    assert.equal(got.headers.get('x-content-type-options'), 'nosniff');
    assert.match(String(got.headers.get('content-security-policy')), /sandbox/);
    const raw = await t.runtime.database.db.selectFrom('downloads').selectAll().execute();
    assert.ok(raw.length >= 1);
    for (const r of raw) {
      assert.ok(r.data_enc.startsWith('v1:'), 'encrypted at rest');
      assert.ok(!r.data_enc.includes(PNG.toString('base64')));
    }
    const token = bd.url.split('/').pop();
    assert.ok(t.logs.join('\n').includes('/downloads/dl_[redacted]'), 'the download is logged');
    assert.ok(!t.logs.join('\n').includes(token), 'but not its token');
  });

  test('a wrong, malformed or expired token answers 404 in the envelope; the sweeper deletes expired downloads', async () => {
    const res = await binary();
    const url = new URL(res.body.binary_data.url);
    for (const path of [`${url.pathname}x`, '/downloads/dl_short', '/downloads/..%2F..%2Fetc', '/downloads/ak_notadownload0000000000000000']) {
      const r = await fetch(`${t.config.publicUrl}${path}`);
      assert.equal(r.status, 404, path);
      assert.equal(((await r.json()) as { error: { status: number } }).error.status, 404);
    }
    await t.runtime.database.db
      .updateTable('downloads')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .execute();
    assert.equal((await fetch(url)).status, 404, 'expired');
    await sweepOnce(t.app.services);
    assert.equal((await t.runtime.database.db.selectFrom('downloads').selectAll().execute()).length, 0, 'swept');
  });
});
