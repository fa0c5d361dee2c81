// Issue #18 (found by the webhook-subscribed link benchmark): a project with
// more due deliveries than its in-flight bound drains them as fast as its
// receiver answers, not at most the bound per poll interval; the bound
// still holds at every moment.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forEachBackend } from '../helpers/backends.ts';
import { api, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { apiKeyToolkit, writeToolkitsDir } from '../helpers/toolkits.ts';

const EVENTS = 40;
const POLL_MS = 30_000;

forEachBackend('webhooks: a backlog drains between polls', (backend) => {
  let t: TestApp;
  let close: (() => Promise<void>) | undefined;
  before(async () => {
    t = await startTestApp(backend, {
      env: {
        AUTHLINK_TOOLKITS_DIR: writeToolkitsDir([apiKeyToolkit('http://127.0.0.1:9/echo')]),
        AUTHLINK_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1',
        AUTHLINK_WEBHOOK_MAX_IN_FLIGHT_PER_PROJECT: '2',
      },
    });
  });
  after(async () => {
    await t.close();
    await close?.();
  });

  test(`${EVENTS} due deliveries of one project go out long before the next poll, never more than 2 at once`, async () => {
    let open = 0;
    let most = 0;
    let served = 0;
    const receiver = createServer((req, res) => {
      open++;
      most = Math.max(most, open);
      req.resume();
      req.on('end', () =>
        setTimeout(() => {
          open--;
          served++;
          res.writeHead(204).end();
        }, 20),
      );
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    close = () => new Promise<void>((r) => receiver.close(() => r()));
    const ak = await api(t).post('/api/v3.1/auth_configs', {
      toolkit: { slug: 'echoapi' },
      auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' },
    });
    assert.equal(ak.status, 201, JSON.stringify(ak.body));
    const sub = await api(t).post('/api/v3.1/webhook_subscriptions', {
      webhook_url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`,
      enabled_events: ['*'],
    });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
    for (let i = 0; i < EVENTS; i++) {
      const res = await api(t).post('/api/v3.1/connected_accounts', {
        auth_config: { id: ak.body.auth_config.id },
        connection: { user_id: `backlog-${i}`, state: { authScheme: 'API_KEY', val: { api_key: `k_backlog_${i}` } } },
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
    const worker = t.app.services.webhookWorker;
    // Polling, but the next poll is 30 s away: one pass starts the first two,
    // and each one that ends starts the next.
    worker.start(POLL_MS);
    const started = Date.now();
    assert.equal(await worker.runOnce(), 2, 'one pass starts as many as the bound allows');
    while (served < EVENTS && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 20));
    assert.equal(served, EVENTS, `all ${EVENTS} delivered within 10 s (poll interval ${POLL_MS} ms)`);
    assert.equal(most, 2, 'never more than AUTHLINK_WEBHOOK_MAX_IN_FLIGHT_PER_PROJECT at once');
    const list = await api(t).get(`/api/v3.1/webhook_subscriptions/${sub.body.id}/deliveries?limit=50`);
    assert.equal(list.status, 200);
    assert.equal(list.body.items.length, EVENTS);
    assert.ok(
      list.body.items.every((d: { status: string; attempts: number }) => d.status === 'succeeded' && d.attempts === 1),
      'each delivered once',
    );
  });
});
