// Issue #15: webhooks the way a user moving from Composio cloud sets them up.
// @composio/core (only apiKey and baseURL set) manages the subscription
// through its own methods, which call @composio/client's webhookSubscriptions
// routes; a real receiver on 127.0.0.1 gets the lifecycle of a connected
// account from authlink's real worker, and checks each delivery the way the
// SDK's documentation says: `composio.triggers.verifyWebhook()` /
// `composio.triggers.parse()` with the subscription's secret, and the SDK's
// payload schemas.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Composio, ConnectionExpiredEventSchema } from '@composio/core';
import { forEachBackend } from '../helpers/backends.ts';
import { api } from '../helpers/test-app.ts';
import { connectOAuth, expireToken, startOAuthWorld, type OAuthWorld } from '../helpers/link-flow.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { coreVerify, v3Payload } from '../helpers/composio-webhooks.ts';

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

const LIFECYCLE = ['composio.connected_account.active', 'composio.connected_account.revoked', 'composio.connected_account.expired'];

async function waitFor<T>(what: string, get: () => T | undefined, ms = 10_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

forEachBackend('@composio/core webhook subscriptions against authlink', (backend) => {
  let w: OAuthWorld;
  let rx: Receiver;
  let core: Composio;
  let subscription: { id: string; secret: string };

  before(async () => {
    w = await startOAuthWorld(backend, { env: { AUTHLINK_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1' } });
    rx = await startReceiver();
    core = new Composio({ apiKey: w.t.apiKey, baseURL: w.t.config.publicUrl, allowTracking: false, disableVersionCheck: true });
    // The worker as in production: it polls and delivers on its own.
    w.t.app.services.webhookWorker.start(25);
  });
  after(async () => {
    await w.close();
    await rx.close();
  });

  /** The first delivery of `type` about `accountId`. */
  const delivery = (accountId: string, type: string) =>
    waitFor(`${type} for ${accountId}`, () =>
      rx.received.find((r) => {
        const p = JSON.parse(r.body);
        return p.type === type && p.data.id === accountId;
      }),
    );

  test('event types, then set / list / get / update / rotateSecret / delete through the SDK', async () => {
    const types = await core.webhooks.subscriptions.listEventTypes();
    const names = types.items.map((i) => i.eventType);
    assert.ok(names.includes('composio.connected_account.expired'), "Composio's own lifecycle event");
    for (const t of LIFECYCLE) assert.ok(names.includes(t), t);
    assert.ok(
      types.items.every((i) => i.eventType.startsWith('composio.') && i.description && i.supportedVersions.join() === 'V3'),
      JSON.stringify(types.items),
    );

    // The SDK's default is trigger messages; authlink has no triggers and says so.
    await assert.rejects(core.webhooks.subscriptions.set({ webhookUrl: rx.url }), /authlink has no triggers/);
    assert.equal((await core.webhooks.subscriptions.list()).totalItems, 0, 'nothing was created');

    const created = await core.webhooks.subscriptions.set({ webhookUrl: rx.url, enabledEvents: ['composio.connected_account.expired'] });
    assert.match(created.id, /^ws_/);
    assert.equal(created.webhookUrl, rx.url);
    assert.equal(created.version, 'V3');
    assert.deepEqual(created.enabledEvents, ['composio.connected_account.expired']);
    assert.match(created.secret ?? '', /^whsec_[A-Za-z0-9+/]{43}=$/, 'the full secret, once');

    const list = await core.webhooks.subscriptions.list({ limit: 10 });
    assert.equal(list.totalItems, 1);
    assert.equal(list.currentPage, 1);
    assert.equal(list.totalPages, 1);
    assert.equal(list.nextCursor, null);
    assert.equal(list.items[0].id, created.id);
    const masked = `whsec_********${created.secret!.slice(-4)}`;
    assert.equal(list.items[0].secret, masked, 'reads show the secret masked');

    const got = await core.webhooks.subscriptions.get(created.id);
    assert.deepEqual({ ...got, secret: undefined }, { ...created, secret: undefined });
    assert.equal(got.secret, masked);

    const updated = await core.webhooks.subscriptions.update(created.id, { enabledEvents: LIFECYCLE });
    assert.equal(updated.id, created.id);
    assert.deepEqual(updated.enabledEvents, LIFECYCLE);
    assert.equal(updated.webhookUrl, rx.url, 'fields not given stay');
    // set() finds the existing subscription and updates it in place.
    const again = await core.triggers.setWebhookSubscription({ webhookUrl: rx.url, enabledEvents: LIFECYCLE });
    assert.equal(again.id, created.id);
    assert.equal((await core.webhooks.subscriptions.list()).totalItems, 1);

    const rotated = await core.webhooks.subscriptions.rotateSecret(created.id);
    assert.equal(rotated.id, created.id);
    assert.match(rotated.secret, /^whsec_/);
    assert.notEqual(rotated.secret, created.secret);
    assert.equal((await core.webhooks.subscriptions.get(created.id)).secret, `whsec_********${rotated.secret.slice(-4)}`);

    assert.deepEqual(await core.webhooks.subscriptions.delete(created.id), { success: true });
    await assert.rejects(core.webhooks.subscriptions.get(created.id), (e: Error) => /not found/i.test(`${e.message} ${JSON.stringify(e)}`));
    assert.equal((await core.webhooks.subscriptions.list()).totalItems, 0);

    const fresh = await core.webhooks.subscriptions.set({ webhookUrl: rx.url, enabledEvents: LIFECYCLE });
    assert.notEqual(fresh.id, created.id);
    subscription = { id: fresh.id, secret: fresh.secret! };
  });

  test('link completed, revoked, expired: V3 payloads the SDK parses, signatures verifyWebhook accepts', async () => {
    const active = await connectOAuth(w, 'sdk-hooks-user');
    const revoked = await connectOAuth(w, 'sdk-hooks-revoked');
    assert.equal((await api(w.t).post(`/api/v3.1/connected_accounts/${revoked}/revoke`, {})).status, 200);
    const expired = await connectOAuth(w, 'sdk-hooks-expired');
    await expireToken(w, expired);
    w.op.failNextToken(400, { error: 'invalid_grant' });
    assert.notEqual((await api(w.t).post(`/api/v3.1/connected_accounts/${expired}/refresh`, {})).status, 200);

    const got = {
      active: await delivery(active, 'composio.connected_account.active'),
      revoked: await delivery(revoked, 'composio.connected_account.revoked'),
      expired: await delivery(expired, 'composio.connected_account.expired'),
    };
    for (const [name, r] of Object.entries(got)) {
      const verified = await coreVerify(core, subscription.secret, r);
      assert.equal(verified.version, 'V3', name);
      // The documented receiver: parse() with verifySecret, from a plain { body, headers } request.
      const parsed = await core.triggers.parse({ body: r.body, headers: r.headers as Record<string, string> }, { verifySecret: subscription.secret });
      assert.deepEqual(parsed.rawPayload, verified.rawPayload, name);
      const payload = v3Payload(r);
      const context = name === 'expired' ? { refresh: { permanent: true, error: 'invalid_grant' } } : {};
      assert.deepEqual(payload.metadata, { project_id: w.t.projectId, org_id: w.t.projectId, ...context }, name);
      const masked = await assertAccountAsTheApiShowsIt(w, payload.data, name);
      if (name === 'active') assert.ok(masked.length >= 2, `the API masks the tokens (${masked}), the payload leaves them out`);
    }
    assert.equal(JSON.parse(got.revoked.body).data.status, 'REVOKED');
    // Composio's typed schema of its own lifecycle event.
    const event = ConnectionExpiredEventSchema.parse(JSON.parse(got.expired.body));
    assert.equal(event.data.id, expired);
    assert.equal(event.data.status, 'EXPIRED');
    assert.equal(event.data.toolkit.slug, 'localoidc');
    assert.equal(event.data.auth_config.auth_scheme, 'OAUTH2');
    assert.equal(event.data.user_id, 'sdk-hooks-expired');
    assert.ok(event.data.status_reason);

    // Not subscribed: initiated is not delivered.
    assert.ok(!rx.received.some((r) => JSON.parse(r.body).type === 'composio.connected_account.initiated'));
    // A tampered body or another secret is refused by the SDK.
    await assert.rejects(coreVerify(core, subscription.secret, { ...got.active, body: got.active.body.replace('ACTIVE', 'FAILED') }), /invalid/);
    await assert.rejects(coreVerify(core, 'whsec_not-the-secret', got.active), /invalid/);
  });

  test('during a rotation both secrets sign (the old one verifies too); after the overlap only the new one', async () => {
    const rotated = await core.webhooks.subscriptions.rotateSecret(subscription.id);
    const during = await delivery(await connectOAuth(w, 'sdk-hooks-rotation'), 'composio.connected_account.active');
    assert.match(String(during.headers['webhook-signature']), /^v1,\S+ v1,\S+$/, 'two signatures');
    await coreVerify(core, rotated.secret, during);
    await coreVerify(core, subscription.secret, during);

    // The overlap window ends (as time passing would).
    await w.t.runtime.database.db
      .updateTable('webhook_endpoints')
      .set({ previous_secret_until: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', subscription.id)
      .execute();
    const later = await delivery(await connectOAuth(w, 'sdk-hooks-after'), 'composio.connected_account.active');
    assert.match(String(later.headers['webhook-signature']), /^v1,\S+$/, 'one signature');
    await coreVerify(core, rotated.secret, later);
    await assert.rejects(coreVerify(core, subscription.secret, later), /invalid/);
    subscription = { id: subscription.id, secret: rotated.secret };
  });
});

/**
 * `data` is the account as GET /connected_accounts/{id} shows it, except that
 * it never holds a credential, not even masked: `state.val` keeps only what
 * the API shows in clear.
 */
async function assertAccountAsTheApiShowsIt(w: OAuthWorld, data: Record<string, unknown>, label: string): Promise<string[]> {
  const shown = (await api(w.t).get(`/api/v3.1/connected_accounts/${data.id}`)).body;
  const { state, data: val, updated_at, ...rest } = data as { state: { authScheme: string; val: Record<string, unknown> }; data: unknown; updated_at: string };
  const { state: shownState, data: _shownVal, updated_at: shownUpdated, ...shownRest } = shown;
  assert.deepEqual(rest, shownRest, label);
  assert.ok(updated_at <= shownUpdated, label);
  assert.equal(state.authScheme, shownState.authScheme, label);
  assert.deepEqual(val, state.val, label);
  for (const [k, v] of Object.entries(state.val)) {
    if (k !== 'status') assert.deepEqual(v, shownState.val[k], `${label}: ${k}`);
    assert.ok(!String(v).includes('****'), `${label}: ${k} is not a masked secret`);
  }
  const secretKeys = Object.keys(shownState.val).filter((k) => String(shownState.val[k]).includes('****'));
  for (const k of secretKeys) assert.ok(!(k in state.val), `${label}: ${k} left out`);
  return secretKeys;
}
