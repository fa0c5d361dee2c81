// The proxy's settings (AUTHLINK_PROXY_*) and that they reach the proxy the
// sessions use: by default a private upstream (127.0.0.1) is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from '../../src/config.ts';
import { api, startTestApp } from '../helpers/test-app.ts';
import { apiKeyToolkit, writeToolkitsDir } from '../helpers/toolkits.ts';
import { startEchoUpstream } from './helpers.ts';

test('AUTHLINK_PROXY_*: defaults, values, and every bad value reported', () => {
  const d = parseConfig({});
  assert.deepEqual([d.proxyTimeoutMs, d.proxyMaxResponseBytes, d.proxyAllowPrivate], [30_000, 10 * 1024 * 1024, false]);
  assert.equal(parseConfig({ AUTHLINK_PROXY_ALLOW_PRIVATE: '1' }).proxyAllowPrivate, true);
  assert.equal(parseConfig({ AUTHLINK_PROXY_ALLOW_PRIVATE: '0' }).proxyAllowPrivate, false);
  assert.deepEqual(parseConfig({ AUTHLINK_PROXY_ALLOW_PRIVATE: ' 127.0.0.1, 10.0.0.0/8 ,jira.internal,' }).proxyAllowPrivate, [
    '127.0.0.1',
    '10.0.0.0/8',
    'jira.internal',
  ]);
  const c = parseConfig({ AUTHLINK_PROXY_TIMEOUT_MS: '5000', AUTHLINK_PROXY_MAX_RESPONSE_BYTES: '2048' });
  assert.deepEqual([c.proxyTimeoutMs, c.proxyMaxResponseBytes], [5000, 2048]);
  try {
    parseConfig({ AUTHLINK_PROXY_TIMEOUT_MS: 'soon', AUTHLINK_PROXY_MAX_RESPONSE_BYTES: '10', AUTHLINK_PROXY_ALLOW_PRIVATE: '10.0.0.0/33,fd00::/8' });
    assert.fail('expected ConfigError');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.deepEqual(e.problems, [
      'AUTHLINK_PROXY_TIMEOUT_MS="soon" is not an integer between 100 and 600000; unset it to use 30000',
      'AUTHLINK_PROXY_MAX_RESPONSE_BYTES="10" is not an integer between 1024 and 1073741824; unset it to use 10485760',
      'AUTHLINK_PROXY_ALLOW_PRIVATE: "10.0.0.0/33" is not a valid CIDR range (e.g. 10.0.0.0/8 or fd00::/8)',
    ]);
  }
});

test('without AUTHLINK_PROXY_ALLOW_PRIVATE a session cannot reach a 127.0.0.1 upstream', async () => {
  const upstream = await startEchoUpstream();
  const t = await startTestApp('sqlite', { env: { AUTHLINK_TOOLKITS_DIR: writeToolkitsDir([apiKeyToolkit(upstream.url)]) } });
  try {
    const ac = await api(t).post('/api/v3.1/auth_configs', { toolkit: { slug: 'echoapi' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' } });
    await api(t).post('/api/v3.1/connected_accounts', {
      auth_config: { id: ac.body.auth_config.id },
      connection: { user_id: 'u', state: { authScheme: 'API_KEY', val: { api_key: 'k-private' } } },
    });
    const s = await api(t).post('/api/v3.1/tool_router/session', { user_id: 'u' });
    const res = await api(t).post(`/api/v3.1/tool_router/session/${s.body.session_id}/proxy_execute`, {
      toolkit_slug: 'echoapi',
      endpoint: '/x',
      method: 'GET',
    });
    assert.ok(res.status >= 400 && res.status < 500, JSON.stringify(res.body));
    assert.match(res.body.error.message, /^Refusing to connect to 127\.0\.0\.1:\d+/);
    assert.deepEqual(upstream.keys, []);
  } finally {
    await t.close();
    await upstream.close();
  }
});
