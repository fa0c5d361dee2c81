// Issue #16, graceful shutdown: two `authlink serve` processes on one
// PostgreSQL behind a load balancer (test/helpers/balancer.ts) are restarted
// one after the other with SIGTERM under steady traffic. No request may fail
// (not one non-2xx, not one network error), every process exits 0, and every
// webhook event written during the run is delivered promptly: a process that
// stopped with deliveries in flight would leave them leased for 40 s.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { PG_URL } from '../helpers/backends.ts';
import { freePort, pgUrlWithSchema, startChild, type Child } from '../helpers/child.ts';
import { apiKeyToolkit, writeToolkitsDir } from '../helpers/toolkits.ts';
import { startBalancer } from '../helpers/balancer.ts';
import { migrate, openDatabase } from '../../src/store/db.ts';

/** Upstream for the proxy and webhook receiver in one: answers after `delayMs`, records webhook ids. */
async function startPeer(delayMs: number) {
  const webhookIds = new Set<string>();
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/hooks') webhookIds.add(String(req.headers['webhook-id']));
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    webhookIds,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

test('rolling restart of two processes under traffic: no request fails, no webhook delivery is lost [postgres]', {
  skip: PG_URL ? false : 'TEST_DATABASE_URL is not set: PostgreSQL half skipped (.ci/run sets it)',
  timeout: 120_000,
}, async () => {
  const schema = `roll_${randomBytes(5).toString('hex')}`;
  const database = await openDatabase({ databaseUrl: PG_URL!, pgSchema: schema });
  await migrate(database);
  await database.close();
  const peer = await startPeer(60);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authlink-roll-'));
  const ports = [await freePort(), await freePort()];
  const origins = ports.map((p) => `http://127.0.0.1:${p}`);
  const lb = await startBalancer(origins);
  const env = (port: number): Record<string, string> => ({
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: pgUrlWithSchema(PG_URL!, schema),
    AUTHLINK_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    AUTHLINK_PUBLIC_URL: lb.url,
    AUTHLINK_DATA_DIR: dataDir,
    AUTHLINK_TOOLKITS_DIR: writeToolkitsDir([apiKeyToolkit(peer.url)]),
    AUTHLINK_PROXY_ALLOW_PRIVATE: '127.0.0.1',
    AUTHLINK_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1',
    AUTHLINK_WEBHOOK_POLL_MS: '100',
    AUTHLINK_RATE_LIMIT_PER_MINUTE: '10000000',
    // Long enough for the balancer (checks every 100 ms) to take the process out of rotation.
    AUTHLINK_SHUTDOWN_DELAY_MS: '600',
    LOG_LEVEL: 'warn',
  });
  const envs = ports.map(env);
  envs[1].AUTHLINK_ENCRYPTION_KEY = envs[0].AUTHLINK_ENCRYPTION_KEY;
  const children: Child[] = [];
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  try {
    children[0] = await startChild(envs[0]); // first: it creates the default project and prints its key
    const apiKey = JSON.parse(/^\{.*"listening".*\}$/m.exec(children[0].output())![0]).api_key as string;
    children[1] = await startChild(envs[1]);
    const untilReady = async (origin: string) => {
      const deadline = Date.now() + 20_000;
      while (!lb.ready(origin)) {
        assert.ok(Date.now() < deadline, `${origin} never became ready`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    for (const o of origins) await untilReady(o);

    const call = async (method: string, p: string, body?: unknown) => {
      const res = await fetch(lb.url + p, {
        method,
        headers: { 'x-api-key': apiKey, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
        signal: AbortSignal.timeout(15_000),
      });
      const text = await res.text();
      return { status: res.status, json: text.startsWith('{') ? JSON.parse(text) : undefined, text };
    };
    const ac = await call('POST', '/api/v3.1/auth_configs', { toolkit: { slug: 'echoapi' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' } });
    assert.equal(ac.status, 201, ac.text);
    const hook = await call('POST', '/api/v3.1/webhook_subscriptions', { webhook_url: `${peer.url}/hooks`, enabled_events: ['*'] });
    assert.equal(hook.status, 201, hook.text);

    // Traffic: links (an event each), direct creates (an event each), reads and proxied calls.
    const failures: string[] = [];
    const accounts: string[] = [];
    const counts = { requests: 0 };
    let stop = false;
    let n = 0;
    const client = async () => {
      while (!stop) {
        const i = n++;
        const kind = i % 4;
        let r: { status: number; text: string; json?: any };
        try {
          if (kind === 0) r = await call('POST', '/api/v3.1/connected_accounts/link', { auth_config_id: ac.json.auth_config.id, user_id: `u${i % 50}` });
          else if (kind === 1 || accounts.length === 0) {
            r = await call('POST', '/api/v3.1/connected_accounts', {
              auth_config: { id: ac.json.auth_config.id },
              connection: { user_id: `u${i % 50}`, state: { authScheme: 'API_KEY', val: { api_key: `key-${i}-0123456789` } } },
            });
            if (r.status === 201) accounts.push(r.json.id);
          } else if (kind === 2) r = await call('GET', `/api/v3.1/connected_accounts/${accounts[i % accounts.length]}`);
          else
            r = await call('POST', '/api/v3.1/tools/execute/proxy', { connected_account_id: accounts[i % accounts.length], endpoint: '/echo', method: 'GET' });
          if (r.status >= 300) failures.push(`${r.status} (kind ${kind}): ${r.text.slice(0, 200)}`);
        } catch (e) {
          failures.push(`network error (kind ${kind}): ${(e as Error).message}`);
        }
        counts.requests++;
      }
    };
    const clients = Array.from({ length: 6 }, client);
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    await pause(1000);
    const exitCodes: Array<number | null> = [];
    for (const i of [0, 1]) {
      exitCodes.push(await children[i].stop('SIGTERM'));
      children[i] = await startChild(envs[i]);
      await untilReady(origins[i]);
      await pause(500);
    }
    await pause(800);
    stop = true;
    await Promise.all(clients);

    assert.deepEqual(failures, [], `balancer: ${JSON.stringify(lb.stats)}`);
    assert.deepEqual(lb.stats.errors, []);
    assert.deepEqual(exitCodes, [0, 0], 'both processes shut down cleanly');
    assert.ok(counts.requests > 100, `${counts.requests} requests`);

    // Every event written is delivered, promptly: nothing stranded in a lease of a stopped process.
    const q = (sql: string) => admin.query(sql.replaceAll('$schema', `"${schema}"`));
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { rows } = await q(`select count(*)::int as n from $schema.webhook_deliveries where status <> 'succeeded'`);
      if (rows[0].n === 0) break;
      assert.ok(Date.now() < deadline, `${rows[0].n} deliveries not delivered 10 s after the traffic stopped`);
      await pause(100);
    }
    const events = (await q('select id from $schema.webhook_events')).rows.map((r) => r.id as string);
    assert.ok(events.length > 20, `${events.length} events`);
    const missing = events.filter((id) => !peer.webhookIds.has(id));
    assert.deepEqual(missing, [], 'every event reached the receiver');
  } finally {
    await Promise.all(children.map((c) => c?.stop('SIGTERM')));
    await lb.close();
    await peer.close();
    await admin.query(`drop schema if exists "${schema}" cascade`);
    await admin.end();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
});
