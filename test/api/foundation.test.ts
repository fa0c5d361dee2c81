// Issue #2: authentication, the error envelope on every failure, request ids,
// health and readiness, rate limiting.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.ts';
import { api, startTestApp, type TestApp } from '../helpers/test-app.ts';
import net from 'node:net';

/** Sends raw bytes to the server and returns everything it answers before closing. */
function rawHttp(url: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.end(bytes));
    let out = '';
    socket.setEncoding('utf8');
    socket.on('data', (d) => (out += d));
    socket.on('close', () => resolve(out));
    socket.on('error', reject);
  });
}

forEachBackend('foundation', (backend) => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp(backend, { env: { AUTHLINK_RATE_LIMIT_PER_MINUTE: '1000' } });
  });
  after(() => t.close());

  test('health and ready need no key', async () => {
    assert.deepEqual((await t.app.inject({ url: '/health' })).json(), { status: 'ok' });
    const ready = await t.app.inject({ url: '/ready' });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { status: 'ready' });
  });

  test('missing key -> 401 envelope with the request id from the header', async () => {
    const res = await t.app.inject({ url: '/api/v3.1/auth_configs', headers: { 'x-request-id': 'trace-123' } });
    assert.equal(res.statusCode, 401);
    assert.equal(res.headers['x-request-id'], 'trace-123');
    assert.deepEqual(res.json(), {
      error: {
        message: 'Missing x-api-key header',
        code: 1001,
        slug: 'Auth_InvalidApiKey',
        status: 401,
        request_id: 'trace-123',
        suggested_fix: 'Send a project API key in the x-api-key header (create one with `authlink keys create --project <id>`)',
      },
    });
  });

  test('unknown and malformed keys -> 401; both /api/v3 and /api/v3.1 are guarded', async () => {
    for (const url of ['/api/v3.1/toolkits', '/api/v3/toolkits']) {
      for (const key of ['ak_' + 'x'.repeat(32), 'nonsense']) {
        const res = await t.app.inject({ url, headers: { 'x-api-key': key } });
        assert.equal(res.statusCode, 401);
        assert.equal(res.json().error.message, 'The API key is invalid or revoked');
        assert.match(res.json().error.request_id, /^req_[a-z0-9]{12}$/);
        assert.equal(res.json().error.request_id, res.headers['x-request-id']);
      }
    }
  });

  test('valid key reaches the routes; authenticated unknown route -> 404 envelope', async () => {
    const ok = await api(t).get('/api/v3.1/toolkits?limit=1');
    assert.equal(ok.status, 200);
    const res = await api(t).get('/api/v3.1/nope');
    assert.equal(res.status, 404);
    assert.equal(res.body.error.slug, 'Route_NotFound');
    assert.equal(res.body.error.message, 'No route GET /api/v3.1/nope');
    // Without a key, the same unknown API route is a 401: nothing about routes leaks.
    assert.equal((await t.app.inject({ url: '/api/v3.1/nope' })).statusCode, 401);
    // Outside the API: plain 404 envelope.
    const other = await t.app.inject({ url: '/nothing-here' });
    assert.equal(other.statusCode, 404);
    assert.equal(other.json().error.code, 404);
  });

  test('bad JSON -> 400, unsupported content type -> 415, validation -> one error per field', async () => {
    const badJson = await t.app.inject({
      method: 'POST',
      url: '/api/v3.1/connected_accounts/link',
      headers: { 'x-api-key': t.apiKey, 'content-type': 'application/json' },
      payload: '{"auth_config_id": ',
    });
    assert.equal(badJson.statusCode, 400);
    assert.deepEqual(badJson.json().error, {
      message: 'The request body is not valid JSON',
      code: 401,
      slug: 'Request_MalformedJson',
      status: 400,
      request_id: badJson.headers['x-request-id'],
      suggested_fix: 'Send a JSON object with content-type: application/json',
    });
    const xml = await t.app.inject({
      method: 'POST',
      url: '/api/v3.1/connected_accounts/link',
      headers: { 'x-api-key': t.apiKey, 'content-type': 'application/xml' },
      payload: '<a/>',
    });
    assert.equal(xml.statusCode, 415);
    assert.equal(xml.json().error.slug, 'Request_UnsupportedMediaType');
    const invalid = await api(t).post('/api/v3.1/connected_accounts/link', { user_id: 5, account_type: 'PUBLIC' });
    assert.equal(invalid.status, 400);
    assert.equal(invalid.body.error.slug, 'Request_ValidationFailed');
    assert.deepEqual(invalid.body.error.errors, ['auth_config_id: is required', 'user_id: must be string', 'account_type: must be one of PRIVATE, SHARED']);
  });

  test('body over the limit -> 413 envelope', async () => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/v3.1/connected_accounts/link',
      headers: { 'x-api-key': t.apiKey, 'content-type': 'application/json' },
      payload: JSON.stringify({ user_id: 'x'.repeat(2 * 1024 * 1024) }),
    });
    assert.equal(res.statusCode, 413);
    assert.equal(res.json().error.slug, 'Request_PayloadTooLarge');
  });

  test('revoked key -> 401 at once in this process', async () => {
    const other = await t.otherProject();
    assert.equal((await api(t, other.apiKey).get('/api/v3.1/toolkits?limit=1')).status, 200);
    const [key] = await t.runtime.store.apiKeys.listByProject(other.projectId);
    await t.app.services.apiKeys.revoke(key.id, new Date());
    const res = await api(t, other.apiKey).get('/api/v3.1/toolkits?limit=1');
    assert.equal(res.status, 401);
    assert.equal(res.body.error.message, 'The API key is invalid or revoked');
  });

  test('keys are stored only as a hash', async () => {
    const rows = await t.runtime.store.apiKeys.listByProject(t.projectId);
    assert.equal(rows.length, 1);
    assert.notEqual(rows[0].key_hash, t.apiKey);
    assert.ok(!JSON.stringify(rows).includes(t.apiKey));
  });

  test('one access line per request: its request id, method, redacted URL, status and time', async () => {
    const res = await api(t).get('/api/v3.1/connected_accounts/ca_missing?code=abc123secret&limit=1');
    assert.equal(res.status, 404);
    const line = t.logs
      .flatMap((l) => l.split('\n'))
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.msg === 'request completed' && l.reqId === res.headers['x-request-id']);
    assert.ok(line, 'the request has its line');
    assert.deepEqual(line.req, { method: 'GET', url: '/api/v3.1/connected_accounts/ca_missing?code=[redacted]&limit=1', remoteAddress: '127.0.0.1' });
    assert.deepEqual(line.res, { statusCode: 404 });
    assert.equal(typeof line.responseTime, 'number');
    assert.equal(line.level, 30);
  });

  test('logs never hold the API key', async () => {
    await api(t).get('/api/v3.1/toolkits?limit=1');
    const joined = t.logs.join('');
    assert.ok(joined.includes('"url":"/api/v3.1/toolkits?limit=1"'), 'requests are logged');
    assert.ok(!joined.includes(t.apiKey));
  });
});

forEachBackend('requests the HTTP parser refuses', (backend) => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp(backend, { listen: true });
  });
  after(() => t.close());

  const parse = (raw: string) => {
    const [head, body] = raw.split('\r\n\r\n');
    return { statusLine: head.split('\r\n')[0], head, body: JSON.parse(body) };
  };

  test('headers over the size limit -> 431 in the envelope, with a request id', async () => {
    const res = parse(
      await rawHttp(t.config.publicUrl, `GET /api/v3.1/toolkits HTTP/1.1\r\nHost: x\r\nx-api-key: ${t.apiKey}\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`),
    );
    assert.equal(res.statusLine, 'HTTP/1.1 431 Request Header Fields Too Large');
    assert.equal(res.body.error.status, 431);
    assert.equal(res.body.error.slug, 'Request_HeadersTooLarge');
    assert.match(res.head, new RegExp(`x-request-id: ${res.body.error.request_id}`));
    assert.ok(!JSON.stringify(res.body).includes(t.apiKey));
  });

  test('a request line that is not HTTP -> 400 in the envelope', async () => {
    const res = parse(await rawHttp(t.config.publicUrl, 'NOT HTTP AT ALL\r\n\r\n'));
    assert.equal(res.statusLine, 'HTTP/1.1 400 Bad Request');
    assert.equal(res.body.error.slug, 'Request_BadRequest');
    assert.match(res.body.error.request_id, /^req_/);
  });
});

forEachBackend('rate limit', (backend) => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp(backend, { env: { AUTHLINK_RATE_LIMIT_PER_MINUTE: '3' } });
  });
  after(() => t.close());

  test('the fourth request in a minute -> 429 envelope with retry-after', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await api(t).get('/api/v3.1/toolkits?limit=1')).status, 200);
    const res = await api(t).get('/api/v3.1/toolkits?limit=1');
    assert.equal(res.status, 429);
    assert.equal(res.body.error.slug, 'Request_RateLimited');
    assert.equal(res.body.error.message, 'Rate limit of 3 requests per minute exceeded for this API key');
    assert.ok(Number(res.headers['retry-after']) > 0);
    // Another key has its own budget.
    const other = await t.otherProject();
    assert.equal((await api(t, other.apiKey).get('/api/v3.1/toolkits?limit=1')).status, 200);
  });

  test('one budget per key across /api/v3.1 and /api/v3 (issue #20, finding 5: the alias doubled it)', async () => {
    const key = (await t.otherProject()).apiKey;
    const statuses = [];
    for (const prefix of ['/api/v3.1', '/api/v3', '/api/v3', '/api/v3.1']) statuses.push((await api(t, key).get(`${prefix}/toolkits?limit=1`)).status);
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    const alias = await api(t, key).get('/api/v3/toolkits?limit=1');
    assert.equal(alias.status, 429);
    assert.equal(alias.body.error.slug, 'Request_RateLimited');
  });
});
