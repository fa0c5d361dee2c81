// Issue #20, finding 4: a client that trickles its request (slowloris) must
// not hold a socket forever, authenticated or not. The server has deadlines
// for the headers and for the whole request (answered with a 408 envelope),
// and a bound on open connections.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';

const REQUEST_TIMEOUT = 1200;
const HEADERS_TIMEOUT = 600;

interface Outcome {
  /** ms from connect to the server closing the connection */
  closedAfter: number;
  data: string;
}

/** Connects, runs `send`, and resolves when the server closes the connection (or after `giveUpMs`). */
function rawClient(port: number, send: (s: net.Socket) => void, giveUpMs = 6_000): Promise<Outcome> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let data = '';
    let started = 0;
    const timers: NodeJS.Timeout[] = [];
    const giveUp = setTimeout(() => s.destroy(), giveUpMs);
    s.on('connect', () => {
      started = Date.now();
      send(s);
    });
    s.on('data', (d) => (data += d));
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(giveUp);
      for (const t of timers) clearInterval(t);
      resolve({ closedAfter: Date.now() - started, data });
    });
    (s as net.Socket & { timers?: NodeJS.Timeout[] }).timers = timers;
  });
}

/** Sends `head`, then one body byte every 100 ms. */
const trickle = (head: string) => (s: net.Socket) => {
  s.write(head);
  const timer = setInterval(() => s.writable && s.write('a'), 100);
  (s as net.Socket & { timers?: NodeJS.Timeout[] }).timers!.push(timer);
};

function assertTimedOut(o: Outcome, deadline: number, what: string): void {
  assert.ok(o.closedAfter >= deadline - 50, `${what}: cut after ${o.closedAfter} ms, before the ${deadline} ms deadline`);
  assert.ok(o.closedAfter < deadline + 1_500, `${what}: still open ${o.closedAfter} ms later (deadline ${deadline} ms)`);
  const [head, body] = o.data.split('\r\n\r\n');
  assert.match(head, /^HTTP\/1\.1 408 /, what);
  const envelope = JSON.parse(body).error;
  assert.equal(envelope.status, 408);
  assert.equal(envelope.slug, 'Request_Timeout');
  assert.match(envelope.request_id, /^req_/);
}

describe('server deadlines', () => {
  let t: TestApp;
  let port: number;
  before(async () => {
    t = await startTestApp('sqlite', {
      listen: true,
      env: { AUTHLINK_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT), AUTHLINK_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT) },
    });
    port = t.config.port;
  });
  after(() => t.close());

  test(`a body trickled to /link/submit (no authentication) is cut at the request deadline with a 408 envelope`, async () => {
    const o = await rawClient(
      port,
      trickle('POST /link/submit HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\n'),
    );
    assertTimedOut(o, REQUEST_TIMEOUT, '/link/submit');
  });

  test(`a body trickled to an /api route with a valid key is cut the same way`, async () => {
    const o = await rawClient(
      port,
      trickle(
        `POST /api/v3.1/webhook_subscriptions HTTP/1.1\r\nHost: x\r\nx-api-key: ${t.apiKey}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{"webhook_url":"`,
      ),
    );
    assertTimedOut(o, REQUEST_TIMEOUT, '/api/v3.1/webhook_subscriptions');
  });

  test(`headers trickled, or never sent, are cut at the headers deadline`, async () => {
    const [trickled, silent] = await Promise.all([rawClient(port, trickle('GET /health HTTP/1.1\r\nX-Slow: ')), rawClient(port, () => undefined)]);
    assertTimedOut(trickled, HEADERS_TIMEOUT, 'trickled headers');
    assertTimedOut(silent, HEADERS_TIMEOUT, 'nothing sent');
  });

  test(`a normal request on a kept-alive connection is unaffected, also when it comes after a pause`, async () => {
    const o = await rawClient(port, (s) => {
      s.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n');
      // Idle between requests is the keep-alive timeout's business, not the request deadline's.
      setTimeout(
        () =>
          s.write(
            'POST /api/v3.1/webhook_subscriptions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
          ),
        REQUEST_TIMEOUT + 300,
      );
    });
    const answers = o.data.match(/HTTP\/1\.1 \d{3}/g);
    assert.deepEqual(answers, ['HTTP/1.1 200', 'HTTP/1.1 401'], o.data);
  });
});

test('open connections are bounded (AUTHLINK_MAX_CONNECTIONS): one too many is closed at once, and a freed place serves again', async () => {
  const t = await startTestApp('sqlite', { listen: true, env: { AUTHLINK_MAX_CONNECTIONS: '3' } });
  const port = t.config.port;
  const held = Array.from({ length: 3 }, () => net.connect(port, '127.0.0.1').on('error', () => undefined));
  try {
    await Promise.all(held.map((s) => new Promise((r) => s.on('connect', r))));
    await new Promise((r) => setTimeout(r, 100));
    const extra = await rawClient(port, (s) => s.write('GET /health HTTP/1.1\r\nHost: x\r\n\r\n'), 3_000);
    assert.equal(extra.data, '', 'no answer over the bound');
    assert.ok(extra.closedAfter < 1_000, `closed after ${extra.closedAfter} ms`);
    held[0].destroy();
    await new Promise((r) => setTimeout(r, 100));
    const ok = await rawClient(port, (s) => s.write('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'), 3_000);
    assert.match(ok.data, /^HTTP\/1\.1 200 /);
  } finally {
    for (const s of held) s.destroy();
    await t.close();
  }
});
