// Issue #15, upgrading: a database written before webhooks moved to
// Composio's /webhook_subscriptions and V3 payloads (everything up to
// migration 010). Its endpoint, secret and stored events keep working after
// the upgrade: the endpoint is a subscription at the new path with its id and
// secret, a delivery still pending and a redelivery of a dead one go out as
// V3 payloads, and @composio/core's verifyWebhook accepts them with the secret
// the receiver already has. Migration 010 undone gives the old data back.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { forEachBackend, PG_URL } from '../helpers/backends.ts';
import { api, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { apiKeyToolkit, writeToolkitsDir } from '../helpers/toolkits.ts';
import { accountRow, authConfigRow } from '../helpers/account-row.ts';
import { startReceiver } from '../helpers/receiver.ts';
import { coreClient, coreVerify, v3Payload } from '../helpers/composio-webhooks.ts';
import { parseConfig } from '../../src/config.ts';
import { startRuntime } from '../../src/bootstrap.ts';
import { MIGRATION_NAMES, migrate } from '../../src/store/db.ts';
import { createProject } from '../../src/services/projects.ts';
import { ENCRYPTED_FIELDS } from '../../src/crypto/fields.ts';
import type { WebhookDeliveryRow, WebhookEndpointRow } from '../../src/store/webhooks.ts';

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

const V3 = '010_webhooks_composio_v3';
const BEFORE_V3 = MIGRATION_NAMES[MIGRATION_NAMES.indexOf(V3) - 1];

forEachBackend('webhooks: upgrading a database from before Composio V3', (backend) => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authlink-upgrade-'));
  const pgSchema = backend === 'postgres' ? `t_${randomBytes(6).toString('hex')}` : undefined;
  const key = randomBytes(32).toString('base64');
  const env = {
    AUTHLINK_DATA_DIR: dataDir,
    AUTHLINK_ENCRYPTION_KEY: key,
    AUTHLINK_TOOLKITS_DIR: writeToolkitsDir([apiKeyToolkit('http://127.0.0.1:9/echo')]),
    AUTHLINK_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ...(backend === 'postgres' ? { DATABASE_URL: PG_URL! } : {}),
  };
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const core = coreClient();
  let rx: Receiver;
  let t: TestApp;
  let apiKey: string;
  let endpoint: WebhookEndpointRow;
  let accountId: string;
  const old: Record<string, { payload: Record<string, unknown>; delivery: WebhookDeliveryRow }> = {};

  before(async () => {
    rx = await startReceiver();
    // The database as the previous release left it, written by that release's rules.
    const before = await startRuntime(parseConfig(env), { migrate: false, pgSchema });
    try {
      await migrate(before.database, { to: BEFORE_V3 });
      const created = await createProject(before.store, 'Before the upgrade', new Date());
      apiKey = created.apiKey;
      const projectId = created.project.id;
      const ts = new Date(Date.now() - 60_000).toISOString();
      const acId = `ac_${randomBytes(6).toString('hex')}`;
      await before.store.authConfigs.insert(authConfigRow(projectId, { id: acId, name: 'Echo', created_at: ts }));
      const account = accountRow(projectId, acId, {
        toolkit_slug: 'echoapi',
        word_id: 'echoapi_red-castle',
        user_id: 'old-user',
        data: '{"workspace":"acme"}',
      });
      accountId = account.id;
      // The row as the old release wrote it: without the columns later migrations add.
      const { credentials_view: _added016, ...oldRow } = account;
      await before.store.accounts.insert(oldRow as typeof account);
      endpoint = {
        id: 'we_beforeupgrade',
        project_id: projectId,
        url: rx.url,
        description: 'made through /webhook_endpoints',
        events: JSON.stringify(['*', 'connected_account.refreshed']),
        enabled: 1,
        secret_enc: '',
        previous_secret_enc: null,
        previous_secret_until: null,
        created_at: ts,
        updated_at: ts,
        deleted_at: null,
      };
      endpoint.secret_enc = before.keyRing.encrypt(secret, ENCRYPTED_FIELDS.webhookSecret.aad(endpoint));
      await before.store.webhooks.insertEndpoint(endpoint);
      // Two events in the old shape: one still to deliver, one dead-lettered.
      for (const [name, type, extra, status] of [
        ['pending', 'connected_account.active', {}, 'pending'],
        ['dead', 'connected_account.failed', { error: 'access_denied' }, 'dead'],
      ] as const) {
        const id = `msg_before${name}`;
        const payload = {
          id,
          type,
          timestamp: ts,
          project_id: projectId,
          data: {
            connected_account: {
              id: account.id,
              user_id: account.user_id,
              alias: null,
              word_id: account.word_id,
              status: account.status,
              status_reason: null,
              is_disabled: false,
              toolkit: { slug: 'echoapi' },
              auth_config: { id: acId },
              account_type: 'PRIVATE',
              created_at: account.created_at,
              updated_at: account.updated_at,
            },
            ...extra,
          },
        };
        const delivery: WebhookDeliveryRow = {
          id: `whd_before${name}`,
          project_id: projectId,
          endpoint_id: endpoint.id,
          event_id: id,
          status,
          attempts: status === 'dead' ? 9 : 0,
          next_attempt_at: ts,
          lease_owner: null,
          lease_until: null,
          last_status: status === 'dead' ? 500 : null,
          last_error: status === 'dead' ? 'receiver answered 500' : null,
          delivered_at: null,
          created_at: ts,
          updated_at: ts,
        };
        await before.store.webhooks.insertEvent({ id, project_id: projectId, type, payload: JSON.stringify(payload), created_at: ts });
        await before.store.webhooks.insertDeliveries([delivery]);
        old[name] = { payload, delivery };
      }
    } finally {
      await before.database.close();
    }
    // The upgrade: the new release starts on the same database and migrates it.
    t = await startTestApp(backend, { dataDir, pgSchema, env });
  });
  after(async () => {
    await t?.close();
    if (pgSchema) {
      const { openDatabase } = await import('../../src/store/db.ts');
      const db = await openDatabase({ databaseUrl: PG_URL, pgSchema });
      await db.db.schema.dropSchema(pgSchema).ifExists().cascade().execute();
      await db.close();
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
    await rx.close();
  });

  test('the endpoint is a subscription at the new path: same id, events renamed, its secret unchanged', async () => {
    const got = await api(t, apiKey).get(`/api/v3.1/webhook_subscriptions/${endpoint.id}`);
    assert.equal(got.status, 200, got.text);
    assert.deepEqual(
      { ...got.body, created_at: undefined, updated_at: undefined },
      {
        id: endpoint.id,
        webhook_url: rx.url,
        version: 'V3',
        enabled_events: ['*', 'composio.connected_account.refreshed'],
        secret: `whsec_********${secret.slice(-4)}`,
        created_at: undefined,
        updated_at: undefined,
        description: 'made through /webhook_endpoints',
        enabled: true,
        previous_secret_expires_at: null,
      },
    );
    assert.equal((await api(t, apiKey).get('/api/v3.1/webhook_endpoints')).status, 404);
  });

  test('a delivery pending at the upgrade goes out as V3, verified with the secret the receiver already has', async () => {
    while ((await t.app.services.webhookWorker.runOnce()) > 0);
    const r = rx.received.find((x) => x.headers['webhook-id'] === 'msg_beforepending');
    assert.ok(r, 'delivered');
    const verified = await coreVerify(core, secret, r);
    assert.equal(verified.version, 'V3');
    const payload = v3Payload(r);
    assert.equal(payload.type, 'composio.connected_account.active');
    assert.equal(payload.timestamp, old.pending.payload.timestamp);
    assert.deepEqual(payload.metadata, { project_id: endpoint.project_id, org_id: endpoint.project_id });
    const data = payload.data as Record<string, any>;
    assert.equal(data.id, accountId);
    assert.deepEqual(data.auth_config, {
      id: (old.pending.payload.data as any).connected_account.auth_config.id,
      auth_scheme: 'API_KEY',
      is_composio_managed: false,
      is_disabled: false,
    });
    assert.deepEqual(data.state, { authScheme: 'API_KEY', val: { workspace: 'acme', status: 'ACTIVE' } });
    const shown = (await api(t, apiKey).get(`/api/v3.1/connected_accounts/${accountId}`)).body;
    for (const k of ['id', 'alias', 'word_id', 'user_id', 'status', 'status_reason', 'is_disabled', 'created_at', 'toolkit', 'auth_config', 'experimental'])
      assert.deepEqual(data[k], shown[k], k);
  });

  test('a dead delivery redelivered after the upgrade is V3 too (its context in metadata); new events are signed the same way', async () => {
    const re = await api(t, apiKey).post(`/api/v3.1/webhook_subscriptions/${endpoint.id}/deliveries/${old.dead.delivery.id}/redeliver`, {});
    assert.equal(re.status, 200, re.text);
    while ((await t.app.services.webhookWorker.runOnce()) > 0);
    const r = rx.received.find((x) => x.headers['webhook-id'] === 'msg_beforedead')!;
    await coreVerify(core, secret, r);
    const payload = v3Payload(r);
    assert.equal(payload.type, 'composio.connected_account.failed');
    assert.equal(payload.metadata.error, 'access_denied');

    const ac = (await api(t, apiKey).get('/api/v3.1/auth_configs')).body.items[0].id;
    const fresh = await api(t, apiKey).post('/api/v3.1/connected_accounts', {
      auth_config: { id: ac },
      connection: { user_id: 'new-user', state: { authScheme: 'API_KEY', val: { api_key: 'k_123456789' } } },
    });
    assert.equal(fresh.status, 201, fresh.text);
    while ((await t.app.services.webhookWorker.runOnce()) > 0);
    const n = rx.received.find((x) => JSON.parse(x.body).data.id === fresh.body.id)!;
    await coreVerify(core, secret, n);
    assert.equal(v3Payload(n).type, 'composio.connected_account.active');
  });

  test('migration 010 undone gives the old events and event names back', async () => {
    const db = t.runtime.database;
    await migrate(db, { to: BEFORE_V3 });
    try {
      const row = await db.db.selectFrom('webhook_endpoints').select('events').where('id', '=', endpoint.id).executeTakeFirstOrThrow();
      assert.deepEqual(JSON.parse(row.events), ['*', 'connected_account.refreshed']);
      for (const { payload } of Object.values(old)) {
        const ev = await db.db
          .selectFrom('webhook_events')
          .select(['type', 'payload'])
          .where('id', '=', payload.id as string)
          .executeTakeFirstOrThrow();
        assert.equal(ev.type, payload.type);
        assert.deepEqual(JSON.parse(ev.payload), payload);
      }
    } finally {
      await migrate(db);
    }
  });
});
