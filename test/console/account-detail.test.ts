// Account detail additions (issue #19): requested vs granted scopes, the
// account's event timeline from the webhook outbox, and "copy a reconnect
// link" through the same service as POST /connected_accounts/{id}/refresh
// with redirect_url (callback URL rules, shown once, audited without the
// link, refused without the form token or for another project's account).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.ts';
import { api } from '../helpers/test-app.ts';
import { consoleClient, csrfIn, startConsoleWorld, type ConsoleClient, type ConsoleWorld } from './helpers.ts';
import { updateProjectSettings } from '../../src/services/project-settings.ts';

const XSS = '<script>alert(1)</script>';

forEachBackend('console: account detail', (backend) => {
  let w: ConsoleWorld;
  let c: ConsoleClient;
  let base: string;

  before(async () => {
    w = await startConsoleWorld(backend);
    c = consoleClient(w.t);
    await c.signIn(w.t.apiKey);
    base = `/console/projects/${w.t.projectId}`;
    const sub = await api(w.t).post('/api/v3.1/webhook_subscriptions', { webhook_url: 'https://hooks.example.com/x', enabled_events: ['*'] });
    assert.equal(sub.status, 201);
  });
  after(() => w?.close());

  const db = () => w.t.runtime.database.db;
  const links = async (accountId: string) =>
    (await db().selectFrom('link_sessions').selectAll().where('connected_account_id', '=', accountId).execute()).length;

  test('accounts list: filter by alias (any case), alone or with the user id; the typed alias is escaped back into the form', async () => {
    const work = await w.account('alias-user', 'sk_alias_work_abcdefghijklmnop', { alias: 'Work' });
    const home = await w.account('alias-user', 'sk_alias_home_abcdefghijklmnop', { alias: 'home' });
    const otherUsers = await w.account('alias-other', 'sk_alias_other_abcdefghijklmnop', { alias: 'work' });
    const byAlias = await c.get(`${base}/accounts?alias=work`);
    assert.equal(byAlias.status, 200);
    assert.match(byAlias.text, /2 matching account\(s\)/);
    for (const id of [work, otherUsers]) assert.ok(byAlias.text.includes(`/accounts/${id}"`), id);
    assert.ok(!byAlias.text.includes(`/accounts/${home}"`));
    const both = await c.get(`${base}/accounts?alias=WORK&user_id=alias-user`);
    assert.match(both.text, /1 matching account\(s\)/);
    assert.ok(both.text.includes(`/accounts/${work}"`));
    const none = await c.get(`${base}/accounts?alias=${encodeURIComponent(XSS)}`);
    assert.equal(none.status, 200);
    assert.match(none.text, /No connected account matches these filters/);
    assert.ok(!none.text.includes('<script>'));
    assert.match(none.text, /id="f-alias" name="alias" value="&lt;script&gt;/);
  });

  test('requested vs granted scopes: each one not granted (or not requested) is marked', async () => {
    const id = await w.account('scoped-user', 'sk_scopes_abcdefghijklmnop');
    const before = await c.get(`${base}/accounts/${id}`);
    assert.ok(!before.text.includes('id="scopes"'), 'no scopes panel for an account without scopes');
    await db()
      .updateTable('connected_accounts')
      .set({ requested_scopes: JSON.stringify(['repo', 'read:org', XSS]), granted_scopes: JSON.stringify(['repo', 'gist']) })
      .where('id', '=', id)
      .execute();
    const res = await c.get(`${base}/accounts/${id}`);
    assert.equal(res.status, 200);
    assert.match(
      res.text,
      /<dt>Requested<\/dt><dd><ul class="scopes"><li><code>repo<\/code><\/li><li><code>read:org<\/code> <span class="badge st-FAILED">not granted<\/span><\/li>/,
    );
    assert.match(
      res.text,
      /<dt>Granted<\/dt><dd><ul class="scopes"><li><code>repo<\/code><\/li><li><code>gist<\/code> <span class="badge st-FAILED">not requested<\/span>/,
    );
    assert.ok(!res.text.includes('<script>'));
    assert.ok(res.text.includes('<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>'));
    assert.ok(res.text.includes(`href="${base}/auth-configs/${w.acId}"`), 'links to its auth config');
  });

  test('the event timeline: this account’s outbox events with status, reason and details; not another account’s', async () => {
    const id = await w.account('timeline-user', 'sk_timeline_abcdefghijklmnop');
    const other = await w.account('someone-else', 'sk_other_abcdefghijklmnop');
    const csrf = await c.csrf(`${base}/accounts/${id}`);
    assert.equal((await c.post(`${base}/accounts/${id}/disable`, { csrf })).status, 303);
    const res = await c.get(`${base}/accounts/${id}`);
    assert.equal(res.status, 200);
    const timeline = res.text.slice(res.text.indexOf('id="events"'), res.text.indexOf('id="history"'));
    const types = [...timeline.matchAll(/<td><code>(composio\.[a-z_.]+)<\/code><\/td>/g)].map((m) => m[1]);
    assert.deepEqual(types, ['composio.connected_account.disabled', 'composio.connected_account.active']);
    assert.ok(!timeline.includes(other), 'another account’s events are not shown');
    assert.ok(!timeline.includes('sk_timeline_abcdefghijklmnop'));

    // An account whose events are gone (or never were stored) says so.
    const noEvents = await w.account('quiet-user', 'sk_quiet_abcdefghijklmnop');
    const events = await db().selectFrom('webhook_events').select('id').where('payload', 'like', `%${noEvents}%`).execute();
    assert.ok(events.length > 0);
    const ids = events.map((e) => e.id);
    await db().deleteFrom('webhook_deliveries').where('event_id', 'in', ids).execute();
    await db().deleteFrom('webhook_events').where('id', 'in', ids).execute();
    const quiet = await c.get(`${base}/accounts/${noEvents}`);
    assert.match(quiet.text, /No stored event about this account/);
  });

  test('reconnect link: checked by the callback URL rules (refusal on the form, no link made); then shown once, working, audited without the link', async () => {
    const id = await w.account('reconnect-user', 'sk_reconnect_abcdefghijklmnop');
    await db()
      .updateTable('connected_accounts')
      .set({ status: 'EXPIRED', status_reason: `expired ${XSS}` })
      .where('id', '=', id)
      .execute();
    const page = await c.get(`${base}/accounts/${id}`);
    assert.match(page.text, /<label for="reconnect-redirect">/);
    const csrf = csrfIn(page.text);

    const bad = await c.post(`${base}/accounts/${id}/reconnect-link`, { csrf, redirect_url: 'javascript:alert(1)' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /role="alert">redirect_url must use http or https|role="alert">callback_url must use http or https/);
    assert.match(bad.text, /value="javascript:alert\(1\)"/, 'what was typed is kept (escaped)');
    assert.equal(await links(id), 0);
    const empty = await c.post(`${base}/accounts/${id}/reconnect-link`, { csrf, redirect_url: '' });
    assert.equal(empty.status, 400);
    assert.equal(await links(id), 0);

    await updateProjectSettings(w.t.runtime.store, w.t.projectId, { callback_url_allowlist: ['https://app.example.com/done'] }, new Date(), { via: 'cli' });
    const notAllowed = await c.post(`${base}/accounts/${id}/reconnect-link`, { csrf, redirect_url: 'https://evil.example.com/' });
    assert.equal(notAllowed.status, 400);
    assert.match(notAllowed.text, /not on this project&#39;s callback URL allowlist/);
    assert.equal(await links(id), 0);

    const ok = await c.post(`${base}/accounts/${id}/reconnect-link`, { csrf, redirect_url: 'https://app.example.com/done' });
    assert.equal(ok.status, 201, ok.text.slice(0, 400));
    assert.equal(ok.headers['cache-control'], 'no-store');
    const url = /id="reconnect-url" class="secret" value="([^"]+)" readonly/.exec(ok.text)?.[1] ?? '';
    assert.ok(url?.startsWith(`${w.t.config.publicUrl}/link/`), url);
    assert.equal(await links(id), 1);
    const row = await db().selectFrom('link_sessions').selectAll().where('connected_account_id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.reconnect, 1);
    assert.equal(row.callback_url, 'https://app.example.com/done');
    // The link works: it opens the hosted page.
    const open = await w.t.app.inject({ method: 'GET', url: new URL(url).pathname });
    assert.equal(open.statusCode, 303);
    // Shown once: the account page does not show it again.
    const again = await c.get(`${base}/accounts/${id}`);
    assert.ok(!again.text.includes(url));
    const entry = (await w.t.runtime.store.audit.list(w.t.projectId)).find((e) => e.action === 'connected_account.reconnect_link_created');
    assert.equal(entry?.target_id, id);
    assert.ok(!(entry?.details ?? '').includes(new URL(url).pathname.split('/').pop()!), 'the link token is not audited');
    assert.match(entry?.details ?? '', /"redirect_url":"https:\/\/app\.example\.com\/done"/);
    await updateProjectSettings(w.t.runtime.store, w.t.projectId, { callback_url_allowlist: [] }, new Date(), { via: 'cli' });
  });

  test('reconnect link: an account whose auth config is disabled is refused on the form (422), no link made', async () => {
    const ac = await w.authConfig(w.t.apiKey);
    const id = await w.account('disabled-ac-user', 'sk_dis_abcdefghijklmnop', { acId: ac });
    assert.equal((await api(w.t).patch(`/api/v3.1/auth_configs/${ac}/DISABLED`, {})).status, 200);
    const csrf = await c.csrf(`${base}/accounts/${id}`);
    const res = await c.post(`${base}/accounts/${id}/reconnect-link`, { csrf, redirect_url: 'https://app.example.com/done' });
    assert.equal(res.status, 422);
    assert.match(res.text, new RegExp(`role="alert">Auth config ${ac} is disabled`));
    assert.equal(await links(id), 0);
  });

  test('reconnect link: no form token or a wrong one, or another project’s account: refused, no link made, nothing audited', async () => {
    const id = await w.account('csrf-user', 'sk_csrf_abcdefghijklmnop');
    const auditBefore = (await w.t.runtime.store.audit.list(w.t.projectId)).length;
    for (const token of [undefined, 'wrong']) {
      const res = await c.post(`${base}/accounts/${id}/reconnect-link`, { redirect_url: 'https://app.example.com/done', ...(token ? { csrf: token } : {}) });
      assert.equal(res.status, 403);
    }
    assert.equal(await links(id), 0);
    const other = await w.t.otherProject();
    const otherAc = await w.authConfig(other.apiKey);
    const theirs = await w.account('their-user', 'sk_their_abcdefghijklmnop', { apiKey: other.apiKey, acId: otherAc });
    const csrf = await c.csrf(`${base}/accounts/${id}`);
    for (const url of [`${base}/accounts/${theirs}/reconnect-link`, `/console/projects/${other.projectId}/accounts/${theirs}/reconnect-link`]) {
      const res = await c.post(url, { csrf, redirect_url: 'https://app.example.com/done' });
      assert.equal(res.status, 404, url);
      assert.ok(!res.text.includes('their-user'));
    }
    assert.equal(await links(theirs), 0);
    assert.equal((await w.t.runtime.store.audit.list(w.t.projectId)).length, auditBefore);
    assert.equal((await w.t.runtime.store.audit.list(other.projectId)).length, 0);
  });
});
