// A project key's console session sees its own project only (issue #19):
// every console URL naming another project's project, account or key answers
// 404, shows none of its data and changes nothing; the operator sees both.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.ts';
import { api } from '../helpers/test-app.ts';
import { consoleClient, startConsoleWorld, type ConsoleClient, type ConsoleWorld } from './helpers.ts';

const OPERATOR = 'op-token-0123456789abcdef0123456789';

forEachBackend('console: project isolation', (backend) => {
  let w: ConsoleWorld;
  let mine: { accountId: string };
  let theirs: {
    projectId: string;
    apiKey: string;
    keyId: string;
    accountId: string;
    auditId: string;
    acId: string;
    subId: string;
    deliveryId: string;
  };
  let c: ConsoleClient;

  before(async () => {
    w = await startConsoleWorld(backend, { env: { AUTHLINK_CONSOLE_TOKEN: OPERATOR } });
    const other = await w.t.otherProject();
    const otherAc = await w.authConfig(other.apiKey);
    // Their webhook subscription (never delivered: the worker does not run here), so their account gets a delivery.
    const sub = await api(w.t, other.apiKey).post('/api/v3.1/webhook_subscriptions', {
      webhook_url: 'https://hooks.example.com/theirs',
      enabled_events: ['*'],
    });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
    const accountId = await w.account('their-user', 'their-secret-value-1234567890', { apiKey: other.apiKey, acId: otherAc });
    mine = { accountId: await w.account('my-user', 'my-secret-value-1234567890') };
    // An audit entry in the other project (the operator disables their account through the console).
    const op = consoleClient(w.t);
    await op.signIn(OPERATOR);
    const csrf = await op.csrf();
    assert.equal((await op.post(`/console/projects/${other.projectId}/accounts/${accountId}/disable`, { csrf })).status, 303);
    const audit = await w.t.runtime.store.audit.list(other.projectId);
    assert.equal(audit.length, 1);
    const keys = await w.t.runtime.store.apiKeys.listByProject(other.projectId);
    const deliveries = await w.t.runtime.store.webhooks.listDeliveries(other.projectId, sub.body.id, undefined, 10);
    assert.ok(deliveries.items.length > 0);
    theirs = { ...other, keyId: keys[0].id, accountId, auditId: audit[0].id, acId: otherAc, subId: sub.body.id, deliveryId: deliveries.items[0].id };
    c = consoleClient(w.t);
    await c.signIn(w.t.apiKey);
  });
  after(() => w?.close());

  function assertNoTheirData(text: string, url: string) {
    for (const v of [
      theirs.projectId,
      theirs.accountId,
      theirs.keyId,
      theirs.auditId,
      theirs.acId,
      theirs.subId,
      theirs.deliveryId,
      'hooks.example.com',
      'their-user',
      'Other Project',
      '7890',
    ])
      assert.ok(!text.includes(v), `${url} shows ${v}`);
  }

  test('every GET naming the other project, its account or its key: 404 with none of its data', async () => {
    const p = theirs.projectId;
    const urls = [
      `/console/projects/${p}`,
      `/console/projects/${p}/accounts`,
      `/console/projects/${p}/accounts?user_id=their-user`,
      `/console/projects/${p}/accounts/${theirs.accountId}`,
      `/console/projects/${p}/keys`,
      `/console/projects/${p}/audit`,
      `/console/projects/${p}/auth-configs`,
      `/console/projects/${p}/auth-configs/new?toolkit=echoapi`,
      `/console/projects/${p}/auth-configs/${theirs.acId}`,
      `/console/projects/${p}/toolkits`,
      `/console/projects/${p}/toolkits/echoapi`,
      `/console/projects/${p}/webhooks`,
      `/console/projects/${p}/webhooks/${theirs.subId}`,
      `/console/projects/${p}/webhooks/${theirs.subId}/deliveries/${theirs.deliveryId}`,
      // Their account, key, auth config, subscription or delivery through my project's URLs:
      `/console/projects/${w.t.projectId}/auth-configs/${theirs.acId}`,
      `/console/projects/${w.t.projectId}/webhooks/${theirs.subId}`,
      `/console/projects/${w.t.projectId}/webhooks/${theirs.subId}/deliveries/${theirs.deliveryId}`,
      `/console/projects/${w.t.projectId}/accounts/${theirs.accountId}`,
      `/console/projects/${w.t.projectId}/keys/${theirs.keyId}`,
      `/console/projects/prj_doesnotexist/accounts`,
    ];
    for (const url of urls) {
      const res = await c.get(url);
      assert.equal(res.status, 404, url);
      assert.match(res.text, /<h1>Not found<\/h1>/, url);
      assertNoTheirData(res.text, url);
    }
  });

  test('my own pages list none of their data (filters and audit included)', async () => {
    const base = `/console/projects/${w.t.projectId}`;
    for (const url of [
      base,
      `${base}/accounts`,
      `${base}/accounts?user_id=their-user`,
      `${base}/keys`,
      `${base}/audit`,
      `${base}/auth-configs`,
      `${base}/webhooks`,
      '/console/projects',
    ]) {
      const res = await c.get(url);
      assert.ok(res.status === 200 || res.status === 303, url);
      // (The filter form shows back what was typed into it.)
      assertNoTheirData(res.text.replace('value="their-user"', ''), url);
    }
    const filtered = await c.get(`${base}/accounts?user_id=their-user`);
    assert.match(filtered.text, /No connected account matches these filters/);
  });

  test('every form post aimed at their data: 404 and nothing changes', async () => {
    const csrf = await c.csrf();
    const before = {
      account: await w.t.runtime.store.accounts.get(theirs.projectId, theirs.accountId),
      keys: await w.t.runtime.store.apiKeys.listByProject(theirs.projectId),
      audit: await w.t.runtime.store.audit.list(theirs.projectId),
      authConfigs: await w.t.runtime.store.authConfigs.list({ projectId: theirs.projectId, showDisabled: true, limit: 100 }),
      subs: await w.t.runtime.store.webhooks.listEndpoints(theirs.projectId),
      delivery: await w.t.runtime.store.webhooks.getDelivery(theirs.projectId, theirs.subId, theirs.deliveryId),
    };
    const p = theirs.projectId;
    const mineP = w.t.projectId;
    const posts: Array<[string, Record<string, string>]> = [
      [`/console/projects/${p}/accounts/${theirs.accountId}/enable`, { csrf }],
      [`/console/projects/${p}/accounts/${theirs.accountId}/delete`, { csrf, confirm: 'yes' }],
      [`/console/projects/${p}/keys`, { csrf, name: 'sneaky' }],
      [`/console/projects/${p}/keys/${theirs.keyId}/revoke`, { csrf }],
      [`/console/projects/${mineP}/accounts/${theirs.accountId}/enable`, { csrf }],
      [`/console/projects/${mineP}/accounts/${theirs.accountId}/delete`, { csrf, confirm: 'yes' }],
      [`/console/projects/${mineP}/keys/${theirs.keyId}/revoke`, { csrf }],
      [`/console/projects/${p}/auth-configs`, { csrf, toolkit: 'echoapi', scheme: 'API_KEY', type: 'custom' }],
      ...['disable', 'enable', 'delete', 'scopes'].flatMap(
        (a): Array<[string, Record<string, string>]> => [
          [`/console/projects/${p}/auth-configs/${theirs.acId}/${a}`, { csrf, confirm: 'yes', scopes: 'x' }],
          [`/console/projects/${mineP}/auth-configs/${theirs.acId}/${a}`, { csrf, confirm: 'yes', scopes: 'x' }],
        ],
      ),
      [`/console/projects/${p}/webhooks`, { csrf, url: 'https://evil.example.com/', events: '*' }],
      ...['disable', 'enable', 'delete', `deliveries/${theirs.deliveryId}/redeliver`].flatMap(
        (a): Array<[string, Record<string, string>]> => [
          [`/console/projects/${p}/webhooks/${theirs.subId}/${a}`, { csrf, confirm: 'yes' }],
          [`/console/projects/${mineP}/webhooks/${theirs.subId}/${a}`, { csrf, confirm: 'yes' }],
        ],
      ),
    ];
    for (const [url, form] of posts) {
      const res = await c.post(url, form);
      assert.equal(res.status, 404, url);
      assertNoTheirData(res.text, url);
    }
    assert.deepEqual(await w.t.runtime.store.accounts.get(theirs.projectId, theirs.accountId), before.account);
    assert.deepEqual(await w.t.runtime.store.apiKeys.listByProject(theirs.projectId), before.keys);
    assert.deepEqual(await w.t.runtime.store.audit.list(theirs.projectId), before.audit);
    assert.deepEqual(await w.t.runtime.store.authConfigs.list({ projectId: theirs.projectId, showDisabled: true, limit: 100 }), before.authConfigs);
    assert.deepEqual(await w.t.runtime.store.webhooks.listEndpoints(theirs.projectId), before.subs);
    assert.deepEqual(await w.t.runtime.store.webhooks.getDelivery(theirs.projectId, theirs.subId, theirs.deliveryId), before.delivery);
    // My project got nothing from those posts either.
    assert.deepEqual(await w.t.runtime.store.webhooks.listEndpoints(w.t.projectId), []);
    // The other project's key still works through the API.
    const res = await w.t.app.inject({ method: 'GET', url: '/api/v3.1/project/settings', headers: { 'x-api-key': theirs.apiKey } });
    assert.equal(res.statusCode, 200);
  });

  test('the operator sees both projects, their accounts and their audit entries', async () => {
    const op = consoleClient(w.t);
    await op.signIn(OPERATOR);
    const detail = await op.get(`/console/projects/${theirs.projectId}/accounts/${theirs.accountId}`);
    assert.equal(detail.status, 200);
    assert.match(detail.text, /their-user/);
    const audit = await op.get(`/console/projects/${theirs.projectId}/audit`);
    assert.match(audit.text, new RegExp(theirs.accountId));
    assert.equal((await op.get(`/console/projects/${w.t.projectId}/accounts/${mine.accountId}`)).status, 200);
  });
});
