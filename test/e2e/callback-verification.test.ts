// Issue #20 E: callback identity verification (Composio's "OAuth callback
// verifier"). With the project setting on, an OAuth or form completion stores
// the credential but leaves the account INITIATED; the app's callback URL gets
// a single-use session_uri (and nothing else of ours); the app's server
// activates the account with POST /connected_accounts/complete_auth and the
// user id it authenticated, which must be the link's.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.ts';
import { api } from '../helpers/test-app.ts';
import { consentAndAuthorize, createCookieClient, createLink, csrfOf, openLink, startOAuthWorld, type OAuthWorld } from '../helpers/link-flow.ts';
import { openCredentials } from '../../src/services/account-view.ts';
import { hashSecret } from '../../src/crypto/tokens.ts';
import { sweepOnce } from '../../src/services/sweeper.ts';
import { dumpDatabase } from '../security/support.ts';

const APP = 'https://app.example.com/connected';

forEachBackend('callback identity verification', (backend) => {
  let w: OAuthWorld;
  let offsetMs = 0;
  before(async () => {
    w = await startOAuthWorld(backend, { now: () => new Date(Date.now() + offsetMs), env: { LOG_LEVEL: 'warn' } });
    const hook = await api(w.t).post('/api/v3.1/webhook_subscriptions', { webhook_url: 'https://hooks.example.com/verify', enabled_events: ['*'] });
    assert.equal(hook.status, 201);
  });
  after(() => w.close());

  const setting = (on: boolean) => api(w.t).patch('/api/v3.1/project/settings', { verify_callback_identity: on });
  const account = async (id: string) => (await w.t.runtime.store.accounts.get(w.t.projectId, id))!;
  const complete = (body: Record<string, unknown>, key?: string) => api(w.t, key).post('/api/v3.1/connected_accounts/complete_auth', body);
  async function events(accountId: string) {
    const rows = await w.t.runtime.database.db.selectFrom('webhook_events').select(['type', 'payload']).orderBy('created_at').execute();
    return rows
      .map((r) => JSON.parse(r.payload))
      .filter((p) => p.data.id === accountId)
      .map((p) => ({ type: p.type, metadata: p.metadata }));
  }
  /** An API-key connect through the hosted form; returns where the browser was sent. */
  async function submitKey(link: { redirect_url: string }, apiKey = 'k-verify-0123456789') {
    const client = createCookieClient();
    const { csrf } = await openLink(client, w.t, link.redirect_url);
    const done = await client.post(`${w.t.config.publicUrl}/link/submit`, { csrf, api_key: apiKey });
    assert.equal(done.status, 303, done.text.slice(0, 300));
    return new URL(done.location!);
  }

  test('without the setting nothing changes: the callback gets status=success and the account is ACTIVE', async () => {
    assert.equal((await api(w.t).get('/api/v3.1/project/settings')).body.verify_callback_identity, undefined);
    const link = await createLink(w.t, { auth_config_id: w.apiKeyAuthConfigId, user_id: 'plain', callback_url: APP });
    const back = await submitKey(link);
    assert.equal(back.searchParams.get('status'), 'success');
    assert.equal(back.searchParams.get('session_uri'), null);
    assert.equal((await account(link.connected_account_id)).status, 'ACTIVE');
  });

  test('OAuth: the app gets only a session_uri; the credential is stored, the account waits; complete_auth with the link user (trimmed) activates it once', async () => {
    assert.equal((await setting(true)).status, 200);
    try {
      assert.equal((await api(w.t).get('/api/v3.1/project/settings')).body.verify_callback_identity, true);
      const link = await createLink(w.t, {
        auth_config_id: w.authConfigId,
        user_id: 'alice',
        callback_url: `${APP}?tab=integrations&status=success&connected_account_id=ca_forged&session_uri=forged`,
      });
      const client = createCookieClient();
      const done = await client.get(await consentAndAuthorize(client, w, link.redirect_url));
      assert.equal(done.status, 303);
      const back = new URL(done.location!);
      assert.equal(back.origin + back.pathname, APP);
      const sessionUri = back.searchParams.get('session_uri')!;
      assert.match(sessionUri, /^su_[A-Za-z0-9_-]{32}$/);
      assert.deepEqual([...back.searchParams.keys()].sort(), ['session_uri', 'tab'], 'nothing else of ours, the app’s own parameter kept');
      let row = await account(link.connected_account_id);
      assert.equal(row.status, 'INITIATED');
      assert.equal(typeof openCredentials(w.t.runtime.keyRing, row).access_token, 'string', 'the credential is stored (encrypted)');
      assert.deepEqual(
        (await events(link.connected_account_id)).map((e) => e.type),
        ['composio.connected_account.initiated'],
        'no activation announced yet',
      );
      // Stored only as a hash: the session_uri itself is in no row.
      const db = JSON.stringify(await dumpDatabase(w.t));
      assert.ok(!db.includes(sessionUri), 'session_uri in clear in the database');
      assert.ok(db.includes(hashSecret(sessionUri)));

      // Another project's key: not found, and nothing used up.
      const other = await w.t.otherProject();
      const foreign = await complete({ session_uri: sessionUri, user_id: 'alice' }, other.apiKey);
      assert.equal(foreign.status, 404);
      assert.equal(foreign.body.error.slug, 'ConnectedAccount_AuthSessionNotFound');

      const ok = await complete({ session_uri: sessionUri, user_id: '  alice ' });
      assert.equal(ok.status, 200, ok.text);
      assert.deepEqual(ok.body, { connected_account_id: link.connected_account_id, toolkit_slug: 'localoidc' });
      row = await account(link.connected_account_id);
      assert.equal(row.status, 'ACTIVE');
      assert.deepEqual(
        (await events(link.connected_account_id)).map((e) => e.type),
        ['composio.connected_account.initiated', 'composio.connected_account.active'],
      );
      // Single use.
      const again = await complete({ session_uri: sessionUri, user_id: 'alice' });
      assert.equal(again.status, 404);
      assert.equal(again.body.error.slug, 'ConnectedAccount_AuthSessionNotFound');
      assert.equal((await events(link.connected_account_id)).length, 2);
    } finally {
      await setting(false);
    }
  });

  test('form completion with another user id: refused (403), the session_uri is used up, the account FAILED without its credential, a failed event says why', async () => {
    await setting(true);
    try {
      const link = await createLink(w.t, { auth_config_id: w.apiKeyAuthConfigId, user_id: 'bob', callback_url: APP });
      const back = await submitKey(link);
      assert.deepEqual([...back.searchParams.keys()], ['session_uri']);
      const sessionUri = back.searchParams.get('session_uri')!;
      assert.equal((await account(link.connected_account_id)).status, 'INITIATED');
      for (const [body, status] of [
        [{ session_uri: sessionUri, user_id: '   ' }, 400],
        [{ session_uri: sessionUri }, 400],
        [{ user_id: 'bob' }, 400],
      ] as const) {
        const res = await complete(body);
        assert.equal(res.status, status, JSON.stringify(body));
      }
      assert.equal((await account(link.connected_account_id)).status, 'INITIATED', 'malformed requests used nothing up');
      const refused = await complete({ session_uri: sessionUri, user_id: 'Bob' });
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.slug, 'ConnectedAccount_AuthSessionUserMismatch');
      const row = await account(link.connected_account_id);
      assert.equal(row.status, 'FAILED');
      assert.equal(row.status_reason, "The user who completed the connection is not the link's user");
      assert.equal(row.credentials_enc, null);
      const evs = await events(link.connected_account_id);
      assert.deepEqual(
        evs.map((e) => e.type),
        ['composio.connected_account.initiated', 'composio.connected_account.failed'],
      );
      assert.equal(evs[1].metadata.error, 'user_mismatch');
      // The right user afterwards: the session_uri is gone.
      assert.equal((await complete({ session_uri: sessionUri, user_id: 'bob' })).status, 404);
      assert.equal((await account(link.connected_account_id)).status, 'FAILED');
    } finally {
      await setting(false);
    }
  });

  test('a session_uri expires: complete_auth after 10 minutes is 404, and the sweeper ends the waiting account EXPIRED', async () => {
    await setting(true);
    try {
      const link = await createLink(w.t, { auth_config_id: w.apiKeyAuthConfigId, user_id: 'carol', callback_url: APP });
      const sessionUri = (await submitKey(link)).searchParams.get('session_uri')!;
      // Past the link's own lifetime but inside the session_uri's: the sweeper leaves the account alone.
      offsetMs = 9 * 60 * 1000;
      await sweepOnce(w.t.app.services);
      assert.equal((await account(link.connected_account_id)).status, 'INITIATED');
      offsetMs = 11 * 60 * 1000;
      assert.equal((await complete({ session_uri: sessionUri, user_id: 'carol' })).status, 404);
      await sweepOnce(w.t.app.services);
      const row = await account(link.connected_account_id);
      assert.equal(row.status, 'EXPIRED');
    } finally {
      offsetMs = 0;
      await setting(false);
    }
  });

  test('eight redeems at once: exactly one activates', async () => {
    await setting(true);
    try {
      const link = await createLink(w.t, { auth_config_id: w.apiKeyAuthConfigId, user_id: 'dave', callback_url: APP });
      const sessionUri = (await submitKey(link)).searchParams.get('session_uri')!;
      // Every request has arrived before any transaction starts (on PostgreSQL they then run side by side;
      // SQLite serializes transactions on its one connection, so there the conditional UPDATE meets a committed winner).
      const store = w.t.runtime.store;
      const transaction = store.transaction;
      let arrived = 0;
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const timer = setTimeout(release, 5000);
      store.transaction = (async (fn: Parameters<typeof transaction>[0]) => {
        if (++arrived === 8) release();
        await gate;
        return transaction.call(store, fn);
      }) as typeof transaction;
      let results: Array<{ status: number }>;
      try {
        results = await Promise.all(Array.from({ length: 8 }, () => complete({ session_uri: sessionUri, user_id: 'dave' })));
      } finally {
        clearTimeout(timer);
        store.transaction = transaction;
      }
      assert.equal(arrived, 8);
      assert.deepEqual(results.map((r) => r.status).sort(), [200, ...Array(7).fill(404)]);
      assert.deepEqual(
        (await events(link.connected_account_id)).map((e) => e.type),
        ['composio.connected_account.initiated', 'composio.connected_account.active'],
      );
    } finally {
      await setting(false);
    }
  });

  test('with the setting, a link needs a callback_url; legacy creation with credentials in state.val is unchanged (ACTIVE at once)', async () => {
    await setting(true);
    try {
      const res = await api(w.t).post('/api/v3.1/connected_accounts/link', { auth_config_id: w.apiKeyAuthConfigId, user_id: 'erin' });
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.error.errors, ['callback_url: required when the project setting verify_callback_identity is on']);
      const legacy = await api(w.t).post('/api/v3.1/connected_accounts', {
        auth_config: { id: w.apiKeyAuthConfigId },
        connection: { user_id: 'erin', state: { authScheme: 'API_KEY', val: { api_key: 'k-legacy-0123456789' } } },
      });
      assert.equal(legacy.status, 201);
      assert.equal(legacy.body.status, 'ACTIVE');
    } finally {
      await setting(false);
    }
    // A link made before the setting was turned on, without a callback URL: the completion cannot be verified, so it fails closed.
    const early = await createLink(w.t, { auth_config_id: w.apiKeyAuthConfigId, user_id: 'frank' });
    const client = createCookieClient();
    await client.get(early.redirect_url);
    const page = await client.get(`${w.t.config.publicUrl}/link`);
    await setting(true);
    try {
      const res = await client.post(`${w.t.config.publicUrl}/link/submit`, { csrf: csrfOf(page.text), api_key: 'k-early-0123456789' });
      assert.equal(res.status, 400);
      assert.equal(res.location, undefined);
      const row = await account(early.connected_account_id);
      assert.equal(row.status, 'FAILED');
      assert.equal(row.credentials_enc, null);
    } finally {
      await setting(false);
    }
  });
});
