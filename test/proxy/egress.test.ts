// Issue #15: an auth config's proxy_config sends its accounts' calls through
// an HTTP(S) proxy (CONNECT, Proxy-Authorization: Bearer <key>), with the SSRF
// guard still on the final target and on the proxy's own address. A real
// forward proxy on 127.0.0.1 records every tunnel it is asked for.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { forEachBackend } from '../helpers/backends.ts';
import { api, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { apiKeyToolkit, writeToolkitsDir } from '../helpers/toolkits.ts';
import { account, fakeSource, memoryDownloads, rejection, startUpstream, toolkit, type Upstream } from './helpers.ts';
import { createProxy } from '../../src/proxy/execute.ts';
import { ProxyError } from '../../src/proxy/errors.ts';

const KEY = 'pk-egress-0123456789';

interface ForwardProxy {
  origin: string;
  tunnels: Array<{ target: string; auth: string | undefined }>;
  close(): Promise<void>;
}

async function startForwardProxy(): Promise<ForwardProxy> {
  const tunnels: ForwardProxy['tunnels'] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((_req, res) => {
    res.writeHead(405).end();
  });
  server.on('connect', (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    sockets.add(client);
    const auth = req.headers['proxy-authorization'];
    tunnels.push({ target: req.url ?? '', auth });
    if (auth !== `Bearer ${KEY}`) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\n\r\n');
      return;
    }
    const [host, port] = (req.url ?? '').split(':');
    const upstream = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

forEachBackend('egress through an auth config’s proxy_config', (backend) => {
  let t: TestApp;
  let up: Upstream;
  let fp: ForwardProxy;
  before(async () => {
    up = await startUpstream();
    fp = await startForwardProxy();
    const privateKit = { ...apiKeyToolkit('http://10.1.2.3/v1'), slug: 'privateapi', name: 'Private API' };
    t = await startTestApp(backend, {
      env: { AUTHLINK_TOOLKITS_DIR: writeToolkitsDir([apiKeyToolkit(`${up.origin}/v2`), privateKit]), AUTHLINK_PROXY_ALLOW_PRIVATE: '127.0.0.1' },
    });
  });
  after(async () => {
    await t.close();
    await fp.close();
    await up.close();
  });

  async function configAndAccount(toolkit: string, proxy: Record<string, unknown> | undefined) {
    const ac = await api(t).post('/api/v3.1/auth_configs', {
      toolkit: { slug: toolkit },
      auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY', ...(proxy ? { proxy_config: proxy } : {}) },
    });
    assert.equal(ac.status, 201, JSON.stringify(ac.body));
    const acct = await api(t).post('/api/v3.1/connected_accounts', {
      auth_config: { id: ac.body.auth_config.id },
      connection: { user_id: 'egress-user', state: { authScheme: 'API_KEY', val: { api_key: `key-${toolkit}-0123456789` } } },
    });
    assert.equal(acct.status, 201, JSON.stringify(acct.body));
    return { acId: ac.body.auth_config.id as string, accountId: acct.body.id as string };
  }
  const call = (accountId: string) => api(t).post('/api/v3.1/tools/execute/proxy', { connected_account_id: accountId, endpoint: '/echo', method: 'GET' });

  test('calls tunnel through the proxy with its key; the config shows the key masked; null removes the proxy', async () => {
    const { acId, accountId } = await configAndAccount('echoapi', { proxy_url: fp.origin, proxy_auth_key: KEY });
    const shown = await api(t).get(`/api/v3.1/auth_configs/${acId}`);
    assert.deepEqual(shown.body.proxy_config, { proxy_url: fp.origin, proxy_auth_key: '********6789' });
    assert.ok(!shown.text.includes(KEY));
    const tunnels = fp.tunnels.length;
    const seen = up.requests.length;
    const res = await call(accountId);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(up.requests.length, seen + 1, 'the provider was reached');
    assert.equal(up.requests.at(-1)?.headers['x-api-key'], 'key-echoapi-0123456789', "with the account's credential");
    assert.deepEqual(fp.tunnels.slice(tunnels), [{ target: `127.0.0.1:${up.port}`, auth: `Bearer ${KEY}` }], 'through the proxy, with its key');
    const raw = await t.runtime.database.db
      .selectFrom('auth_configs')
      .select(['proxy_url', 'proxy_auth_key_enc'])
      .where('id', '=', acId)
      .executeTakeFirstOrThrow();
    assert.ok(raw.proxy_auth_key_enc?.startsWith('v1:') && !raw.proxy_auth_key_enc.includes(KEY), 'the key is encrypted at rest');

    assert.equal((await api(t).patch(`/api/v3.1/auth_configs/${acId}`, { type: 'custom', proxy_config: null })).status, 200);
    assert.equal((await api(t).get(`/api/v3.1/auth_configs/${acId}`)).body.proxy_config, null);
    const direct = await call(accountId);
    assert.equal(direct.status, 200);
    assert.equal(fp.tunnels.length, tunnels + 1, 'no tunnel any more: the call went direct');
  });

  test('a wrong proxy key: the call fails (502), nothing reaches the provider', async () => {
    const { accountId } = await configAndAccount('echoapi', { proxy_url: fp.origin, proxy_auth_key: 'pk-wrong-000000000' });
    const seen = up.requests.length;
    const res = await call(accountId);
    assert.equal(res.status, 502, JSON.stringify(res.body));
    assert.equal(up.requests.length, seen);
  });

  test('the SSRF guard still checks the final target: a private provider address is refused before any tunnel is asked for', async () => {
    const { accountId } = await configAndAccount('privateapi', { proxy_url: fp.origin, proxy_auth_key: KEY });
    const tunnels = fp.tunnels.length;
    const res = await call(accountId);
    assert.equal(res.status, 403, JSON.stringify(res.body));
    assert.equal(res.body.error.slug, 'ToolProxy_TargetAddressForbidden');
    assert.equal(fp.tunnels.length, tunnels, 'the proxy was never asked');
  });

  test('proxy_url is checked: http(s), no user info, no path, and not a private address the operator did not allow; a refusal changes nothing', async () => {
    const cases: Array<[unknown, string]> = [
      [{ proxy_url: 'http://10.0.0.5:3128' }, 'auth_config.proxy_config.proxy_url: Refusing to connect to 10.0.0.5:3128: it is a private address'],
      [{ proxy_url: 'https://user:pw@proxy.example.com' }, 'auth_config.proxy_config.proxy_url: put the credential in proxy_auth_key, not in the URL'],
      [{ proxy_url: 'ftp://proxy.example.com' }, 'auth_config.proxy_config.proxy_url: must be http:// or https://'],
      [{ proxy_url: 'https://proxy.example.com/path' }, 'auth_config.proxy_config.proxy_url: a proxy URL has no path, query or fragment'],
      [{ proxy_url: 'not a url' }, 'auth_config.proxy_config.proxy_url: not an absolute URL'],
      [
        { proxy_url: 'https://proxy.example.com', proxy_auth_key: 'two\nlines' },
        'auth_config.proxy_config.proxy_auth_key: must be printable ASCII without surrounding spaces',
      ],
    ];
    const before = (await api(t).get('/api/v3.1/auth_configs?show_disabled=true&limit=1000')).body.total_items;
    for (const [proxy, error] of cases) {
      const res = await api(t).post('/api/v3.1/auth_configs', {
        toolkit: { slug: 'echoapi' },
        auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY', proxy_config: proxy },
      });
      assert.equal(res.status, 400, JSON.stringify(proxy));
      assert.ok(res.body.error.errors.includes(error), `${JSON.stringify(proxy)}: ${JSON.stringify(res.body.error.errors)}`);
    }
    assert.equal((await api(t).get('/api/v3.1/auth_configs?show_disabled=true&limit=1000')).body.total_items, before);
  });
});

test('a provider host that resolves to a private address is refused before the proxy is asked for a tunnel (the proxy would resolve it itself)', async () => {
  const fp = await startForwardProxy();
  const resolve = async (hostname: string) => {
    if (hostname === 'internal.corp.example') return [{ address: '10.9.9.9', family: 4 }];
    throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  };
  const base = account('ca_int', toolkit('int', 'http://internal.corp.example/api', 'API_KEY', [{ in: 'header', name: 'X-Key', value: '{{api_key}}' }]), {
    api_key: 'k',
  });
  const viaProxy = { ...base, resolved: { ...base.resolved, proxy: { url: fp.origin, authKey: KEY } } };
  const proxy = createProxy({
    credentials: fakeSource([viaProxy]),
    downloads: memoryDownloads(),
    options: { timeoutMs: 2_000, maxResponseBytes: 64 * 1024, allowPrivateNetworks: ['127.0.0.1'] },
    pool: { resolve },
  });
  try {
    const err = await rejection(() => proxy.execute('pr_test', { connectedAccountId: 'ca_int', endpoint: '/x', method: 'GET' }));
    // As for a direct call: a name that resolves only to refused addresses is "could not reach" (no network oracle), the reason in the cause.
    assert.ok(err instanceof ProxyError, String(err));
    assert.equal(err.message, 'Could not reach the provider (internal.corp.example)');
    assert.match(String((err as Error & { cause?: Error }).cause?.message), /resolves only to a private address/);
    assert.equal(fp.tunnels.length, 0, 'no tunnel was asked for');
  } finally {
    await proxy.close();
    await fp.close();
  }
});
