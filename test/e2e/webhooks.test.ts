// Issue #9: signed lifecycle webhooks through a transactional outbox.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.ts';
import { api, startTestApp } from '../helpers/test-app.ts';
import { connectOAuth, consentAndAuthorize, createCookieClient, createLink, expireToken, startOAuthWorld, type OAuthWorld } from '../helpers/link-flow.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { verifyWebhook } from '../../src/webhooks/signing.ts';

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

forEachBackend('webhooks', (backend) => {
  let w: OAuthWorld;
  let rx: Receiver;
  let endpoint: { id: string; secret: string };
  before(async () => {
    w = await startOAuthWorld(backend, { env: { AUTHLINK_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1', AUTHLINK_WEBHOOK_RETRY_DELAYS_MS: '0,0,0' } });
    rx = await startReceiver();
    const res = await api(w.t).post('/api/v3.1/webhook_endpoints', { url: rx.url, events: ['*', 'connected_account.refreshed'], description: 'main' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    endpoint = res.body;
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
      .filter((p) => p.data.connected_account.id === accountId)
      .map((p) => p.type as string)
      .sort();

  test('endpoint: the secret is shown once; events are validated; another project sees nothing', async () => {
    assert.match(endpoint.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
    const got = await api(w.t).get(`/api/v3.1/webhook_endpoints/${endpoint.id}`);
    assert.equal(got.body.secret, undefined);
    assert.deepEqual(got.body.events, ['*', 'connected_account.refreshed']);
    const bad = await api(w.t).post('/api/v3.1/webhook_endpoints', { url: rx.url, events: ['connected_account.exploded'] });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.error.errors, ['events: unknown event type connected_account.exploded']);
    const privateTarget = await api(w.t).post('/api/v3.1/webhook_endpoints', { url: 'http://10.0.0.7/hook', events: ['*'] });
    assert.equal(privateTarget.status, 400);
    const other = await w.t.otherProject();
    assert.equal((await api(w.t, other.apiKey).get(`/api/v3.1/webhook_endpoints/${endpoint.id}`)).status, 404);
    assert.deepEqual((await api(w.t, other.apiKey).get('/api/v3.1/webhook_endpoints')).body, { items: [] });
  });

  test('a connect flow announces initiated then active, once each, signed per Standard Webhooks', async () => {
    const id = await connectOAuth(w, 'hook-user');
    await drain();
    await drain();
    assert.deepEqual(eventsFor(id), ['connected_account.active', 'connected_account.initiated']);
    for (const r of rx.received.filter((x) => JSON.parse(x.body).data.connected_account.id === id)) {
      const payload = verifyWebhook(endpoint.secret, r.headers as Record<string, string>, r.body) as any;
      assert.equal(payload.project_id, w.t.projectId);
      assert.match(payload.id, /^msg_/);
      assert.equal(r.headers['webhook-id'], payload.id);
      assert.ok(!r.body.includes('access_token'), 'no credentials in payloads');
    }
    assert.throws(
      () => verifyWebhook('whsec_' + Buffer.alloc(32).toString('base64'), rx.received[0].headers as Record<string, string>, rx.received[0].body),
      /no signature matches/,
    );
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
      'connected_account.active',
      'connected_account.deleted',
      'connected_account.disabled',
      'connected_account.enabled',
      'connected_account.initiated',
      'connected_account.refreshed',
      'connected_account.revoked',
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
    assert.deepEqual(eventsFor(denied.connected_account_id), ['connected_account.failed', 'connected_account.initiated']);
    assert.deepEqual(eventsFor(stale.connected_account_id), ['connected_account.expired', 'connected_account.initiated', 'link_session.expired']);
    assert.deepEqual(eventsFor(dead), [
      'connected_account.active',
      'connected_account.expired',
      'connected_account.initiated',
      'connected_account.refresh_failed',
    ]);
  });

  test('retries after 500s, stops after success; dead after the last retry; redeliver', async () => {
    await drain();
    rx.failNext(2);
    const id = await apiKeyless(w);
    await drain();
    const [latest] = (await api(w.t).get(`/api/v3.1/webhook_endpoints/${endpoint.id}/deliveries?limit=1`)).body.items;
    assert.equal(latest.status, 'succeeded');
    assert.equal(latest.attempts, 3);
    assert.equal(latest.last_status, 204);
    assert.deepEqual(
      eventsFor(id),
      ['connected_account.active', 'connected_account.active', 'connected_account.active'],
      'two failures then one success, then nothing more',
    );
    rx.setAlwaysFail(true);
    try {
      const gone = await apiKeyless(w);
      await drain();
      const deliveries = (await api(w.t).get(`/api/v3.1/webhook_endpoints/${endpoint.id}/deliveries?limit=5`)).body.items;
      const deadOne = deliveries.find((d: { status: string }) => d.status === 'dead');
      assert.ok(deadOne, 'dead-lettered');
      assert.equal(deadOne.attempts, 4);
      assert.equal(deadOne.last_status, 500);
      assert.equal(deadOne.last_error, 'receiver answered 500');
      rx.setAlwaysFail(false);
      const re = await api(w.t).post(`/api/v3.1/webhook_endpoints/${endpoint.id}/deliveries/${deadOne.id}/redeliver`, {});
      assert.equal(re.body.status, 'pending');
      await drain();
      const after = (await api(w.t).get(`/api/v3.1/webhook_endpoints/${endpoint.id}/deliveries?limit=20`)).body.items.find(
        (d: { id: string }) => d.id === deadOne.id,
      );
      assert.equal(after.status, 'succeeded');
      assert.ok(gone);
    } finally {
      rx.setAlwaysFail(false);
    }
  });

  test('secret rotation: both secrets sign during the overlap window', async () => {
    const rotated = await api(w.t).patch(`/api/v3.1/webhook_endpoints/${endpoint.id}`, { rotate_secret: true });
    assert.match(rotated.body.secret, /^whsec_/);
    assert.notEqual(rotated.body.secret, endpoint.secret);
    assert.ok(Date.parse(rotated.body.previous_secret_expires_at) > Date.now() + 23 * 3600_000);
    const id = await connectOAuth(w, 'rotate-user');
    await drain();
    const r = rx.received.find((x) => JSON.parse(x.body).data.connected_account.id === id)!;
    assert.equal(String(r.headers['webhook-signature']).split(' ').length, 2);
    verifyWebhook(rotated.body.secret, r.headers as Record<string, string>, r.body);
    verifyWebhook(endpoint.secret, r.headers as Record<string, string>, r.body);
    endpoint = { id: endpoint.id, secret: rotated.body.secret };
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
      assert.deepEqual(eventsFor(id), ['connected_account.active', 'connected_account.initiated']);
    } finally {
      await second.close();
    }
  });
});

/** An API-key account created in one call (fires `connected_account.active`). */
async function apiKeyless(w: OAuthWorld): Promise<string> {
  const res = await api(w.t).post('/api/v3.1/connected_accounts', {
    auth_config: { id: w.apiKeyAuthConfigId },
    connection: { user_id: 'dead-letter', state: { authScheme: 'API_KEY', val: { api_key: 'k_123456789' } } },
  });
  assert.equal(res.status, 201);
  return res.body.id;
}
