// Issue #16: Prometheus metrics at GET /metrics, off unless asked for, behind a
// bearer token on the main port or on a loopback-only port; after a link flow
// they hold every series docs/operations.md describes, with bounded labels.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { forEachBackend } from '../helpers/backends.ts';
import { api, startTestApp } from '../helpers/test-app.ts';
import { connectOAuth, consentAndAuthorize, createCookieClient, createLink, expireToken, startOAuthWorld, type OAuthWorld } from '../helpers/link-flow.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { parseConfig } from '../../src/config.ts';
import { sweepOnce } from '../../src/services/sweeper.ts';
import { startMetricsServer } from '../../src/http/metrics.ts';
import { isPrometheus } from '../../src/metrics/index.ts';
import { startChild } from '../helpers/child.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const TOKEN = randomBytes(24).toString('hex');

/** The value of one sample line, e.g. value(text, 'authlink_links_opened_total{toolkit="x"}'). */
function value(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

forEachBackend('metrics', (backend) => {
  let w: OAuthWorld;
  let rx: Awaited<ReturnType<typeof startReceiver>>;
  let text: string;
  let ids: string[] = [];

  before(async () => {
    w = await startOAuthWorld(backend, {
      env: {
        AUTHLINK_METRICS_TOKEN: TOKEN,
        AUTHLINK_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1',
        AUTHLINK_PROXY_ALLOW_PRIVATE: '127.0.0.1',
      },
    });
    rx = await startReceiver();
    const ep = await api(w.t).post('/api/v3.1/webhook_subscriptions', { webhook_url: rx.url, enabled_events: ['*'] });
    assert.equal(ep.status, 201, JSON.stringify(ep.body));

    // The funnel: one link connected, one denied at the provider, one left to expire.
    const connected = await connectOAuth(w, 'metrics-user');
    const denied = await createLink(w.t, { auth_config_id: w.authConfigId, user_id: 'metrics-denier', callback_url: 'https://app.example.com/cb' });
    const client = createCookieClient();
    const back = await client.get(await consentAndAuthorize(client, w, denied.redirect_url, 'deny'));
    assert.equal(new URL(back.location!).searchParams.get('error'), 'access_denied');
    const abandoned = await createLink(w.t, { auth_config_id: w.authConfigId, user_id: 'metrics-abandoner' });
    await w.t.runtime.database.db
      .updateTable('link_sessions')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('connected_account_id', '=', abandoned.connected_account_id)
      .execute();
    await sweepOnce(w.t.app.services);
    // A refresh, and a proxy call to a provider that is not there (the echo toolkit points at port 9).
    await expireToken(w, connected);
    assert.equal((await api(w.t).post(`/api/v3.1/connected_accounts/${connected}/refresh`, {})).status, 200);
    const keyAccount = await api(w.t).post('/api/v3.1/connected_accounts', {
      auth_config: { id: w.apiKeyAuthConfigId },
      connection: { user_id: 'metrics-key-user', state: { authScheme: 'API_KEY', val: { api_key: 'k-0123456789abcdef' } } },
    });
    assert.equal(keyAccount.status, 201, JSON.stringify(keyAccount.body));
    const proxied = await api(w.t).post('/api/v3.1/tools/execute/proxy', { connected_account_id: keyAccount.body.id, endpoint: '/x', method: 'GET' });
    assert.ok(proxied.status >= 400, 'nothing listens on port 9');
    while ((await w.t.app.services.webhookWorker.runOnce()) > 0);
    assert.ok(rx.received.length > 0, 'webhooks were delivered');
    ids = [connected, denied.connected_account_id, abandoned.connected_account_id, keyAccount.body.id, w.t.projectId, w.authConfigId];

    const res = await fetch(`${w.t.config.publicUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    text = await res.text();
  });
  after(async () => {
    await w.close();
    await rx.close();
  });

  test('a wrong, missing or malformed token is a bare 401 that reveals nothing', async () => {
    for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, TOKEN, 'Basic Zm9vOmJhcg==', '']) {
      const res = await fetch(`${w.t.config.publicUrl}/metrics`, { headers: authorization ? { authorization } : {} });
      assert.equal(res.status, 401, authorization);
      assert.equal(await res.text(), 'Unauthorized\n');
      assert.equal(res.headers.get('www-authenticate'), 'Bearer');
    }
  });

  test('HTTP durations by route template and status class, never the raw URL or an id', () => {
    assert.ok(
      (value(text, 'authlink_http_request_duration_seconds_count{method="POST",route="/api/v3.1/connected_accounts/link",status_class="2xx"}') ?? 0) >= 3,
    );
    assert.ok(
      (value(text, 'authlink_http_request_duration_seconds_count{method="POST",route="/api/v3.1/connected_accounts/:nanoid/refresh",status_class="2xx"}') ??
        0) >= 1,
    );
    assert.match(text, /route="\/link\/:token"/);
    for (const id of ids) assert.ok(!text.includes(id), `${id} appears in the metrics`);
    assert.ok(!text.includes('metrics-user'), 'no user id');
  });

  test('the link funnel by toolkit: created, opened, completed by outcome, expired', () => {
    assert.equal(value(text, 'authlink_links_created_total{toolkit="localoidc"}'), 3);
    assert.equal(value(text, 'authlink_links_opened_total{toolkit="localoidc"}'), 2);
    assert.equal(value(text, 'authlink_links_completed_total{toolkit="localoidc",outcome="success"}'), 1);
    assert.equal(value(text, 'authlink_links_completed_total{toolkit="localoidc",outcome="denied"}'), 1);
    assert.equal(value(text, 'authlink_links_expired_total{toolkit="localoidc"}'), 1);
  });

  test('refreshes by outcome, proxy upstream latency by toolkit and status class, webhook deliveries and their lag', () => {
    // The sweep refreshed the 60-second token ahead of use, then the explicit refresh did.
    assert.equal(value(text, 'authlink_token_refreshes_total{toolkit="localoidc",outcome="success"}'), 2);
    assert.equal(value(text, 'authlink_proxy_upstream_duration_seconds_count{toolkit="echoapi",status_class="error"}'), 1);
    assert.ok((value(text, 'authlink_webhook_deliveries_total{outcome="succeeded"}') ?? 0) >= 3);
    assert.ok((value(text, 'authlink_webhook_delivery_lag_seconds_count') ?? 0) >= 3);
  });

  test('store query time by statement, pool waits on PostgreSQL, process metrics', () => {
    assert.ok((value(text, 'authlink_store_query_duration_seconds_count{statement="select"}') ?? 0) > 10);
    assert.ok((value(text, 'authlink_store_query_duration_seconds_count{statement="update"}') ?? 0) > 0);
    if (backend === 'postgres') {
      assert.ok((value(text, 'authlink_store_pool_acquire_duration_seconds_count') ?? 0) > 10);
      assert.ok((value(text, 'authlink_store_pool_connections') ?? 0) >= 1);
      assert.notEqual(value(text, 'authlink_store_pool_waiting_clients'), undefined);
    }
    assert.ok((value(text, 'process_cpu_user_seconds_total') ?? 0) > 0);
    assert.match(text, /^nodejs_heap_size_used_bytes \d+/m);
    assert.match(text, /^# TYPE authlink_cache_invalidation_listener_up gauge/m);
  });

  test('the loopback-only metrics port needs no token and serves nothing else', async () => {
    assert.ok(isPrometheus(w.t.app.metrics));
    const server = await startMetricsServer(w.t.app.metrics, 0);
    try {
      assert.equal((server.server.address() as { address: string }).address, '127.0.0.1');
      const res = await fetch(server.url);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /authlink_links_created_total\{toolkit="localoidc"\} 3/);
      assert.equal((await fetch(server.url.replace('/metrics', '/health'))).status, 404);
    } finally {
      await server.close();
    }
  });
});

test('metrics are off by default: no /metrics route (404), and prom-client is not involved', async () => {
  const t = await startTestApp('sqlite', { listen: true });
  try {
    assert.equal(t.app.metrics.enabled, false);
    const res = await fetch(`${t.config.publicUrl}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 404);
    assert.ok(!(await res.text()).includes('authlink_'));
  } finally {
    await t.close();
  }
});

test('metrics settings: a weak token or the main port refused; the port alone turns them on without a route on the main port', async () => {
  assert.throws(() => parseConfig({ AUTHLINK_METRICS_TOKEN: 'short' }), /AUTHLINK_METRICS_TOKEN must be at least 16 characters/);
  assert.throws(() => parseConfig({ PORT: '4000', AUTHLINK_METRICS_PORT: '4000' }), /AUTHLINK_METRICS_PORT must differ from PORT/);
  const t = await startTestApp('sqlite', { env: { AUTHLINK_METRICS_PORT: '0' } });
  try {
    assert.equal(t.app.metrics.enabled, true);
    assert.equal((await t.app.inject({ method: 'GET', url: '/metrics' })).statusCode, 404);
  } finally {
    await t.close();
  }
});

test('`authlink serve` (the built bundle): the token-protected route and the loopback port, with store timing from the first queries', async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authlink-metrics-'));
  const child = await startChild({ AUTHLINK_DATA_DIR: dataDir, DATABASE_URL: '', AUTHLINK_METRICS_TOKEN: TOKEN, AUTHLINK_METRICS_PORT: '0' });
  try {
    const line = JSON.parse(/^\{.*"listening".*\}$/m.exec(child.output())![0]) as { metrics: string; api_key: string };
    assert.match(line.metrics, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    assert.equal((await fetch(`${child.url}/api/v3.1/toolkits?limit=1`, { headers: { 'x-api-key': line.api_key } })).status, 200);
    assert.equal((await fetch(`${child.url}/metrics`)).status, 401);
    const viaToken = await (await fetch(`${child.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    const viaPort = await (await fetch(line.metrics)).text();
    for (const text of [viaToken, viaPort]) {
      assert.match(text, /^authlink_http_request_duration_seconds_count\{method="GET",route="\/api\/v3\.1\/toolkits",status_class="2xx"\} 1$/m);
      assert.match(text, /^authlink_store_query_duration_seconds_count\{statement="(select|insert)"\} [1-9]/m);
      assert.match(text, /^process_resident_memory_bytes \d+/m);
    }
    assert.equal(await child.stop(), 0);
  } finally {
    await child.stop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
