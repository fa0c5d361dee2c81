// Issue #8 (crashes): a real authlink process killed with SIGKILL at chosen
// points leaves no half-written account; links end EXPIRED with a reason;
// rotation resumes; everything still decrypts.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import Sqlite from 'better-sqlite3';
import { sql } from 'kysely';
import { forEachBackend, PG_URL, type Backend } from '../helpers/backends.ts';
import { api, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { startOidcProvider, type TestOidcProvider } from '../helpers/oidc-provider.ts';
import { oidcToolkit, writeToolkitsDir } from '../helpers/toolkits.ts';
import { createCookieClient, driveOidcInteraction } from '../helpers/cookie-fetch.ts';
import { freePort, pgUrlWithSchema, startChild, type Child } from '../helpers/child.ts';
import { csrfOf } from '../helpers/link-flow.ts';
import { openCredentials } from '../../src/services/account-view.ts';
import { sweepOnce } from '../../src/services/sweeper.ts';
import { createKeyRing, parseKeys } from '../../src/crypto/keyring.ts';
import { ENCRYPTED_FIELDS } from '../../src/crypto/fields.ts';
import { authConfigRow } from '../helpers/account-row.ts';

const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'authlink.js');

/** A token endpoint that tells the test when a request arrives, then does what the test says. */
async function startTokenEndpoint() {
  let onRequest: (res: import('node:http').ServerResponse) => void = () => {};
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => onRequest(res));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
    next(fn: (res: import('node:http').ServerResponse) => void) {
      onRequest = fn;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

forEachBackend('crash safety', (backend: Backend) => {
  let op: TestOidcProvider;
  let tokenEp: Awaited<ReturnType<typeof startTokenEndpoint>>;
  let t: TestApp;
  let env: Record<string, string>;
  let authConfigId: string;

  before(async () => {
    op = await startOidcProvider();
    tokenEp = await startTokenEndpoint();
    // Authorization at the real provider; the code exchange goes to our controllable endpoint.
    const dir = writeToolkitsDir([oidcToolkit(op, { token_url: tokenEp.url })]);
    t = await startTestApp(backend, { env: { AUTHLINK_TOOLKITS_DIR: dir, AUTHLINK_ALLOW_INSECURE_OAUTH: '1' } });
    const port = await freePort();
    env = {
      PORT: String(port),
      AUTHLINK_PUBLIC_URL: `http://127.0.0.1:${port}`,
      AUTHLINK_DATA_DIR: t.dataDir,
      AUTHLINK_ENCRYPTION_KEY: t.config.encryptionKeys!,
      AUTHLINK_TOOLKITS_DIR: dir,
      AUTHLINK_ALLOW_INSECURE_OAUTH: '1',
      ...(backend === 'postgres' ? { DATABASE_URL: pgUrlWithSchema(PG_URL!, t.pgSchema!) } : { DATABASE_URL: '' }),
    };
    op.redirectUris = [`${env.AUTHLINK_PUBLIC_URL}/api/v3.1/toolkits/auth/callback`];
    const ac = await api(t).post('/api/v3.1/auth_configs', {
      toolkit: { slug: 'localoidc' },
      auth_config: { type: 'use_custom_auth', authScheme: 'OAUTH2', credentials: { client_id: op.clientId, client_secret: op.clientSecret } },
    });
    authConfigId = ac.body.auth_config.id;
  });
  after(async () => {
    await t.close();
    await tokenEp.close();
    await op.close();
  });

  /** Starts a child, makes a link through it and brings the browser to the callback (not yet requested). */
  async function toCallback(child: Child) {
    const res = await fetch(`${child.url}/api/v3.1/connected_accounts/link`, {
      method: 'POST',
      headers: { 'x-api-key': t.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ auth_config_id: authConfigId, user_id: `crash-${randomBytes(3).toString('hex')}` }),
    });
    const link = (await res.json()) as { redirect_url: string; connected_account_id: string };
    const client = createCookieClient();
    await client.get(link.redirect_url);
    const page = await client.get(`${env.AUTHLINK_PUBLIC_URL}/link`);
    const go = await client.post(`${env.AUTHLINK_PUBLIC_URL}/link/authorize`, { csrf: csrfOf(page.text) });
    const back = await driveOidcInteraction(client, go.location!, { login: 'crash', consent: 'accept' });
    return { client, back, accountId: link.connected_account_id };
  }

  async function expireLinksAndSweep(accountId: string) {
    await t.runtime.database.db
      .updateTable('link_sessions')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('connected_account_id', '=', accountId)
      .execute();
    await sweepOnce(t.app.services);
  }

  test('killed during the token exchange: nothing half-written; the link cannot be replayed; it ends EXPIRED with a reason', async () => {
    const child = await startChild(env);
    const { client, back, accountId } = await toCallback(child);
    const arrived = new Promise<void>((resolve) => tokenEp.next(() => resolve())); // never answers
    const pending = client.get(back).catch((e: Error) => e);
    await arrived;
    await child.stop('SIGKILL');
    await pending;
    let row = await t.runtime.store.accounts.get(t.projectId, accountId);
    assert.equal(row?.status, 'INITIATED');
    assert.equal(row?.credentials_enc, null);
    // After a restart the same callback is "already used", not a second exchange.
    const again = await startChild(env);
    try {
      const replay = await client.get(back);
      assert.equal(replay.status, 409);
    } finally {
      await again.stop();
    }
    await expireLinksAndSweep(accountId);
    row = await t.runtime.store.accounts.get(t.projectId, accountId);
    assert.equal(row?.status, 'EXPIRED');
    assert.equal(row?.status_reason, 'The link expired before the user connected');
  });

  /**
   * Holds the activation write open: a trigger on the account's UPDATE to
   * ACTIVE that keeps the statement running (PostgreSQL: pg_sleep; SQLite,
   * which has no sleep: a huge cross join), and a probe that resolves once
   * the child is inside that statement, its transaction open.
   */
  async function holdActivationWrite(): Promise<{ inside: () => Promise<void>; release: () => Promise<void> }> {
    const db = t.runtime.database.db;
    if (backend === 'postgres') {
      await sql`create or replace function crash_hold() returns trigger language plpgsql as $$ begin perform pg_sleep(60); return new; end $$`.execute(db);
      await sql`create trigger crash_hold after update on connected_accounts for each row when (new.status = 'ACTIVE') execute function crash_hold()`.execute(
        db,
      );
      const sleeping = () =>
        sql<{
          pid: number;
        }>`select pid from pg_stat_activity where wait_event = 'PgSleep' and query ilike 'update "connected_accounts"%' and datname = current_database()`.execute(
          db,
        );
      return {
        async inside() {
          for (let i = 0; i < 400 && !(await sleeping()).rows.length; i++) await new Promise((r) => setTimeout(r, 25));
          assert.equal((await sleeping()).rows.length, 1, 'the activation UPDATE is running');
        },
        async release() {
          // The server would notice the dead client at its next read; end the orphaned transaction now.
          for (const { pid } of (await sleeping()).rows) await sql`select pg_terminate_backend(${pid})`.execute(db);
          await sql`drop trigger crash_hold on connected_accounts`.execute(db);
        },
      };
    }
    await sql`create table crash_spin (n integer)`.execute(db);
    await sql`with recursive c(n) as (select 1 union all select n + 1 from c where n < 3000) insert into crash_spin select n from c`.execute(db);
    await sql`create trigger crash_hold after update of status on connected_accounts when new.status = 'ACTIVE' begin select count(*) from crash_spin a, crash_spin b, crash_spin c; end`.execute(
      db,
    );
    // Another connection with no busy timeout: taking the write lock fails exactly while the child holds it.
    const probe = new Sqlite(path.join(t.dataDir, 'authlink.db'), { timeout: 0 });
    const writerActive = () => {
      try {
        probe.exec('BEGIN IMMEDIATE');
        probe.exec('ROLLBACK');
        return false;
      } catch (e) {
        if ((e as { code?: string }).code === 'SQLITE_BUSY') return true;
        throw e;
      }
    };
    return {
      async inside() {
        for (let i = 0; i < 400 && !writerActive(); i++) await new Promise((r) => setTimeout(r, 25));
        assert.ok(writerActive(), 'the activation write holds the lock');
      },
      async release() {
        probe.close();
        await sql`drop trigger crash_hold`.execute(db);
        await sql`drop table crash_spin`.execute(db);
      },
    };
  }

  test('killed inside the activation write: committed in full or not at all (here: not at all), nothing half-written, no event; the link cannot be replayed', async () => {
    const hook = await api(t).post('/api/v3.1/webhook_subscriptions', { webhook_url: 'https://hooks.example.com/crash', enabled_events: ['*'] });
    assert.equal(hook.status, 201);
    const child = await startChild(env);
    const { client, back, accountId } = await toCallback(child);
    const accessToken = `at-${randomBytes(8).toString('hex')}`;
    const hold = await holdActivationWrite();
    try {
      const answered = new Promise<void>((resolve) =>
        tokenEp.next((res) => {
          res
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ access_token: accessToken, token_type: 'bearer', refresh_token: 'rt-x', expires_in: 3600, scope: 'openid' }), () =>
              resolve(),
            );
        }),
      );
      const pending = client.get(back).catch((e: Error) => e);
      await answered;
      await hold.inside();
      await child.stop('SIGKILL');
      await pending;
    } finally {
      await hold.release();
    }
    const row = await t.runtime.store.accounts.get(t.projectId, accountId);
    assert.equal(row?.status, 'INITIATED', 'the UPDATE to ACTIVE was not committed');
    assert.equal(row?.credentials_enc, null, 'nothing half-written');
    assert.equal(row?.token_expires_at, null);
    const events = await t.runtime.database.db.selectFrom('webhook_events').select(['type', 'payload']).execute();
    assert.deepEqual(
      events.filter((e) => JSON.parse(e.payload).data.id === accountId).map((e) => e.type),
      ['composio.connected_account.initiated'],
      'the outbox row went with the rolled-back change',
    );
    // After a restart the callback is "already used" (the link was consumed before the exchange), and the sweeper ends it.
    const again = await startChild(env);
    try {
      assert.equal((await client.get(back)).status, 409);
    } finally {
      await again.stop();
    }
    await expireLinksAndSweep(accountId);
    assert.equal((await t.runtime.store.accounts.get(t.projectId, accountId))?.status, 'EXPIRED');
    await api(t).delete(`/api/v3.1/webhook_subscriptions/${hook.body.id}`);
  });

  test('killed right after the activation committed: fully ACTIVE with the tokens', async () => {
    const child = await startChild(env);
    const { client, back, accountId } = await toCallback(child);
    const accessToken = `at-${randomBytes(8).toString('hex')}`;
    tokenEp.next((res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ access_token: accessToken, token_type: 'bearer', refresh_token: 'rt-x', expires_in: 3600, scope: 'openid' }));
    });
    const done = await client.get(back);
    assert.equal(done.status, 200, 'the result page is sent after the commit');
    await child.stop('SIGKILL');
    const row = (await t.runtime.store.accounts.get(t.projectId, accountId))!;
    assert.equal(row.status, 'ACTIVE');
    assert.equal(openCredentials(t.runtime.keyRing, row).access_token, accessToken, 'committed in full');
  });

  test('killed during key rotation: a rerun finishes, and every value decrypts under the new ring', async () => {
    const oldRing = t.runtime.keyRing;
    const oldSpec = t.config.encryptionKeys!; // unlabelled: its id is derived from the key, as in the rows already written
    const newSpec = `new:${randomBytes(32).toString('base64')}`;
    // Many encrypted rows, written under the old key.
    const ts = new Date().toISOString();
    const rows = Array.from({ length: 20000 }, (_, i) => {
      const row = { id: `ac_rot${String(i).padStart(6, '0')}`, project_id: t.projectId };
      return authConfigRow(t.projectId, {
        ...row,
        toolkit_slug: 'localoidc',
        name: `r${i}`,
        auth_scheme: 'OAUTH2',
        secrets_enc: oldRing.encrypt(JSON.stringify({ client_secret: `secret-${i}` }), ENCRYPTED_FIELDS.authConfigSecrets.aad(row)),
        created_at: ts,
      });
    });
    for (let i = 0; i < rows.length; i += 1000)
      await t.runtime.database.db
        .insertInto('auth_configs')
        .values(rows.slice(i, i + 1000))
        .execute();
    const cliEnv = { ...process.env, ...env, AUTHLINK_ENCRYPTION_KEY: '', AUTHLINK_ENCRYPTION_KEYS: `${newSpec},${oldSpec}`, LOG_LEVEL: 'silent' };
    const { spawn } = await import('node:child_process');
    const proc = spawn(process.execPath, [BIN, 'encryption', 'rotate', '--batch-size', '10', '--json'], { env: cliEnv, stdio: 'ignore' });
    // Let it make some progress, then kill it mid-way. Waiting for the first rotated row may take a
    // while on a loaded machine (the CLI starts, migrates, reads the catalog): up to 30 s; with
    // batches of 10 over 20,000 rows it is still far from done when the first one shows.
    const ring = createKeyRing(parseKeys(`${newSpec},${oldSpec}`));
    for (let n = 0; n < 1200; n++) {
      const some = await t.runtime.database.db.selectFrom('auth_configs').select('id').where('secrets_enc', 'like', 'v1:new:%').limit(1).execute();
      if (some.length) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const exited = new Promise((r) => (proc.exitCode !== null || proc.signalCode !== null ? r(null) : proc.once('exit', r)));
    proc.kill('SIGKILL');
    await exited;
    const mid = await t.runtime.database.db.selectFrom('auth_configs').select(['secrets_enc']).where('id', 'like', 'ac_rot%').execute();
    const onNew = mid.filter((r) => r.secrets_enc!.startsWith('v1:new:')).length;
    assert.ok(onNew > 0 && onNew < rows.length, `killed mid-way (${onNew} of ${rows.length} rotated)`);
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'encryption', 'rotate', '--json'], { env: cliEnv });
    assert.equal(JSON.parse(stdout.trim()).remaining_on_old_keys, 0);
    const done = await t.runtime.database.db.selectFrom('auth_configs').selectAll().where('id', 'like', 'ac_rot%').orderBy('id').execute();
    done.forEach((r, i) => {
      assert.ok(r.secrets_enc!.startsWith('v1:new:'));
      assert.equal(JSON.parse(ring.decrypt(r.secrets_enc!, ENCRYPTED_FIELDS.authConfigSecrets.aad(r))).client_secret, `secret-${i}`);
    });
  });
});
