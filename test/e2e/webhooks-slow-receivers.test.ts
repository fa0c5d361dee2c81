// Issue #20, finding 1: one tenant's slow webhook receiver must not stall the
// other tenants' webhooks. Each attempt has one deadline (connect to last
// byte), the receiver's body is not read, the poller keeps leasing and
// starting deliveries while slow ones are in flight, and in-flight deliveries
// and subscriptions are bounded per project.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forEachBackend } from '../helpers/backends.ts';
import { api, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { apiKeyToolkit, writeToolkitsDir } from '../helpers/toolkits.ts';
import { startReceiver } from '../helpers/receiver.ts';

const DEADLINE = 1500;
const RETRY_MS = 1000;

interface Hit {
  at: number;
  closedAt?: number;
}

/**
 * A raw TCP receiver: once a whole request has arrived on a connection,
 * `answer` writes to the socket (and may keep writing). Records when each
 * request arrived and when its connection closed.
 */
async function rawReceiver(answer: (socket: net.Socket, stop: (t: NodeJS.Timeout) => void) => void) {
  const hits: Hit[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let buf = Buffer.alloc(0);
    let hit: Hit | undefined;
    const timers: NodeJS.Timeout[] = [];
    socket.on('data', (d) => {
      if (hit) return;
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      const length = Number(/content-length:\s*(\d+)/i.exec(buf.subarray(0, end).toString())?.[1] ?? 0);
      if (buf.length < end + 4 + length) return;
      hit = { at: Date.now() };
      hits.push(hit);
      answer(socket, (t) => timers.push(t));
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      for (const t of timers) clearInterval(t);
      if (hit) hit.closedAt = Date.now();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** Sends a status line, then one header byte every 100 ms: the head never ends. */
const trickleHead = (socket: net.Socket, keep: (t: NodeJS.Timeout) => void) => {
  socket.write('HTTP/1.1 200 OK\r\nX-Trickle: ');
  keep(setInterval(() => socket.writable && socket.write('a'), 100));
};

/** Answers 200 at once, then sends its (long) body one byte every 100 ms. */
const trickleBody = (socket: net.Socket, keep: (t: NodeJS.Timeout) => void) => {
  socket.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\n');
  keep(setInterval(() => socket.writable && socket.write('a'), 100));
};

async function waitFor(what: string, cond: () => boolean, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) assert.fail(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface Tenant {
  apiKey: string;
  authConfigId: string;
}

forEachBackend('webhooks: slow receivers', (backend) => {
  let t: TestApp;
  let other: TestApp | undefined;
  const closers: Array<() => Promise<void>> = [];

  before(async () => {
    t = await startTestApp(backend, {
      env: {
        AUTHLINK_TOOLKITS_DIR: writeToolkitsDir([apiKeyToolkit('http://127.0.0.1:9/echo')]),
        AUTHLINK_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1',
        AUTHLINK_WEBHOOK_TIMEOUT_MS: String(DEADLINE),
        AUTHLINK_WEBHOOK_RETRY_DELAYS_MS: `${RETRY_MS},600000`,
        AUTHLINK_WEBHOOK_MAX_IN_FLIGHT_PER_PROJECT: '2',
        AUTHLINK_WEBHOOK_MAX_ENDPOINTS_PER_PROJECT: '3',
      },
    });
    t.app.services.webhookWorker.start(25);
  });
  after(async () => {
    await other?.close();
    await t.close();
    for (const close of closers) await close();
  });

  async function tenant(): Promise<Tenant> {
    const { apiKey } = await t.otherProject();
    const ak = await api(t, apiKey).post('/api/v3.1/auth_configs', {
      toolkit: { slug: 'echoapi' },
      auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' },
    });
    assert.equal(ak.status, 201, JSON.stringify(ak.body));
    return { apiKey, authConfigId: ak.body.auth_config.id };
  }
  async function endpoint(p: Tenant, url: string): Promise<string> {
    const res = await api(t, p.apiKey).post('/api/v3.1/webhook_subscriptions', { webhook_url: url, enabled_events: ['*'] });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return res.body.id;
  }
  /** One lifecycle event for the project (an API-key account: composio.connected_account.active). */
  async function fire(p: Tenant): Promise<void> {
    const res = await api(t, p.apiKey).post('/api/v3.1/connected_accounts', {
      auth_config: { id: p.authConfigId },
      connection: { user_id: 'slow-receivers', state: { authScheme: 'API_KEY', val: { api_key: 'k_123456789' } } },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }
  const deliveries = async (p: Tenant, endpointId: string) =>
    (await api(t, p.apiKey).get(`/api/v3.1/webhook_subscriptions/${endpointId}/deliveries?limit=50`)).body.items as Array<{
      status: string;
      attempts: number;
      last_status: number | null;
      last_error: string | null;
      next_attempt_at: string | null;
    }>;

  test('a receiver trickling its answer holds only its own delivery: another project is served at once; the slow attempt is cut at the deadline and retried later, once', async () => {
    const slow = await rawReceiver(trickleHead);
    const fast = await startReceiver();
    closers.push(slow.close, fast.close);
    const [a, b] = [await tenant(), await tenant()];
    const slowId = await endpoint(a, slow.url);
    await endpoint(b, fast.url);
    // A second process on the same store (its worker starts later).
    other = await startTestApp(backend, {
      dataDir: t.dataDir,
      pgSchema: t.pgSchema,
      env: {
        AUTHLINK_ENCRYPTION_KEY: t.config.encryptionKeys!,
        AUTHLINK_TOOLKITS_DIR: t.config.toolkitsDir!,
        AUTHLINK_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1',
        AUTHLINK_WEBHOOK_TIMEOUT_MS: String(DEADLINE),
        AUTHLINK_WEBHOOK_RETRY_DELAYS_MS: `${RETRY_MS},600000`,
      },
    });
    await fire(a);
    await waitFor("A's receiver gets the request", () => slow.hits.length === 1, 5_000);
    const slowStarted = slow.hits[0].at;
    await fire(b);
    await waitFor("B's event", () => fast.received.length === 1, 5_000);
    const bArrived = Date.now();
    assert.ok(bArrived - slowStarted < DEADLINE / 2, `B arrived ${bArrived - slowStarted} ms after A's attempt began: it waited for A`);
    // Now a second process on the same store polls too: the lease must keep it off the attempt in flight.
    other.app.services.webhookWorker.start(25);

    await waitFor("A's attempt is cut", () => slow.hits[0].closedAt !== undefined, DEADLINE + 3_000);
    const held = slow.hits[0].closedAt! - slowStarted;
    assert.ok(held >= DEADLINE - 100 && held < DEADLINE + 700, `A's attempt lasted ${held} ms; the deadline is ${DEADLINE} ms`);
    let [d] = await deliveries(a, slowId);
    for (let i = 0; i < 100 && d.attempts === 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      [d] = await deliveries(a, slowId);
    }
    assert.equal(d.status, 'pending');
    assert.equal(d.attempts, 1);
    assert.equal(d.last_status, null);
    assert.equal(d.last_error, `the receiver did not answer within ${DEADLINE} ms`);
    assert.equal(slow.hits.length, 1, 'no other worker took the delivery while its attempt was in flight');

    await waitFor('the retry', () => slow.hits.length === 2, RETRY_MS + DEADLINE + 3_000);
    assert.ok(slow.hits[1].at - slow.hits[0].closedAt! >= RETRY_MS - 100, 'retried after the retry delay');
    await other.close();
    other = undefined;
    await api(t, a.apiKey).patch(`/api/v3.1/webhook_subscriptions/${slowId}`, { enabled: false });
  });

  test('the status decides: a 2xx whose body trickles is recorded at once and the body is not read', async () => {
    const slow = await rawReceiver(trickleBody);
    closers.push(slow.close);
    const p = await tenant();
    const id = await endpoint(p, slow.url);
    await fire(p);
    await waitFor('the request', () => slow.hits.length === 1, 5_000);
    await waitFor('the connection is dropped', () => slow.hits[0].closedAt !== undefined, DEADLINE + 3_000);
    assert.ok(slow.hits[0].closedAt! - slow.hits[0].at < DEADLINE / 2, 'authlink did not wait for the body');
    let [d] = await deliveries(p, id);
    for (let i = 0; i < 100 && d.status === 'pending'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      [d] = await deliveries(p, id);
    }
    assert.equal(d.status, 'succeeded');
    assert.equal(d.last_status, 200);
    assert.equal(slow.hits.length, 1);
  });

  test('in-flight deliveries are bounded per project; a project at its bound does not hold back another', async () => {
    let open = 0;
    let most = 0;
    let served = 0;
    const holding = createServer((req, res) => {
      open++;
      most = Math.max(most, open);
      req.resume();
      setTimeout(() => {
        open--;
        served++;
        res.writeHead(204).end();
      }, 400);
    });
    await new Promise<void>((r) => holding.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise<void>((r) => holding.close(() => r())));
    const fast = await startReceiver();
    closers.push(fast.close);
    const [c, b] = [await tenant(), await tenant()];
    await endpoint(c, `http://127.0.0.1:${(holding.address() as AddressInfo).port}/hooks`);
    await endpoint(b, fast.url);
    for (let i = 0; i < 6; i++) await fire(c);
    await waitFor('C at its bound', () => open >= 2, 5_000);
    const bFired = Date.now();
    await fire(b);
    await waitFor("B's event", () => fast.received.length === 1, 5_000);
    assert.ok(Date.now() - bFired < 400, "B was not held back by C's queue");
    await waitFor("all of C's events", () => served === 6, 10_000);
    assert.equal(most, 2, 'at most AUTHLINK_WEBHOOK_MAX_IN_FLIGHT_PER_PROJECT deliveries of one project at a time');
  });

  test('subscriptions are bounded per project: one too many is a clear 422 that writes nothing, also under concurrent creations', async () => {
    const p = await tenant();
    const url = 'https://hooks.example.com/x';
    const ids = [await endpoint(p, url), await endpoint(p, url), await endpoint(p, url)];
    const refused = await api(t, p.apiKey).post('/api/v3.1/webhook_subscriptions', { webhook_url: url, enabled_events: ['*'] });
    assert.equal(refused.status, 422);
    assert.equal(refused.body.error.slug, 'WebhookSubscription_LimitReached');
    assert.equal(refused.body.error.status, 422);
    assert.match(refused.body.error.message, /already has 3 webhook subscriptions/);
    assert.match(refused.body.error.suggested_fix, /AUTHLINK_WEBHOOK_MAX_ENDPOINTS_PER_PROJECT/);
    assert.equal((await api(t, p.apiKey).get('/api/v3.1/webhook_subscriptions')).body.total_items, 3, 'nothing written');
    // A deleted subscription frees its place.
    assert.equal((await api(t, p.apiKey).delete(`/api/v3.1/webhook_subscriptions/${ids[0]}`)).status, 200);
    await endpoint(p, url);

    const q = await tenant();
    const results = await Promise.all(
      Array.from({ length: 8 }, () => api(t, q.apiKey).post('/api/v3.1/webhook_subscriptions', { webhook_url: url, enabled_events: ['*'] })),
    );
    assert.deepEqual(results.map((r) => r.status).sort(), [201, 201, 201, 422, 422, 422, 422, 422]);
    assert.equal((await api(t, q.apiKey).get('/api/v3.1/webhook_subscriptions')).body.total_items, 3);
  });

  test('stop() waits for an attempt in flight (bounded by its deadline) and records it', async () => {
    const slow = await rawReceiver(trickleHead);
    closers.push(slow.close);
    const p = await tenant();
    const id = await endpoint(p, slow.url);
    await fire(p);
    await waitFor('the request', () => slow.hits.length === 1, 5_000);
    const stopping = Date.now();
    await t.app.services.webhookWorker.stop();
    const waited = Date.now() - stopping;
    assert.ok(waited < DEADLINE + 1_000, `stop() took ${waited} ms`);
    const [d] = await deliveries(p, id);
    assert.equal(d.attempts, 1, 'the attempt was recorded before stop() returned');
    assert.equal(d.last_error, `the receiver did not answer within ${DEADLINE} ms`);
  });
});
