// Console sign-in and sessions (issue #19): who can sign in, the cookie's
// flags, idle and absolute expiry, revoked keys, sign-out, the operator
// token, the sign-in rate limit, and nothing secret in a response or a log.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.ts';
import { api } from '../helpers/test-app.ts';
import { consoleClient, startConsoleWorld, testClock, type ConsoleWorld } from './helpers.ts';
import { SIGN_IN_PER_MINUTE } from '../../src/console/routes.ts';
import { hashSecret } from '../../src/crypto/tokens.ts';
import { createConsoleSessions } from '../../src/console/sessions.ts';

const OPERATOR = 'op-token-0123456789abcdef0123456789';

forEachBackend('console sign-in and sessions', (backend) => {
  let w: ConsoleWorld;
  const clock = testClock();
  before(async () => {
    w = await startConsoleWorld(backend, { now: clock.now, env: { AUTHLINK_CONSOLE_TOKEN: OPERATOR } });
  });
  after(() => w?.close());

  test('signed out: every page redirects to the sign-in page, which has a labelled password field and no session', async () => {
    const c = consoleClient(w.t);
    for (const url of ['/console', '/console/projects', `/console/projects/${w.t.projectId}/accounts`, `/console/projects/${w.t.projectId}/keys`]) {
      const res = await c.get(url);
      assert.equal(res.status, 303, url);
      assert.equal(res.location, '/console/sign-in');
    }
    const page = await c.get('/console/sign-in');
    assert.equal(page.status, 200);
    assert.match(page.text, /<label for="secret">API key or operator token<\/label>/);
    assert.match(page.text, /<input type="password" id="secret" name="secret" required/);
    assert.match(page.text, /<title>Sign in · authlink console<\/title>/);
    assert.match(String(page.headers['content-security-policy']), /^default-src 'none'; style-src 'self'; .*form-action 'self'; frame-ancestors 'none'/);
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.equal(page.headers['x-frame-options'], 'DENY');
    // A form post without a session changes nothing and leads to the sign-in page.
    const post = await c.post(`/console/projects/${w.t.projectId}/keys`, { name: 'x' });
    assert.equal(post.status, 303);
    assert.equal(post.location, '/console/sign-in');
    assert.equal((await w.t.runtime.store.apiKeys.listByProject(w.t.projectId)).length, 1);
  });

  test('a project key signs in: HttpOnly SameSite=Strict cookie (not Secure over http), session stored hashed, lands on its project', async () => {
    const c = consoleClient(w.t);
    const line = await c.signIn(w.t.apiKey);
    assert.match(line, /^authlink_console=cs_[A-Za-z0-9_-]{32};/);
    assert.match(line, /; HttpOnly/);
    assert.match(line, /; SameSite=Strict/);
    assert.match(line, /; Path=\//);
    assert.match(line, /; Max-Age=43200/);
    assert.doesNotMatch(line, /Secure/);
    const token = c.cookie!.split('=')[1];
    const rows = await w.t.runtime.database.db.selectFrom('console_sessions').selectAll().execute();
    const mine = rows.find((r) => r.token_hash === hashSecret(token));
    assert.ok(mine, 'the session is stored under the hash of its token');
    assert.ok(!rows.some((r) => Object.values(r).includes(token)), 'the token itself is not stored');
    assert.equal(mine.project_id, w.t.projectId);
    const home = await c.get('/console');
    assert.equal(home.location, `/console/projects/${w.t.projectId}`);
    const overview = await c.get(home.location!);
    assert.equal(overview.status, 200);
    assert.match(overview.text, /<h1>Overview<\/h1>/);
    // The project key cannot open the operator's project picker: it is sent to its own project.
    assert.equal((await c.get('/console/projects')).location, `/console/projects/${w.t.projectId}`);
  });

  test('a wrong key, a malformed secret or an empty form: 401 with the form again, no cookie, the secret not echoed', async () => {
    for (const secret of ['ak_wrongwrongwrongwrongwrong', 'not-a-key', '', 'x'.repeat(600)]) {
      const c = consoleClient(w.t);
      const res = await c.post('/console/sign-in', { secret });
      assert.equal(res.status, 401, secret);
      assert.match(res.text, /That API key or operator token is not valid/);
      assert.equal(res.headers['set-cookie'], undefined);
      if (secret) assert.ok(!res.text.includes(secret), 'the secret is not echoed');
    }
  });

  test('the operator token signs in to every project; a wrong one is refused', async () => {
    const other = await w.t.otherProject();
    const c = consoleClient(w.t);
    await c.signIn(OPERATOR);
    assert.equal((await c.get('/console')).location, '/console/projects');
    const picker = await c.get('/console/projects');
    assert.equal(picker.status, 200);
    assert.match(picker.text, new RegExp(`href="/console/projects/${other.projectId}"`));
    assert.match(picker.text, new RegExp(`href="/console/projects/${w.t.projectId}"`));
    assert.equal((await c.get(`/console/projects/${other.projectId}/accounts`)).status, 200);
    assert.equal((await consoleClient(w.t).post('/console/sign-in', { secret: `${OPERATOR}x` })).status, 401);
  });

  test('changing or unsetting AUTHLINK_CONSOLE_TOKEN ends the operator sessions made with the old token', async () => {
    const deps = { store: w.t.runtime.store, apiKeys: w.t.app.services.apiKeys, now: () => new Date() };
    const before = createConsoleSessions({ ...deps, operatorToken: OPERATOR });
    const signedIn = await before.signIn(OPERATOR);
    assert.ok(signedIn);
    assert.deepEqual((await before.resume(signedIn.cookie))?.actor, { kind: 'operator' });
    const rotated = createConsoleSessions({ ...deps, operatorToken: `${OPERATOR}-rotated` });
    assert.equal(await rotated.resume(signedIn.cookie), undefined, 'another token');
    assert.equal(await createConsoleSessions({ ...deps }).resume(signedIn.cookie), undefined, 'no token');
    assert.equal(await createConsoleSessions({ ...deps }).signIn(''), undefined);
  });

  test('idle expiry: 30 minutes without a request ends the session; activity keeps it alive until the absolute expiry (12 h)', async () => {
    const c = consoleClient(w.t);
    await c.signIn(w.t.apiKey);
    const page = `/console/projects/${w.t.projectId}`;
    // Active every 20 minutes: alive past 30 minutes, up to the absolute limit.
    for (let i = 0; i < 3; i++) {
      clock.advance(20 * 60);
      assert.equal((await c.get(page)).status, 200, `after ${(i + 1) * 20} min`);
    }
    clock.advance(31 * 60);
    const idle = await c.get(page);
    assert.equal(idle.status, 303, 'idle for 31 minutes: signed out');
    assert.equal(idle.location, '/console/sign-in');
    assert.equal(c.cookie, undefined, 'the stale cookie is cleared');

    const d = consoleClient(w.t);
    await d.signIn(w.t.apiKey);
    for (let minutes = 0; minutes < 12 * 60 - 25; minutes += 25) {
      clock.advance(25 * 60);
      assert.equal((await d.get(page)).status, 200, `active, ${minutes + 25} min`);
    }
    clock.advance(30 * 60);
    assert.equal((await d.get(page)).status, 303, 'past 12 hours: signed out even though active');
    // The next sign-in removes the rows of sessions that can no longer be used.
    const live = await consoleClient(w.t).signIn(w.t.apiKey);
    assert.ok(live);
    const rows = await w.t.runtime.database.db.selectFrom('console_sessions').selectAll().execute();
    const idleSince = new Date(clock.now().getTime() - 30 * 60_000).toISOString();
    assert.deepEqual(
      rows.filter((r) => r.expires_at <= clock.now().toISOString() || r.last_seen_at <= idleSince),
      [],
    );
    assert.ok(rows.length >= 1);
  });

  test('a key revoked elsewhere (the CLI, another process) ends its console sessions at once', async () => {
    const created = await w.t.app.services.apiKeys.create(w.t.projectId, 'temp', new Date());
    const c = consoleClient(w.t);
    await c.signIn(created.apiKey);
    const page = `/console/projects/${w.t.projectId}/accounts`;
    assert.equal((await c.get(page)).status, 200);
    // Through the store only (as the CLI or another process would): no cache in this process was told.
    await w.t.runtime.store.apiKeys.revoke(created.record.id, new Date().toISOString());
    const res = await c.get(page);
    assert.equal(res.status, 303);
    assert.equal(res.location, '/console/sign-in');
    assert.equal((await consoleClient(w.t).post('/console/sign-in', { secret: created.apiKey })).status, 401, 'a revoked key cannot sign in');
  });

  test('sign-out needs the form token, deletes the session server-side and clears the cookie', async () => {
    const c = consoleClient(w.t);
    await c.signIn(w.t.apiKey);
    const cookie = c.cookie!;
    const refused = await c.post('/console/sign-out', {});
    assert.equal(refused.status, 403);
    assert.equal(c.cookie, cookie, 'still signed in');
    const out = await c.post('/console/sign-out', { csrf: await c.csrf() });
    assert.equal(out.status, 303);
    assert.equal(out.location, '/console/sign-in?signed_out=1');
    assert.equal(c.cookie, undefined);
    // Replaying the old cookie does not work: the session is gone from the store.
    const replay = await w.t.app.inject({ method: 'GET', url: `/console/projects/${w.t.projectId}`, headers: { cookie } });
    assert.equal(replay.statusCode, 303);
    const token = cookie.split('=')[1];
    const row = await w.t.runtime.database.db.selectFrom('console_sessions').selectAll().where('token_hash', '=', hashSecret(token)).executeTakeFirst();
    assert.equal(row, undefined);
  });

  test('a form post from another origin is refused before anything happens (sign-in included)', async () => {
    const c = consoleClient(w.t);
    const res = await c.post('/console/sign-in', { secret: w.t.apiKey }, { origin: 'https://evil.example' });
    assert.equal(res.status, 403);
    assert.equal(c.cookie, undefined);
    for (const headers of [{ 'sec-fetch-site': 'cross-site' }, { 'sec-fetch-site': 'same-site', origin: 'null' }] as Record<string, string>[]) {
      assert.equal((await c.post('/console/sign-in', { secret: w.t.apiKey }, headers)).status, 403, JSON.stringify(headers));
    }
    assert.equal(c.cookie, undefined);
    // The same origin (as Origin, or as Sec-Fetch-Site under the no-referrer policy, where Origin is "null") is accepted.
    for (const headers of [{ origin: new URL(w.t.config.publicUrl).origin }, { 'sec-fetch-site': 'same-origin', origin: 'null' }] as Record<string, string>[]) {
      assert.equal((await c.post('/console/sign-in', { secret: w.t.apiKey }, headers)).status, 303, JSON.stringify(headers));
    }
    // A signed-in form post from another site is refused too, and changes nothing.
    const csrf = await c.csrf();
    const keys = (await w.t.runtime.store.apiKeys.listByProject(w.t.projectId)).length;
    const cross = await c.post(`/console/projects/${w.t.projectId}/keys`, { csrf, name: 'cross' }, { 'sec-fetch-site': 'cross-site' });
    assert.equal(cross.status, 403);
    assert.equal((await w.t.runtime.store.apiKeys.listByProject(w.t.projectId)).length, keys);
  });

  test('no secret in any response body or log line: not the API key, not the session token, not the operator token', async () => {
    const c = consoleClient(w.t);
    await c.signIn(w.t.apiKey);
    await consoleClient(w.t).signIn(OPERATOR);
    const token = c.cookie!.split('=')[1];
    const bodies: string[] = [];
    for (const url of [
      '/console',
      `/console/projects/${w.t.projectId}`,
      `/console/projects/${w.t.projectId}/accounts`,
      `/console/projects/${w.t.projectId}/keys`,
      `/console/projects/${w.t.projectId}/audit`,
    ])
      bodies.push((await c.get(url)).text);
    for (const text of [...bodies, w.t.logs.join('\n')]) {
      assert.ok(!text.includes(w.t.apiKey));
      assert.ok(!text.includes(token));
      assert.ok(!text.includes(OPERATOR));
    }
  });
});

forEachBackend('console sign-in: operator token unset, https, rate limit', (backend) => {
  let w: ConsoleWorld;
  before(async () => {
    w = await startConsoleWorld(backend, { env: { AUTHLINK_PUBLIC_URL: 'https://auth.example.com' } });
  });
  after(() => w?.close());

  test('without AUTHLINK_CONSOLE_TOKEN operator sign-in is off, whatever is presented', async () => {
    const page = await consoleClient(w.t).get('/console/sign-in');
    assert.match(page.text, /Paste a project API key \(ak_…\)\./);
    for (const secret of ['', 'undefined', 'op-token-0123456789abcdef0123456789']) {
      const res = await consoleClient(w.t).post('/console/sign-in', { secret });
      assert.equal(res.status, 401);
      assert.match(res.text, /That API key is not valid/);
    }
  });

  test('behind https the cookie is __Host- and Secure', async () => {
    const res = await w.t.app.inject({
      method: 'POST',
      url: '/console/sign-in',
      payload: `secret=${encodeURIComponent(w.t.apiKey)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(res.statusCode, 303);
    const line = String(res.headers['set-cookie']);
    assert.match(line, /^__Host-authlink_console=cs_[A-Za-z0-9_-]{32};/);
    assert.match(line, /; Secure/);
    assert.match(line, /; HttpOnly/);
    assert.match(line, /; SameSite=Strict/);
    assert.match(line, /; Path=\//);
    assert.doesNotMatch(line, /Domain=/i);
  });

  test(`sign-in is rate-limited: ${SIGN_IN_PER_MINUTE} attempts a minute per address, then 429 (even with a valid key)`, async () => {
    const ip = '127.0.99.1';
    for (let i = 0; i < SIGN_IN_PER_MINUTE; i++) {
      const res = await consoleClient(w.t, { ip }).post('/console/sign-in', { secret: `ak_wrong${i}wrongwrongwrongwrong` });
      assert.equal(res.status, 401, `attempt ${i + 1}`);
    }
    const limited = await consoleClient(w.t, { ip }).post('/console/sign-in', { secret: w.t.apiKey });
    assert.equal(limited.status, 429);
    assert.match(limited.text, /Too many sign-in attempts/);
    assert.equal(limited.headers['set-cookie'], undefined);
    assert.match(String(limited.headers['content-type']), /^text\/html/);
    // The API's own limit is separate: the key still works there.
    assert.equal((await api(w.t).get('/api/v3.1/project/settings')).status, 200);
    // Another address is not limited.
    assert.equal((await consoleClient(w.t).post('/console/sign-in', { secret: w.t.apiKey })).status, 303);
  });
});
