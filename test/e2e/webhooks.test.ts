// Issue #9: signed lifecycle webhooks through a transactional outbox; issue
// #15: at Composio's /webhook_subscriptions, in Composio's V3 payload format,
// signed so that @composio/core's own verifyWebhook accepts them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.ts';
import { api, startTestApp } from '../helpers/test-app.ts';
import { connectOAuth, consentAndAuthorize, createCookieClient, createLink, expireToken, startOAuthWorld, type OAuthWorld } from '../helpers/link-flow.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { coreClient, coreVerify, v3Payload } from '../helpers/composio-webhooks.ts';
import { verifyWebhook } from '../../src/webhooks/signing.ts';

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

forEachBackend('webhooks', (backend) => {
  let w: OAuthWorld;
  let rx: Receiver;
  let subscription: { id: string; secret: string };
  const core = coreClient();
  before(async () => {
    w = await startOAuthWorld(backend, { env: { AUTHLINK_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1', AUTHLINK_WEBHOOK_RETRY_DELAYS_MS: '0,0,0' } });
    rx = await startReceiver();
    const res = await api(w.t).post('/api/v3.1/webhook_subscriptions', {
      webhook_url: rx.url,
      enabled_events: ['*', 'composio.connected_account.refreshed'],
      description: 'main',
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    subscription = res.body;
  });
  after(async () => {
    await w.close();
    await rx.close();
  });
  const drain = async () => {
    while ((await w.t.app.services.webhookWorker.runOnce()) > 0);
  };
  // Deliveries run in parallel, so arrival order is not guaranteed (payloads carry a timestamp): compare sorted.
  const eventsFor = (accountId: string) =>
    rx.received
      .map((r) => JSON.parse(r.body))
      .filter((p) => p.data.id === accountId)
      .map((p) => p.type as string)
      .sort();
  const deliveriesOf = async (limit: number) => (await api(w.t).get(`/api/v3.1/webhook_subscriptions/${subscription.id}/deliveries?limit=${limit}`)).body.items;

  test('subscription: the secret is shown once, masked after; events are validated; another project sees nothing', async () => {
    assert.match(subscription.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    const got = await api(w.t).get(`/api/v3.1/webhook_subscriptions/${subscription.id}`);
    assert.equal(got.body.secret, `whsec_********${subscription.secret.slice(-4)}`);
    assert.deepEqual(got.body.enabled_events, ['*', 'composio.connected_account.refreshed']);
    assert.equal(got.body.version, 'V3');
    assert.equal(got.body.webhook_url, rx.url);
    const bad = await api(w.t).post('/api/v3.1/webhook_subscriptions', {
      webhook_url: rx.url,
      enabled_events: ['composio.connected_account.exploded', 'connected_account.active', 'composio.trigger.message'],
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error.errors, [
      'enabled_events: unknown event type composio.connected_account.exploded',
      'enabled_events: unknown event type connected_account.active (did you mean composio.connected_account.active?)',
      'enabled_events: authlink has no triggers, so it never sends composio.trigger.message',
    ]);
    const v2 = await api(w.t).post('/api/v3.1/webhook_subscriptions', { webhook_url: rx.url, enabled_events: ['*'], version: 'V2' });
    assert.equal(v2.status, 400);
    assert.deepEqual(v2.body.error.errors, ['version: must be V3']);
    const privateTarget = await api(w.t).post('/api/v3.1/webhook_subscriptions', { webhook_url: 'http://10.0.0.7/hook', enabled_events: ['*'] });
    assert.equal(privateTarget.status, 400);
    const list = await api(w.t).get('/api/v3.1/webhook_subscriptions');
    assert.deepEqual(
      list.body.items.map((i: { id: string }) => i.id),
      [subscription.id],
      'refused creations wrote nothing',
    );
    const other = await w.t.otherProject();
    assert.equal((await api(w.t, other.apiKey).get(`/api/v3.1/webhook_subscriptions/${subscription.id}`)).status, 404);
    assert.deepEqual((await api(w.t, other.apiKey).get('/api/v3.1/webhook_subscriptions')).body, {
      items: [],
      next_cursor: null,
      total_pages: 1,
      current_page: 1,
      total_items: 0,
    });
    assert.equal((await api(w.t).get('/api/v3.1/webhook_endpoints')).status, 404, 'the old path is gone (Composio uses it for something else)');
  });

  test('a connect flow announces initiated then active, once each, V3 payloads that @composio/core verifies', async () => {
    const id = await connectOAuth(w, 'hook-user');
    await drain();
    await drain();
    assert.deepEqual(eventsFor(id), ['composio.connected_account.active', 'composio.connected_account.initiated']);
    for (const r of rx.received.filter((x) => JSON.parse(x.body).data.id === id)) {
      const verified = await coreVerify(core, subscription.secret, r);
      assert.equal(verified.version, 'V3');
      const payload = v3Payload(r);
      assert.deepEqual(verified.rawPayload, payload);
      assert.deepEqual(payload.metadata, { project_id: w.t.projectId, org_id: w.t.projectId });
      assert.match(payload.id, /^msg_/);
      assert.equal(r.headers['webhook-id'], payload.id);
      assert.match(String(r.headers['webhook-signature']), /^v1,[A-Za-z0-9+/]{43}=$/);
      assert.ok(!r.body.includes('access_token'), 'no credentials in payloads');
      // Our own receiver-side helper (docs/webhooks.md) agrees with the SDK.
      assert.deepEqual(verifyWebhook(subscription.secret, r.headers as Record<string, string>, r.body), payload);
    }
    await assert.rejects(coreVerify(core, 'whsec_' + Buffer.alloc(32).toString('base64'), rx.received[0]), /signature provided is invalid/);
  });

  test('every lifecycle change fires exactly once: disabled, enabled, refreshed (opt-in), revoked, deleted', async () => {
    const id = await connectOAuth(w, 'life-user');
    await api(w.t).patch(`/api/v3.1/connected_accounts/${id}/status`, { enabled: false });
    await api(w.t).patch(`/api/v3.1/connected_accounts/${id}/status`, { enabled: true });
    await api(w.t).post(`/api/v3.1/connected_accounts/${id}/refresh`, {});
    await api(w.t).post(`/api/v3.1/connected_accounts/${id}/revoke`, {});
    await api(w.t).delete(`/api/v3.1/connected_accounts/${id}`);
    await drain();
    assert.deepEqual(eventsFor(id), [
      'composio.connected_account.active',
      'composio.connected_account.deleted',
      'composio.connected_account.disabled',
      'composio.connected_account.enabled',
      'composio.connected_account.initiated',
      'composio.connected_account.refreshed',
      'composio.connected_account.revoked',
    ]);
  });

  test('failed, expired (+ link_session.expired) and refresh_failed', async () => {
    const denied = await createLink(w.t, { auth_config_id: w.authConfigId, user_id: 'deny-user' });
    const client = createCookieClient();
    await client.get(await consentAndAuthorize(client, w, denied.redirect_url, 'deny'));
    const stale = await createLink(w.t, { auth_config_id: w.authConfigId, user_id: 'stale-user' });
    await w.t.runtime.database.db
      .updateTable('link_sessions')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('connected_account_id', '=', stale.connected_account_id)
      .execute();
    await (await import('../../src/services/sweeper.ts')).sweepOnce(w.t.app.services);
    const dead = await connectOAuth(w, 'grant-user');
    await expireToken(w, dead);
    w.op.failNextToken(400, { error: 'invalid_grant' });
    await api(w.t).post(`/api/v3.1/connected_accounts/${dead}/refresh`, {});
    await drain();
    assert.deepEqual(eventsFor(denied.connected_account_id), ['composio.connected_account.failed', 'composio.connected_account.initiated']);
    assert.deepEqual(eventsFor(stale.connected_account_id), [
      'composio.connected_account.expired',
      'composio.connected_account.initiated',
      'composio.link_session.expired',
    ]);
    assert.deepEqual(eventsFor(dead), [
      'composio.connected_account.active',
      'composio.connected_account.expired',
      'composio.connected_account.initiated',
      'composio.connected_account.refresh_failed',
    ]);
    // The event's own context is in metadata, next to Composio's fields.
    const of = (id: string, type: string) => rx.received.map((r) => v3Payload(r)).find((p) => p.data.id === id && p.type === type)!;
    assert.equal(of(denied.connected_account_id, 'composio.connected_account.failed').metadata.error, 'access_denied');
    assert.deepEqual(of(dead, 'composio.connected_account.expired').metadata.refresh, { permanent: true, error: 'invalid_grant' });
  });

  test('retries after 500s, stops after success; dead after the last retry; redeliver', async () => {
    await drain();
    rx.failNext(2);
    const id = await apiKeyless(w);
    await drain();
    const [latest] = await deliveriesOf(1);
    assert.equal(latest.status, 'succeeded');
    assert.equal(latest.attempts, 3);
    assert.equal(latest.last_status, 204);
    assert.deepEqual(
      eventsFor(id),
      ['composio.connected_account.active', 'composio.connected_account.active', 'composio.connected_account.active'],
      'two failures then one success, then nothing more',
    );
    rx.setAlwaysFail(true);
    try {
      const gone = await apiKeyless(w);
      await drain();
      const deliveries = await deliveriesOf(5);
      const deadOne = deliveries.find((d: { status: string }) => d.status === 'dead');
      assert.ok(deadOne, 'dead-lettered');
      assert.equal(deadOne.attempts, 4);
      assert.equal(deadOne.last_status, 500);
      assert.equal(deadOne.last_error, 'receiver answered 500');
      rx.setAlwaysFail(false);
      const re = await api(w.t).post(`/api/v3.1/webhook_subscriptions/${subscription.id}/deliveries/${deadOne.id}/redeliver`, {});
      assert.equal(re.body.status, 'pending');
      await drain();
      const after = (await deliveriesOf(20)).find((d: { id: string }) => d.id === deadOne.id);
      assert.equal(after.status, 'succeeded');
      assert.ok(gone);
    } finally {
      rx.setAlwaysFail(false);
    }
  });

  test('secret rotation: both secrets sign during the overlap window, and verifyWebhook accepts either', async () => {
    const rotated = await api(w.t).post(`/api/v3.1/webhook_subscriptions/${subscription.id}/rotate_secret`);
    assert.equal(rotated.status, 200, rotated.text);
    assert.equal(rotated.body.id, subscription.id);
    assert.match(rotated.body.secret, /^whsec_/);
    assert.notEqual(rotated.body.secret, subscription.secret);
    assert.ok(Date.parse(rotated.body.previous_secret_expires_at) > Date.now() + 23 * 3600_000);
    const got = await api(w.t).get(`/api/v3.1/webhook_subscriptions/${subscription.id}`);
    assert.equal(got.body.secret, `whsec_********${rotated.body.secret.slice(-4)}`);
    assert.equal(got.body.previous_secret_expires_at, rotated.body.previous_secret_expires_at);
    const id = await connectOAuth(w, 'rotate-user');
    await drain();
    const r = rx.received.find((x) => JSON.parse(x.body).data.id === id)!;
    assert.equal(String(r.headers['webhook-signature']).split(' ').length, 2);
    assert.match(String(r.headers['webhook-signature']), /^v1,\S+ v1,\S+$/);
    await coreVerify(core, rotated.body.secret, r);
    await coreVerify(core, subscription.secret, r);
    subscription = { id: subscription.id, secret: rotated.body.secret };
  });

  test('a change committed before a crash is still delivered by the next process; two workers deliver once', async () => {
    const id = await connectOAuth(w, 'crash-user');
    // The process that committed the change stops before delivering; another one on the same store takes over.
    const second = await startTestApp(backend, {
      dataDir: w.t.dataDir,
      pgSchema: w.t.pgSchema,
      env: { AUTHLINK_ENCRYPTION_KEY: w.t.config.encryptionKeys!, AUTHLINK_TOOLKITS_DIR: w.t.config.toolkitsDir!, AUTHLINK_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1' },
    });
    try {
      await Promise.all([second.app.services.webhookWorker.runOnce(), w.t.app.services.webhookWorker.runOnce(), second.app.services.webhookWorker.runOnce()]);
      await drain();
      assert.deepEqual(eventsFor(id), ['composio.connected_account.active', 'composio.connected_account.initiated']);
    } finally {
      await second.close();
    }
  });
});

/** An API-key account created in one call (fires `composio.connected_account.active`). */
async function apiKeyless(w: OAuthWorld): Promise<string> {
  const res = await api(w.t).post('/api/v3.1/connected_accounts', {
    auth_config: { id: w.apiKeyAuthConfigId },
    connection: { user_id: 'dead-letter', state: { authScheme: 'API_KEY', val: { api_key: 'k_123456789' } } },
  });
  assert.equal(res.status, 201);
  return res.body.id;
}
