// The console's webhook pages (issue #19): subscribe (the signing secret
// shown once, masked afterwards), enable/disable, delete, a subscription's
// deliveries with event type, status, attempts and last response, one
// delivery's payload (no credential in it), and redeliver through the same
// service as the API: each audited, refused without the form token.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.ts';
import { api } from '../helpers/test-app.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { consoleClient, csrfIn, startConsoleWorld, type ConsoleClient, type ConsoleWorld } from './helpers.ts';

const ACCOUNT_SECRET = 'sk_hook_SECRETVALUE_abcdefghijklmnop';
const XSS = '<script>alert(1)</script>';

forEachBackend('console: webhooks', (backend) => {
  let w: ConsoleWorld;
  let c: ConsoleClient;
  let base: string;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  before(async () => {
    receiver = await startReceiver();
    w = await startConsoleWorld(backend, {
      env: { AUTHLINK_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1', AUTHLINK_WEBHOOK_RETRY_DELAYS_MS: '0,0', AUTHLINK_WEBHOOK_MAX_ENDPOINTS_PER_PROJECT: '1' },
    });
    c = consoleClient(w.t);
    await c.signIn(w.t.apiKey);
    base = `/console/projects/${w.t.projectId}`;
  });
  after(async () => {
    await w?.close();
    await receiver?.close();
  });

  const store = () => w.t.runtime.store;
  const drain = async () => {
    while ((await w.t.app.services.webhookWorker.runOnce()) > 0);
  };
  let subId: string;
  let secret: string;

  test('subscribe: a bad URL is refused on the form; then created, the secret shown once and masked afterwards; audited', async () => {
    const page = await c.get(`${base}/webhooks`);
    assert.equal(page.status, 200);
    assert.match(page.text, /No subscription/);
    assert.match(page.text, /value="composio\.connected_account\.expired"/);
    const csrf = csrfIn(page.text);
    const bad = await c.post(`${base}/webhooks`, { csrf, url: 'ftp://nope', events: '*', description: XSS });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /role="alert">webhook_url must be an http\(s\) URL/);
    assert.ok(!bad.text.includes('<script>'));
    const noEvents = await c.post(`${base}/webhooks`, { csrf, url: receiver.url });
    assert.equal(noEvents.status, 400);
    assert.match(noEvents.text, /enabled_events must be a non-empty list/);
    assert.equal((await store().webhooks.listEndpoints(w.t.projectId)).length, 0);

    const res = await c.post(`${base}/webhooks`, { csrf, url: receiver.url, events: '*', description: `hooks ${XSS}` });
    assert.equal(res.status, 201, res.text.slice(0, 300));
    assert.equal(res.headers['cache-control'], 'no-store');
    secret = /id="new-secret-value" class="secret" value="([^"]+)"/.exec(res.text)?.[1] ?? '';
    assert.match(secret, /^whsec_/);
    assert.ok(!res.text.includes('<script>'));
    const rows = await store().webhooks.listEndpoints(w.t.projectId);
    assert.equal(rows.length, 1);
    subId = rows[0].id;
    // The secret is the one that signs.
    const view = await w.t.app.services.webhookSubscriptions.getRow(w.t.projectId, subId);
    assert.equal(view.url, receiver.url);
    for (const url of [`${base}/webhooks`, `${base}/webhooks/${subId}`]) {
      const again = await c.get(url);
      assert.equal(again.status, 200);
      assert.ok(!again.text.includes(secret), `${url} shows the secret again`);
      // (The secret is base64: its last characters may be regex syntax.)
      assert.ok(again.text.includes(`whsec_********${secret.slice(-4)}`), `${url} shows the masked secret`);
      assert.match(again.text, /hooks &lt;script&gt;/);
    }
    // The project's limit (1 here) is the service's refusal, shown on the form.
    const second = await c.post(`${base}/webhooks`, { csrf, url: receiver.url, events: '*' });
    assert.equal(second.status, 422);
    assert.match(second.text, /role="alert">This project already has 1 webhook subscriptions, the most it may have/);
    assert.equal((await store().webhooks.listEndpoints(w.t.projectId)).length, 1);
    const entry = (await store().audit.list(w.t.projectId)).find((e) => e.action === 'webhook_subscription.created');
    assert.equal(entry?.target_id, subId);
    assert.ok(!(entry?.details ?? '').includes(secret));
  });

  test('deliveries: event type, status, attempts, last response; a delivery’s payload has no credential; redeliver requeues it and is audited', async () => {
    receiver.setAlwaysFail(true);
    const accountId = await w.account('hook-user', ACCOUNT_SECRET);
    await drain();
    const sub = await c.get(`${base}/webhooks/${subId}`);
    assert.equal(sub.status, 200);
    assert.match(sub.text, /<code>composio\.connected_account\.active<\/code>/);
    assert.match(sub.text, /st-DEAD">DEAD</);
    assert.match(sub.text, /<td>500<br><span class="muted">[^<]+<\/span><\/td>/);
    const deliveryId = new RegExp(`/webhooks/${subId}/deliveries/(whd_[A-Za-z0-9_-]+)"`).exec(sub.text)?.[1];
    assert.ok(deliveryId);

    const detail = await c.get(`${base}/webhooks/${subId}/deliveries/${deliveryId}`);
    assert.equal(detail.status, 200);
    assert.match(detail.text, /<pre class="payload"[^>]*>\{\n {2}&quot;id&quot;: &quot;msg_/);
    assert.ok(detail.text.includes(accountId), 'the payload names the account');
    assert.ok(!detail.text.includes(ACCOUNT_SECRET), 'no credential in the payload');
    assert.ok(!detail.text.includes(secret), 'no signing secret');
    assert.match(detail.text, /Last response status<\/dt><dd>500/);

    receiver.setAlwaysFail(false);
    const n = receiver.received.length;
    const csrf = csrfIn(detail.text);
    const re = await c.post(`${base}/webhooks/${subId}/deliveries/${deliveryId}/redeliver`, { csrf });
    assert.equal(re.status, 303);
    assert.match(re.location ?? '', /done=redelivered$/);
    assert.equal((await store().webhooks.getDelivery(w.t.projectId, subId, deliveryId))?.status, 'pending');
    await drain();
    assert.equal(receiver.received.length, n + 1, 'sent again');
    const after = await c.get(re.location!);
    assert.match(after.text, /The delivery is queued again\./);
    assert.match(after.text, /st-SUCCEEDED">SUCCEEDED</);
    const entry = (await store().audit.list(w.t.projectId)).find((e) => e.action === 'webhook_delivery.redelivered');
    assert.equal(entry?.target_id, deliveryId);
  });

  test('disable, enable, delete through the service, each audited; delete needs the box', async () => {
    const csrf = await c.csrf(`${base}/webhooks/${subId}`);
    assert.equal((await c.post(`${base}/webhooks/${subId}/disable`, { csrf })).status, 303);
    assert.equal((await api(w.t).get(`/api/v3.1/webhook_subscriptions/${subId}`)).body.enabled, false);
    assert.equal((await c.post(`${base}/webhooks/${subId}/enable`, { csrf })).status, 303);
    assert.equal((await api(w.t).get(`/api/v3.1/webhook_subscriptions/${subId}`)).body.enabled, true);
    assert.equal((await c.post(`${base}/webhooks/${subId}/delete`, { csrf })).status, 400);
    assert.equal((await api(w.t).get(`/api/v3.1/webhook_subscriptions/${subId}`)).status, 200);
    // CSRF first (the subscription still exists here).
    const beforeAudit = (await store().audit.list(w.t.projectId)).length;
    const beforeRow = await store().webhooks.getEndpoint(w.t.projectId, subId);
    const delivery = (await store().webhooks.listDeliveries(w.t.projectId, subId, undefined, 1)).items[0];
    for (const [url, form] of [
      [`${base}/webhooks`, { url: receiver.url, events: '*' }],
      [`${base}/webhooks/${subId}/disable`, {}],
      [`${base}/webhooks/${subId}/enable`, {}],
      [`${base}/webhooks/${subId}/delete`, { confirm: 'yes' }],
      [`${base}/webhooks/${subId}/deliveries/${delivery.id}/redeliver`, {}],
    ] as Array<[string, Record<string, string>]>) {
      for (const token of [undefined, 'wrong']) {
        const res = await c.post(url, token ? { ...form, csrf: token } : form);
        assert.equal(res.status, 403, `${url} ${token}`);
      }
    }
    assert.deepEqual(await store().webhooks.getEndpoint(w.t.projectId, subId), beforeRow);
    assert.deepEqual(await store().webhooks.getDelivery(w.t.projectId, subId, delivery.id), delivery);
    assert.equal((await store().audit.list(w.t.projectId)).length, beforeAudit);
    assert.equal((await store().webhooks.listEndpoints(w.t.projectId)).length, 1);

    const del = await c.post(`${base}/webhooks/${subId}/delete`, { csrf, confirm: 'yes' });
    assert.equal(del.status, 303);
    assert.equal((await api(w.t).get(`/api/v3.1/webhook_subscriptions/${subId}`)).status, 404);
    assert.equal((await c.get(`${base}/webhooks/${subId}`)).status, 404);
    const actions = (await store().audit.list(w.t.projectId)).filter((e) => e.target_id === subId).map((e) => e.action);
    for (const a of ['webhook_subscription.disabled', 'webhook_subscription.enabled', 'webhook_subscription.deleted']) assert.ok(actions.includes(a), a);
  });
});
