// Issue #20, finding 9: a delivery's last_error (the tenant sees it through the
// deliveries API) must not tell "resolves only to a private address" from
// "not found", or the worker is a DNS oracle for internal host names. The
// tenant sees one generic refusal; the operator's log has the reason.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.ts';
import { api, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { apiKeyToolkit, writeToolkitsDir } from '../helpers/toolkits.ts';
import { startReceiver } from '../helpers/receiver.ts';

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

forEachBackend('webhooks: failures are not a network oracle', (backend) => {
  let t: TestApp;
  let rx: Receiver;
  before(async () => {
    // No AUTHLINK_WEBHOOK_ALLOW_PRIVATE: loopback targets are refused.
    t = await startTestApp(backend, { env: { AUTHLINK_TOOLKITS_DIR: writeToolkitsDir([apiKeyToolkit('http://127.0.0.1:9/echo')]) } });
    rx = await startReceiver();
  });
  after(async () => {
    await t.close();
    await rx.close();
  });

  test('a host resolving only to loopback and a host that does not resolve: the same tenant-visible error; the operator log tells them apart', async () => {
    const port = new URL(rx.url).port;
    const created: Record<string, { id: string; secret: string }> = {};
    // Creation resolves no name, so it answers both the same way.
    for (const [name, url] of [
      ['loopback', `http://localhost:${port}/hooks`],
      ['missing', 'http://authlink-nowhere.invalid/hooks'],
    ] as const) {
      const res = await api(t).post('/api/v3.1/webhook_subscriptions', { webhook_url: url, enabled_events: ['*'] });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      created[name] = res.body;
    }
    const ak = await api(t).post('/api/v3.1/auth_configs', { toolkit: { slug: 'echoapi' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' } });
    const account = await api(t).post('/api/v3.1/connected_accounts', {
      auth_config: { id: ak.body.auth_config.id },
      connection: { user_id: 'oracle', state: { authScheme: 'API_KEY', val: { api_key: 'k_123456789' } } },
    });
    assert.equal(account.status, 201);
    assert.equal(await t.app.services.webhookWorker.runOnce(), 2);

    const seen = {} as Record<string, { status: string; attempts: number; last_status: number | null; last_error: string | null }>;
    for (const [name, e] of Object.entries(created)) {
      const res = await api(t).get(`/api/v3.1/webhook_subscriptions/${e.id}/deliveries`);
      const { status, attempts, last_status, last_error } = res.body.items[0];
      seen[name] = { status, attempts, last_status, last_error };
    }
    assert.deepEqual(seen.loopback, { status: 'pending', attempts: 1, last_status: null, last_error: 'the receiver could not be reached' });
    assert.deepEqual(seen.missing, seen.loopback, 'the tenant cannot tell the two apart');
    assert.equal(rx.received.length, 0, 'nothing reached the loopback receiver');

    const lines = t.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'webhook delivery failed');
    const reasonOf = (id: string) => lines.find((l) => l.endpoint_id === id)?.reason as string | undefined;
    assert.match(reasonOf(created.loopback.id) ?? '', /loopback/);
    assert.match(reasonOf(created.missing.id) ?? '', /ENOTFOUND/);
    for (const l of lines) {
      const text = JSON.stringify(l);
      for (const e of Object.values(created)) assert.ok(!text.includes(e.secret), 'no webhook secret in the log');
      assert.ok(!text.includes('/hooks'), 'the log names the host, not the URL (its path may hold a secret)');
    }
  });
});
