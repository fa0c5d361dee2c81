// POST /api/v3.1/tools/execute/proxy on a bare Fastify app: the route, its
// schema and the error envelope, with a stub principal (the API-key hook is
// the app's business) and the real proxy against a local upstream.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { installErrorHandling } from '../../src/http/error-handler.ts';
import { validatorCompiler } from '../../src/http/validation.ts';
import { createProxy, type Proxy } from '../../src/proxy/execute.ts';
import { registerProxyRoute } from '../../src/api/proxy.ts';
import type { ApiApp } from '../../src/api/types.ts';
import { account, fakeSource, memoryDownloads, PNG, startUpstream, toolkit, type Upstream } from './helpers.ts';

let up: Upstream;
let proxy: Proxy;
let app: ReturnType<typeof build>;

function build() {
  const a = Fastify({ logger: false }).withTypeProvider<TypeBoxTypeProvider>();
  a.setValidatorCompiler(validatorCompiler());
  installErrorHandling(a);
  a.addHook('onRequest', async (req) => {
    req.principal = { projectId: 'pr_route', apiKeyId: 'ak_1' };
  });
  a.register(async (api) => registerProxyRoute(api as unknown as ApiApp, proxy, { hide: false }), { prefix: '/api/v3.1' });
  return a;
}

before(async () => {
  up = await startUpstream();
  const kit = toolkit('echo', `${up.origin}/v2`, 'API_KEY', [{ in: 'header', name: 'Authorization', value: 'Token {{api_key}}' }]);
  const source = fakeSource([account('ca_1', kit, { api_key: 'k_SECRET' }, {}, 'pr_route')]);
  proxy = createProxy({
    credentials: source,
    downloads: memoryDownloads(),
    options: { timeoutMs: 2_000, maxResponseBytes: 1024 * 1024, allowPrivateNetworks: ['127.0.0.1'] },
  });
  app = build();
  await app.ready();
});
after(async () => {
  await app.close();
  await proxy.close();
  await up.close();
});

const post = (payload: unknown) => app.inject({ method: 'POST', url: '/api/v3.1/tools/execute/proxy', payload: payload as object });

test('200: {status, data, headers} of the upstream, credentials applied', async () => {
  const res = await post({
    connected_account_id: 'ca_1',
    endpoint: '/issues?state=open',
    method: 'POST',
    body: { title: 't' },
    parameters: [
      { name: 'X-Request-Tag', type: 'header', value: 'abc' },
      { name: 'page', type: 'query', value: '2' },
    ],
  });
  assert.equal(res.statusCode, 200);
  const json = res.json();
  assert.deepEqual(Object.keys(json).sort(), ['data', 'headers', 'status']);
  assert.equal(json.status, 200);
  assert.equal(json.data.path, '/v2/issues');
  assert.equal(json.data.query, '?state=open&page=2');
  assert.equal(json.data.headers.authorization, 'Token k_SECRET');
  assert.equal(json.data.headers['x-request-tag'], 'abc');
  assert.equal(json.data.body, '{"title":"t"}');
  assert.equal(json.headers['x-upstream'], 'yes');
});

test('binary responses: no data, binary_data with a download URL (Composio’s shape)', async () => {
  const res = await post({ connected_account_id: 'ca_1', endpoint: '/binary', method: 'GET' });
  assert.equal(res.statusCode, 200);
  const json = res.json();
  assert.equal(json.data, null);
  assert.deepEqual(Object.keys(json.binary_data).sort(), ['content_type', 'expires_at', 'size', 'url']);
  assert.equal(json.binary_data.size, PNG.length);
  assert.equal(json.binary_data.content_type, 'image/png');
});

test('upstream error statuses are data, not errors: 200 envelope with status 404', async () => {
  const res = await post({ connected_account_id: 'ca_1', endpoint: '/status/404', method: 'GET' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().status, 404);
});

test('schema: bad method / missing fields → 400 ValidationFailed', async () => {
  const bad = await post({ connected_account_id: 'ca_1', endpoint: '/x', method: 'TRACE' });
  assert.equal(bad.statusCode, 400);
  assert.equal(bad.json().error.slug, 'Request_ValidationFailed');
  assert.match(bad.json().error.message, /method: must be one of GET, POST, PUT, PATCH, DELETE, HEAD/);
  const missing = await post({ method: 'GET' });
  assert.equal(missing.statusCode, 400);
  assert.deepEqual(missing.json().error.errors.sort(), ['connected_account_id: is required', 'endpoint: is required']);
  const param = await post({ connected_account_id: 'ca_1', endpoint: '/x', method: 'GET', parameters: [{ name: 'a', type: 'cookie', value: 'b' }] });
  assert.equal(param.statusCode, 400);
});

test('proxy refusals use the error envelope, with errors[] and no secret', async () => {
  const res = await post({
    connected_account_id: 'ca_1',
    endpoint: '/x',
    method: 'GET',
    parameters: [{ name: 'authorization', type: 'header', value: 'mine' }],
  });
  assert.equal(res.statusCode, 400);
  const { error } = res.json();
  assert.equal(error.message, 'These parameters cannot be set through the proxy: authorization');
  assert.deepEqual(error.errors, ["parameters[0].name: authorization is set from the connected account's credentials"]);
  assert.ok(error.request_id);
  assert.ok(!res.body.includes('k_SECRET'));

  const off = await post({ connected_account_id: 'ca_1', endpoint: 'https://evil.example/steal', method: 'GET' });
  assert.equal(off.statusCode, 400);
  assert.match(off.json().error.message, /endpoint must be on http:\/\/127\.0\.0\.1:\d+/);

  const unknown = await post({ connected_account_id: 'ca_missing', endpoint: '/x', method: 'GET' });
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.json().error.slug, 'ConnectedAccount_NotFound');
});

test('a provider answering JSON nested too deeply to relay as data: 200 with the body as text, not a 500 (issue #20, finding 6)', async () => {
  const res = await post({ connected_account_id: 'ca_1', endpoint: '/deep', method: 'GET' });
  assert.equal(res.statusCode, 200, res.body.slice(0, 200));
  const json = res.json();
  assert.equal(json.status, 200);
  assert.equal(typeof json.data, 'string');
  assert.ok(json.data.startsWith('{"a":[[[['));
});
