// Issue #8, races: key revocation under traffic, concurrent alias changes,
// enable/disable flips, and the hosted page's single-use steps hit at once.
// (Double OAuth callbacks, concurrent links with one alias, two-process
// refresh and session PATCH races are covered in test/e2e, test/api and
// test/sessions.)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { forEachBackend } from '../helpers/backends.ts';
import { api, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { apiKeyToolkit, writeToolkitsDir } from '../helpers/toolkits.ts';
import { assertEnvelope, dumpDatabase, dumpDiff, send, startQuietUpstream } from './support.ts';

forEachBackend('security: races', (backend) => {
  let t: TestApp;
  let upstream: Awaited<ReturnType<typeof startQuietUpstream>>;
  let acId: string;
  before(async () => {
    upstream = await startQuietUpstream();
    t = await startTestApp(backend, {
      listen: true,
      env: {
        AUTHLINK_TOOLKITS_DIR: writeToolkitsDir([apiKeyToolkit(upstream.url)]),
        AUTHLINK_PROXY_ALLOW_PRIVATE: '127.0.0.1',
        AUTHLINK_RATE_LIMIT_PER_MINUTE: '10000000',
        LOG_LEVEL: 'warn',
      },
    });
    const ac = await api(t).post('/api/v3.1/auth_configs', { toolkit: { slug: 'echoapi' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' } });
    acId = ac.body.auth_config.id;
    const hook = await api(t).post('/api/v3.1/webhook_subscriptions', { webhook_url: 'https://hooks.example.com/races', enabled_events: ['*'] });
    assert.equal(hook.status, 201);
  });
  after(async () => {
    await t.close();
    await upstream.close();
  });

  async function account(userId: string, alias?: string): Promise<string> {
    const res = await api(t).post('/api/v3.1/connected_accounts', {
      auth_config: { id: acId },
      connection: { user_id: userId, alias, state: { authScheme: 'API_KEY', val: { api_key: `key-${userId}-0123456789` } } },
    });
    assert.equal(res.status, 201, res.text);
    return res.body.id;
  }

  test('a key revoked while 16 clients use it: no request started after revoke() returned succeeds, none fails with a 5xx', async () => {
    const { record, apiKey } = await t.app.services.apiKeys.create(t.projectId, 'under-traffic', new Date());
    let revoked = false;
    let stop = false;
    const seen: Array<{ startedAfterRevoke: boolean; status: number; body: string }> = [];
    const urls = ['/api/v3.1/auth_configs?limit=1', '/api/v3.1/connected_accounts?limit=1', '/api/v3.1/toolkits?limit=1', `/api/v3.1/auth_configs/${acId}`];
    const client = async (n: number) => {
      for (let i = 0; !stop && i < 5000; i++) {
        // inject() on SQLite can complete without leaving the microtask queue: yield, so the timers below get to run.
        await new Promise((r) => setImmediate(r));
        const startedAfterRevoke = revoked;
        const res = await send(t, { method: 'GET', url: urls[(n + i) % urls.length], headers: { 'x-api-key': apiKey } });
        seen.push({ startedAfterRevoke, status: res.statusCode, body: res.body });
        if (res.statusCode >= 400) assertEnvelope(res, 'under traffic');
      }
    };
    const clients = Array.from({ length: 16 }, (_, n) => client(n));
    await sleep(150);
    await t.app.services.apiKeys.revoke(record.id, new Date());
    revoked = true;
    await sleep(150);
    stop = true;
    await Promise.all(clients);
    const before = seen.filter((s) => !s.startedAfterRevoke);
    const afterRevoke = seen.filter((s) => s.startedAfterRevoke);
    assert.ok(
      before.some((s) => s.status === 200),
      'the key worked before',
    );
    assert.ok(afterRevoke.length > 30, `${afterRevoke.length} requests after the revocation`);
    assert.deepEqual(
      [...new Set(seen.map((s) => s.status))].filter((s) => s !== 200 && s !== 401),
      [],
      'only 200 or 401',
    );
    const accepted = afterRevoke.filter((s) => s.status !== 401);
    assert.equal(accepted.length, 0, `${accepted.length} of ${afterRevoke.length} requests started after the revocation were accepted`);
  });

  test('a key lookup that read the row before the revocation cannot leave the key usable after it', async () => {
    const { record, apiKey } = await t.app.services.apiKeys.create(t.projectId, 'slow-lookup', new Date());
    const repo = t.runtime.store.apiKeys;
    const original = repo.findLiveByHash;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let held: (() => void) | undefined;
    const holding = new Promise<void>((r) => (held = r));
    // The database answers this one lookup (key still live) but the answer reaches authlink only after the revocation: a slow network, a busy pool.
    repo.findLiveByHash = async (hash: string) => {
      const row = await original.call(repo, hash);
      if (held) {
        const h = held;
        held = undefined;
        h();
        await gate;
      }
      return row;
    };
    try {
      const inFlight = send(t, { method: 'GET', url: '/api/v3.1/toolkits?limit=1', headers: { 'x-api-key': apiKey } });
      await holding;
      await t.app.services.apiKeys.revoke(record.id, new Date());
      release();
      await inFlight; // started before the revocation: either answer is fine
    } finally {
      repo.findLiveByHash = original;
    }
    const res = await send(t, { method: 'GET', url: '/api/v3.1/toolkits?limit=1', headers: { 'x-api-key': apiKey } });
    assert.equal(res.statusCode, 401, 'a request made after revoke() returned is refused');
  });

  test('a revoked key stays refused in this process, also when it was cached and used a moment before', async () => {
    const { record, apiKey } = await t.app.services.apiKeys.create(t.projectId, 'cached', new Date());
    for (let i = 0; i < 5; i++)
      assert.equal((await send(t, { method: 'GET', url: '/api/v3.1/toolkits?limit=1', headers: { 'x-api-key': apiKey } })).statusCode, 200);
    await t.app.services.apiKeys.revoke(record.id, new Date());
    const after = await Promise.all(
      Array.from({ length: 20 }, () => send(t, { method: 'GET', url: '/api/v3.1/toolkits?limit=1', headers: { 'x-api-key': apiKey } })),
    );
    assert.deepEqual([...new Set(after.map((r) => r.statusCode))], [401]);
    // The project's other key is unaffected.
    assert.equal((await api(t).get('/api/v3.1/toolkits?limit=1')).status, 200);
  });

  test('concurrent PATCH of two accounts of one user to the same alias: exactly one 200, one 409 (10 rounds)', async () => {
    for (let round = 0; round < 10; round++) {
      const user = `alias-race-${round}`;
      const [a, b] = [await account(user, 'first'), await account(user, 'second')];
      const results = await Promise.all([a, b].map((id) => api(t).patch(`/api/v3.1/connected_accounts/${id}`, { alias: 'shared-name' })));
      assert.deepEqual(results.map((r) => r.status).sort(), [200, 409], `round ${round}: ${results.map((r) => r.text).join(' | ')}`);
      const conflict = results.find((r) => r.status === 409)!;
      assert.equal(conflict.body.error.slug, 'ConnectedAccount_AliasTaken');
      const rows = await t.runtime.database.db
        .selectFrom('connected_accounts')
        .select(['id', 'alias'])
        .where('user_id', '=', user)
        .where('deleted_at', 'is', null)
        .execute();
      assert.deepEqual(rows.filter((r) => r.alias === 'shared-name').length, 1, 'one account holds the alias');
      const loser = rows.find((r) => r.alias !== 'shared-name')!;
      assert.ok(['first', 'second'].includes(loser.alias!), 'the other one kept its alias');
    }
  });

  test('five accounts, one alias, a PATCH and a new link at once: exactly one wins', async () => {
    const user = 'alias-race-many';
    const ids = await Promise.all(Array.from({ length: 5 }, (_, i) => account(user, `n${i}`)));
    const results = await Promise.all([
      ...ids.map((id) => api(t).patch(`/api/v3.1/connected_accounts/${id}`, { alias: 'prime' })),
      api(t).post('/api/v3.1/connected_accounts/link', { auth_config_id: acId, user_id: user, alias: 'prime' }),
    ]);
    const ok = results.filter((r) => r.status === 200 || r.status === 201);
    assert.equal(ok.length, 1, results.map((r) => r.status).join(','));
    assert.deepEqual([...new Set(results.filter((r) => !ok.includes(r)).map((r) => r.status))], [409]);
    const holders = await t.runtime.database.db
      .selectFrom('connected_accounts')
      .select('id')
      .where('user_id', '=', user)
      .where('alias', '=', 'prime')
      .where('deleted_at', 'is', null)
      .execute();
    assert.equal(holders.length, 1);
  });

  test('30 concurrent enable/disable flips: all 200, and the account ends in one consistent state', async () => {
    const id = await account('flip-user');
    const wants = Array.from({ length: 30 }, (_, i) => i % 3 !== 0);
    const results = await Promise.all(wants.map((enabled) => api(t).patch(`/api/v3.1/connected_accounts/${id}/status`, { enabled })));
    assert.deepEqual([...new Set(results.map((r) => r.status))], [200]);
    const row = (await t.runtime.store.accounts.get(t.projectId, id))!;
    const shown = await api(t).get(`/api/v3.1/connected_accounts/${id}`);
    assert.equal(shown.body.is_disabled, row.is_disabled === 1, 'the API shows what is stored');
    // Every accepted flip announced exactly once; the last write's own event describes the final row.
    const events = (await t.runtime.database.db.selectFrom('webhook_events').select(['type', 'payload']).where('project_id', '=', t.projectId).execute())
      .map((e) => ({ type: e.type, account: JSON.parse(e.payload).data }))
      .filter((e) => e.account.id === id && (e.type === 'composio.connected_account.enabled' || e.type === 'composio.connected_account.disabled'));
    assert.equal(events.filter((e) => e.type === 'composio.connected_account.enabled').length, wants.filter(Boolean).length);
    assert.equal(events.filter((e) => e.type === 'composio.connected_account.disabled').length, wants.filter((w) => !w).length);
    for (const e of events) assert.equal(e.account.is_disabled, e.type === 'composio.connected_account.disabled', 'each event carries the state it announces');
    const last = events.filter((e) => e.account.updated_at === row.updated_at);
    assert.ok(
      last.some((e) => e.account.is_disabled === (row.is_disabled === 1)),
      'the final row is the one an event announced',
    );
    // The proxy agrees with the flag.
    const proxied = await api(t).post('/api/v3.1/tools/execute/proxy', { connected_account_id: id, endpoint: '/ping', method: 'GET' });
    if (row.is_disabled) assert.equal(proxied.status, 409, proxied.text);
    else assert.equal(proxied.status, 200, proxied.text);
    // A last flip, alone, settles it.
    await api(t).patch(`/api/v3.1/connected_accounts/${id}/status`, { enabled: true });
    assert.equal((await t.runtime.store.accounts.get(t.projectId, id))?.is_disabled, 0);
  });

  test('flips racing a delete: no 5xx, nothing started after the delete answered succeeds, the account stays deleted', async () => {
    const id = await account('flip-delete-user');
    let deleted = false;
    const flips: Array<{ afterDelete: boolean; status: number }> = [];
    const flipper = async (n: number) => {
      for (let i = 0; i < 15; i++) {
        await new Promise((r) => setImmediate(r));
        const afterDelete = deleted;
        const res = await api(t).patch(`/api/v3.1/connected_accounts/${id}/status`, { enabled: (n + i) % 2 === 0 });
        flips.push({ afterDelete, status: res.status });
      }
    };
    const running = Array.from({ length: 4 }, (_, n) => flipper(n));
    await sleep(5);
    const del = await api(t).delete(`/api/v3.1/connected_accounts/${id}`);
    deleted = true;
    await Promise.all(running);
    assert.equal(del.status, 200);
    assert.deepEqual(
      [...new Set(flips.map((f) => f.status))].filter((s) => s !== 200 && s !== 404),
      [],
    );
    assert.deepEqual([...new Set(flips.filter((f) => f.afterDelete).map((f) => f.status))], [404]);
    const raw = await t.runtime.database.db.selectFrom('connected_accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.ok(raw.deleted_at);
    assert.equal(raw.credentials_enc, null);
    assert.equal((await api(t).get(`/api/v3.1/connected_accounts/${id}`)).status, 404);
  });

  /**
   * Makes a race real on any backend: each call of `repo[method]` waits until
   * `n` calls have arrived (or 5 s passed), then all run at once. Every caller
   * has done its reads by then, so the store's own condition is the only
   * thing that can keep a second one out (on SQLite, requests otherwise
   * rarely interleave). Returns how many arrived, and a restore function.
   */
  function holdUntilAll<K extends string>(repo: Record<K, (...args: never[]) => Promise<unknown>>, method: K, n: number) {
    const original = repo[method];
    let arrived = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const timer = setTimeout(release, 5000);
    repo[method] = (async (...args: never[]) => {
      if (++arrived === n) release();
      await gate;
      return original.apply(repo, args);
    }) as never;
    return {
      arrived: () => arrived,
      restore() {
        clearTimeout(timer);
        repo[method] = original;
      },
    };
  }

  /** A request over a real socket, with the cookie jar of one browser (a single cookie). */
  async function http(method: 'GET' | 'POST', path: string, cookie?: string, form?: Record<string, string>) {
    const res = await fetch(`${t.config.publicUrl}${path}`, {
      method,
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    const set = res.headers.getSetCookie()[0]?.split(';')[0];
    return { status: res.status, location: res.headers.get('location'), cookie: set || cookie, text: await res.text() };
  }
  const csrfIn = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)![1];

  test('issue #20 B: one link opened by 10 browsers at once binds nothing; the 10 act at once: exactly one gets it, the others "opened elsewhere"', async () => {
    const link = await api(t).post('/api/v3.1/connected_accounts/link', {
      auth_config_id: acId,
      user_id: 'open-race',
      callback_url: 'https://app.example.com/done',
    });
    const path = new URL(link.body.redirect_url).pathname;
    const before = await dumpDatabase(t);
    const opens = await Promise.all(Array.from({ length: 10 }, () => http('GET', path)));
    assert.deepEqual(
      opens.map((r) => r.status),
      Array(10).fill(303),
    );
    const pages = await Promise.all(opens.map((o) => http('GET', '/link', o.cookie)));
    assert.deepEqual(
      pages.map((r) => r.status),
      Array(10).fill(200),
    );
    assert.equal(dumpDiff(before, await dumpDatabase(t)), '', 'opening wrote nothing');
    const held = holdUntilAll(t.runtime.store.links, 'bindBrowser', 10);
    let acts: Awaited<ReturnType<typeof http>>[];
    try {
      acts = await Promise.all(pages.map((p, i) => http('POST', '/link/cancel', opens[i].cookie, { csrf: csrfIn(p.text) })));
    } finally {
      held.restore();
    }
    assert.equal(held.arrived(), 10, 'all ten tried to bind at once');
    assert.deepEqual(acts.map((r) => r.status).sort(), [303, ...Array(9).fill(409)]);
    for (const r of acts.filter((x) => x.status === 409)) assert.match(r.text, /another browser/);
    assert.equal((await t.runtime.store.accounts.get(t.projectId, link.body.connected_account_id))?.status, 'FAILED', 'cancelled once, by the winner');
  });

  test('the credential form submitted 8 times at once over real sockets: one consumption, one account, one success, the rest "already used"', async () => {
    const link = await api(t).post('/api/v3.1/connected_accounts/link', {
      auth_config_id: acId,
      user_id: 'submit-race',
      callback_url: 'https://app.example.com/done',
    });
    const opened = await http('GET', new URL(link.body.redirect_url).pathname);
    const page = await http('GET', '/link', opened.cookie);
    // Acting once binds the link to this browser (a form with errors: nothing consumed).
    const bound = await http('POST', '/link/submit', opened.cookie, { csrf: csrfIn(page.text) });
    assert.equal(bound.status, 400);
    assert.notEqual(bound.cookie, opened.cookie);
    const csrf = csrfIn(bound.text);
    const held = holdUntilAll(t.runtime.store.links, 'consume', 8);
    let submits: Awaited<ReturnType<typeof http>>[];
    try {
      submits = await Promise.all(
        Array.from({ length: 8 }, (_, i) => http('POST', '/link/submit', bound.cookie, { csrf, api_key: `race-key-${i}-0123456789` })),
      );
    } finally {
      held.restore();
    }
    assert.equal(held.arrived(), 8, 'all eight reached the consumption at once');
    assert.deepEqual(submits.map((r) => r.status).sort(), [303, ...Array(7).fill(409)]);
    const winner = submits.find((r) => r.status === 303)!;
    assert.equal(new URL(winner.location!).searchParams.get('status'), 'success');
    const row = (await t.runtime.store.accounts.get(t.projectId, link.body.connected_account_id))!;
    assert.equal(row.status, 'ACTIVE');
    const events = await t.runtime.database.db.selectFrom('webhook_events').select('payload').where('type', '=', 'composio.connected_account.active').execute();
    assert.equal(events.filter((e) => JSON.parse(e.payload).data.id === row.id).length, 1, 'activated once');
  });
});
