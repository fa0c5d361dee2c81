// Issue #6: the official @composio/client creates a tool-router session and
// runs proxy_execute against authlink (only baseURL and apiKey set).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Composio from '@composio/client';
import { forEachBackend } from '../helpers/backends.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { apiKeyToolkit, writeToolkitsDir } from '../helpers/toolkits.ts';
import { startEchoUpstream, type EchoUpstream } from '../sessions/helpers.ts';

forEachBackend('@composio/client tool router', (backend) => {
  let t: TestApp;
  let upstream: EchoUpstream;
  let sdk: Composio;
  before(async () => {
    upstream = await startEchoUpstream();
    t = await startTestApp(backend, {
      listen: true,
      env: { AUTHLINK_TOOLKITS_DIR: writeToolkitsDir([apiKeyToolkit(upstream.url)]), AUTHLINK_PROXY_ALLOW_PRIVATE: '127.0.0.1' },
    });
    sdk = new Composio({ apiKey: t.apiKey, baseURL: t.config.publicUrl });
  });
  after(async () => {
    await t.close();
    await upstream.close();
  });

  test("session create, retrieve, toolkits and proxy_execute through the SDK use the user's own account", async () => {
    const ac = await sdk.authConfigs.create({ toolkit: { slug: 'echoapi' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' } });
    const state = { authScheme: 'API_KEY', val: { status: 'ACTIVE', api_key: 'alice-key-123' } } as unknown as NonNullable<
      Parameters<typeof sdk.connectedAccounts.create>[0]['connection']['state']
    >;
    const account = await sdk.connectedAccounts.create({ auth_config: { id: ac.auth_config.id }, connection: { user_id: 'alice', state } });
    assert.match(account.id, /^ca_/);

    const session = await sdk.toolRouter.session.create({ user_id: 'alice', toolkits: { enable: ['echoapi'] } });
    assert.match(session.session_id, /^trs_/);
    assert.equal(session.mcp.type, 'http');
    const got = await sdk.toolRouter.session.retrieve(session.session_id);
    assert.equal(got.session_id, session.session_id);

    const toolkits = await sdk.toolRouter.session.toolkits(session.session_id);
    const echo = toolkits.items.find((i) => i.slug === 'echoapi');
    assert.equal(echo?.connected_account?.id, account.id);

    const res = await sdk.toolRouter.session.proxyExecute(session.session_id, { toolkit_slug: 'echoapi', endpoint: '/whoami', method: 'GET' });
    assert.equal(res.status, 200);
    assert.deepEqual(res.data, { api_key: 'alice-key-123', method: 'GET', path: '/whoami', body: null });
    assert.deepEqual(upstream.keys, ['alice-key-123']);

    // The plain proxy route, also through the SDK.
    const direct = await sdk.tools.proxy({ endpoint: '/direct', method: 'POST', body: { a: 1 }, connected_account_id: account.id });
    assert.equal(direct.status, 200);
    assert.deepEqual((direct.data as { path: string; body: string }).path, '/direct');
    assert.equal(JSON.parse((direct.data as { body: string }).body).a, 1);
  });

  test('@composio/core session.update with expectedConfigVersion: a stale version is ComposioSessionConfigConflictError, the current one applies', async () => {
    const { Composio: Core, ComposioSessionConfigConflictError } = await import('@composio/core');
    const core = new Core({ apiKey: t.apiKey, baseURL: t.config.publicUrl, allowTracking: false, disableVersionCheck: true });
    const session = await core.toolRouter.create('version-user', { toolkits: ['echoapi'] });
    assert.equal(session.configVersion, 1);
    await session.update({ toolkits: ['echoapi'], expectedConfigVersion: 1 });
    assert.equal(session.configVersion, 2, 'applied at the current version');
    await assert.rejects(session.update({ toolkits: ['echoapi'], expectedConfigVersion: 1 }), ComposioSessionConfigConflictError);
    const raw = await sdk.toolRouter.session.retrieve(session.sessionId);
    assert.equal(raw.config_version, 2, 'the stale update changed nothing');
  });
});
