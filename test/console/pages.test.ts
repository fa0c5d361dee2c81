// The console's pages and forms (issue #19): what each page shows, that
// every user-supplied value is escaped, that credentials stay masked, that
// the forms change things through the same services as the API and leave an
// audit entry, and that a missing or wrong form token or bad input changes
// nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.ts';
import { api } from '../helpers/test-app.ts';
import { consoleClient, csrfIn, startConsoleWorld, type ConsoleClient, type ConsoleWorld } from './helpers.ts';
import { updateProjectSettings } from '../../src/services/project-settings.ts';
import { newId } from '../../src/crypto/tokens.ts';

const XSS = '<script>alert(1)</script>';
const ATTR = '"><img src=x onerror=alert(1)>';
const SECRET = 'sk_live_VERYSECRET_abcdefghijklmnop';

forEachBackend('console pages', (backend) => {
  let w: ConsoleWorld;
  let c: ConsoleClient;
  let base: string;
  let keyId: string;

  before(async () => {
    w = await startConsoleWorld(backend);
    c = consoleClient(w.t);
    await c.signIn(w.t.apiKey);
    base = `/console/projects/${w.t.projectId}`;
    keyId = (await w.t.runtime.store.apiKeys.listByProject(w.t.projectId))[0].id;
  });
  after(() => w?.close());

  const store = () => w.t.runtime.store;

  /** Projects have no rename; a settings write afterwards drops the cached row. */
  async function renameProject(name: string) {
    await w.t.runtime.database.db.updateTable('projects').set({ name }).where('id', '=', w.t.projectId).execute();
    const p = await w.t.runtime.database.db.selectFrom('projects').select('settings').where('id', '=', w.t.projectId).executeTakeFirstOrThrow();
    await store().projects.updateSettings(w.t.projectId, JSON.parse(p.settings), new Date().toISOString());
  }

  test('every page escapes user-supplied values (user id, alias, status reason, key name, project name)', async () => {
    await renameProject(`Proj ${XSS}`);
    const id = await w.account(XSS, SECRET, { alias: ATTR });
    await store().accounts.update(w.t.projectId, id, { status: 'FAILED', status_reason: `refresh said ${XSS}` });
    const csrf = await c.csrf(`${base}/keys`);
    assert.equal((await c.post(`${base}/keys`, { csrf, name: `key ${XSS}` })).status, 201);
    const pages = [
      base,
      `${base}/accounts`,
      `${base}/accounts?user_id=${encodeURIComponent(XSS)}&toolkit=${encodeURIComponent(ATTR)}`,
      `${base}/accounts/${id}`,
      `${base}/keys`,
      `${base}/audit`,
    ];
    for (const url of pages) {
      const res = await c.get(url);
      assert.equal(res.status, 200, url);
      assert.ok(!res.text.includes('<script>'), `${url}: raw <script>`);
      assert.ok(!res.text.includes('<img'), `${url}: raw <img>`);
      assert.ok(res.text.includes('&lt;script&gt;'), `${url}: the escaped value is shown`);
    }
    const detail = await c.get(`${base}/accounts/${id}`);
    assert.ok(detail.text.includes('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;'), 'the alias, escaped');
    assert.ok(detail.text.includes('refresh said &lt;script&gt;'), 'the status reason, escaped');
    assert.ok(detail.text.includes('<strong>Proj &lt;script&gt;alert(1)&lt;/script&gt;</strong>'), 'the project name, escaped');
    await store().accounts.update(w.t.projectId, id, { deleted_at: new Date().toISOString() });
    await renameProject('Test Project');
  });

  test('account detail: status, reason, toolkit, user id, alias, times, masked credentials (also when the project allows reveal); no reveal is audited', async () => {
    await updateProjectSettings(store(), w.t.projectId, { allow_credential_reveal: true }, new Date(), { via: 'cli' });
    const id = await w.account('detail-user', SECRET, { alias: 'work' });
    await store().accounts.update(w.t.projectId, id, {
      status: 'EXPIRED',
      status_reason: 'The provider rejected the refresh token (invalid_grant): the user must connect again',
    });
    const auditBefore = await store().audit.list(w.t.projectId);
    const res = await c.get(`${base}/accounts/${id}`);
    assert.equal(res.status, 200);
    assert.match(res.text, /<title>Account detail-user · Test Project · authlink console<\/title>/);
    assert.match(res.text, /<span class="badge st-EXPIRED">EXPIRED<\/span>/);
    assert.match(res.text, /The provider rejected the refresh token \(invalid_grant\)/);
    assert.match(res.text, /<dt>Toolkit<\/dt><dd>echoapi<\/dd>/);
    assert.match(res.text, /<dt>Alias<\/dt><dd>work<\/dd>/);
    assert.match(res.text, /<dt>api_key<\/dt><dd><code>\*\*\*\*\*\*\*\*mnop<\/code><\/dd>/);
    assert.match(res.text, /<dt>workspace<\/dt><dd><code>ws-visible<\/code><\/dd>/);
    assert.ok(!res.text.includes(SECRET), 'the secret is never in clear');
    assert.ok(!res.text.includes('VERYSECRET'));
    assert.deepEqual(await store().audit.list(w.t.projectId), auditBefore, 'nothing was revealed, so nothing to audit');
    // The API would reveal it (the project allows it): the console does not.
    assert.equal((await api(w.t).get(`/api/v3.1/connected_accounts/${id}`)).body.state.val.api_key, SECRET);
    await updateProjectSettings(store(), w.t.projectId, { allow_credential_reveal: false }, new Date(), { via: 'cli' });
    // The overview lists it among recent failures, with its reason.
    const overview = await c.get(base);
    assert.match(
      overview.text,
      /detail-user<\/a><\/td><td>echoapi<\/td><td><span class="badge st-EXPIRED">EXPIRED<\/span><\/td><td>The provider rejected the refresh token/,
    );
  });

  test('disable then enable: through the account service (webhook-visible state), each recorded in the audit log with the key and request', async () => {
    const id = await w.account('toggle-user', SECRET);
    const csrf = await c.csrf(`${base}/accounts/${id}`);
    const off = await c.post(`${base}/accounts/${id}/disable`, { csrf });
    assert.equal(off.status, 303);
    assert.equal(off.location, `${base}/accounts/${id}?done=disabled`);
    assert.equal((await store().accounts.get(w.t.projectId, id))!.is_disabled, 1);
    assert.equal((await api(w.t).get(`/api/v3.1/connected_accounts/${id}`)).body.is_disabled, true);
    const page = await c.get(off.location!);
    assert.match(page.text, /<p class="notice" role="status">The account is disabled.<\/p>/);
    assert.match(page.text, /<span class="badge st-DISABLED">DISABLED<\/span>/);
    assert.match(page.text, /\/enable"><input type="hidden" name="csrf" value="[^"]+"><button type="submit">Enable<\/button>/);
    const on = await c.post(`${base}/accounts/${id}/enable`, { csrf });
    assert.equal(on.status, 303);
    assert.equal((await store().accounts.get(w.t.projectId, id))!.is_disabled, 0);
    const entries = (await store().audit.list(w.t.projectId)).filter((e) => e.target_id === id);
    assert.deepEqual(
      entries.map((e) => [e.action, e.api_key_id, JSON.parse(e.details!)]),
      [
        ['connected_account.enabled', keyId, { via: 'console', by: 'api_key' }],
        ['connected_account.disabled', keyId, { via: 'console', by: 'api_key' }],
      ],
    );
    assert.ok(entries.every((e) => typeof e.request_id === 'string' && e.request_id.startsWith('req_')));
    // The detail page shows its audit entries.
    assert.match((await c.get(`${base}/accounts/${id}`)).text, /connected_account\.disabled/);
  });

  test('a missing or wrong form token: 403, and nothing changes (disable, delete, create key, revoke key)', async () => {
    const id = await w.account('csrf-user', SECRET);
    const other = consoleClient(w.t);
    await other.signIn(w.t.apiKey);
    const foreignCsrf = await other.csrf(); // a valid token, of another session
    const keysBefore = await store().apiKeys.listByProject(w.t.projectId);
    const accountBefore = await store().accounts.get(w.t.projectId, id);
    const auditBefore = await store().audit.list(w.t.projectId);
    for (const csrf of [undefined, '', 'wrong', foreignCsrf]) {
      const form = (extra: Record<string, string>) => (csrf === undefined ? extra : { csrf, ...extra });
      for (const [url, body] of [
        [`${base}/accounts/${id}/disable`, form({})],
        [`${base}/accounts/${id}/delete`, form({ confirm: 'yes' })],
        [`${base}/keys`, form({ name: 'csrf key' })],
        [`${base}/keys/${keyId}/revoke`, form({})],
      ] as const) {
        const res = await c.post(url, body);
        assert.equal(res.status, 403, `${url} csrf=${csrf}`);
        assert.match(res.text, /This form expired or did not come from this console. Nothing was changed./);
      }
    }
    assert.deepEqual(await store().apiKeys.listByProject(w.t.projectId), keysBefore);
    assert.deepEqual(await store().accounts.get(w.t.projectId, id), accountBefore);
    assert.deepEqual(await store().audit.list(w.t.projectId), auditBefore);
  });

  test('delete needs the confirmation box (400, nothing changes); confirmed, the account is deleted and audited', async () => {
    const id = await w.account('delete-user', SECRET);
    const csrf = await c.csrf(`${base}/accounts/${id}`);
    const refused = await c.post(`${base}/accounts/${id}/delete`, { csrf });
    assert.equal(refused.status, 400);
    assert.match(refused.text, /Tick the box that confirms the deletion/);
    assert.ok(await store().accounts.get(w.t.projectId, id));
    const done = await c.post(`${base}/accounts/${id}/delete`, { csrf, confirm: 'yes' });
    assert.equal(done.status, 303);
    assert.equal(done.location, `${base}/accounts?done=deleted`);
    assert.equal(await store().accounts.get(w.t.projectId, id), undefined);
    assert.equal((await api(w.t).get(`/api/v3.1/connected_accounts/${id}`)).status, 404);
    assert.equal((await c.get(`${base}/accounts/${id}`)).status, 404);
    const entry = (await store().audit.list(w.t.projectId)).find((e) => e.target_id === id);
    assert.equal(entry?.action, 'connected_account.deleted');
    assert.match((await c.get(done.location!)).text, /The account was deleted./);
  });

  test('API keys: create shows the key once (and it works), a bad name is refused, revoke stops it; both audited', async () => {
    const csrf = await c.csrf(`${base}/keys`);
    const bad = await c.post(`${base}/keys`, { csrf, name: '   ' });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /Give the key a name of 1 to 100 characters./);
    assert.equal((await c.post(`${base}/keys`, { csrf, name: 'x'.repeat(101) })).status, 400);
    const count = (await store().apiKeys.listByProject(w.t.projectId)).length;
    const created = await c.post(`${base}/keys`, { csrf, name: 'ci' });
    assert.equal(created.status, 201);
    assert.equal(created.headers['cache-control'], 'no-store');
    const key = /<code class="secret" id="new-key-value">(ak_[A-Za-z0-9_-]+)<\/code>/.exec(created.text)?.[1];
    assert.ok(key, 'the new key is on the page');
    assert.match(created.text, /shown only once/);
    const keys = await store().apiKeys.listByProject(w.t.projectId);
    assert.equal(keys.length, count + 1);
    const record = keys.find((k) => k.name === 'ci')!;
    assert.equal((await api(w.t, key).get('/api/v3.1/project/settings')).status, 200, 'the new key works');
    const list = await c.get(`${base}/keys`);
    assert.ok(!list.text.includes(key), 'the list never shows it again');
    assert.match(list.text, new RegExp(`<code>${record.key_prefix}…</code>`));
    const revoked = await c.post(`${base}/keys/${record.id}/revoke`, { csrf });
    assert.equal(revoked.status, 303);
    assert.equal(revoked.location, `${base}/keys?done=revoked`);
    assert.equal((await api(w.t, key).get('/api/v3.1/project/settings')).status, 401, 'revoked at once');
    assert.match((await c.get(revoked.location!)).text, /<span class="badge st-REVOKED">REVOKED<\/span>/);
    // Revoking again is not an error and adds no second entry.
    assert.equal((await c.post(`${base}/keys/${record.id}/revoke`, { csrf })).status, 303);
    const audit = (await store().audit.list(w.t.projectId)).filter((e) => e.target_id === record.id);
    assert.deepEqual(
      audit.map((e) => e.action),
      ['api_key.revoked', 'api_key.created'],
    );
    assert.equal(JSON.parse(audit[1].details!).name, 'ci');
  });

  test('revoking the key this session signed in with signs it out', async () => {
    const created = await w.t.app.services.apiKeys.create(w.t.projectId, 'self', new Date());
    const d = consoleClient(w.t);
    await d.signIn(created.apiKey);
    const csrf = await d.csrf(`${base}/keys`);
    assert.match((await d.get(`${base}/keys`)).text, /self <span class="muted">\(this session\)<\/span>/);
    assert.equal((await d.post(`${base}/keys/${created.record.id}/revoke`, { csrf })).status, 303);
    const next = await d.get(`${base}/keys`);
    assert.equal(next.status, 303);
    assert.equal(next.location, '/console/sign-in');
  });

  test('accounts list: filters by user id, toolkit and status, pages of 25 with a next link; bad filters are a clear 400', async () => {
    for (let i = 0; i < 27; i++) await w.account(`pager-${String(i).padStart(2, '0')}`, SECRET);
    const byUser = await c.get(`${base}/accounts?user_id=pager-03`);
    assert.match(byUser.text, /1 matching account\(s\)/);
    assert.match(byUser.text, /value="pager-03"/);
    assert.equal((byUser.text.match(/<tr>\n<td><a href=/g) ?? []).length, 1);
    assert.match((await c.get(`${base}/accounts?toolkit=github`)).text, /No connected account matches these filters/);
    assert.match((await c.get(`${base}/accounts?status=REVOKED`)).text, /No connected account matches these filters/);
    const active = await c.get(`${base}/accounts?status=ACTIVE&toolkit=ECHOAPI`);
    assert.match(active.text, /<option value="ACTIVE" selected>/);
    const first = await c.get(`${base}/accounts?toolkit=echoapi`);
    assert.equal((first.text.match(/<tr>\n<td><a href=/g) ?? []).length, 25);
    const next = /<a href="([^"]+)" rel="next">Next page<\/a>/.exec(first.text)?.[1].replaceAll('&amp;', '&');
    assert.ok(next, 'a next page link');
    assert.match(next, /toolkit=echoapi/, 'the filters are kept');
    const second = await c.get(next);
    assert.equal(second.status, 200);
    assert.ok((second.text.match(/<tr>\n<td><a href=/g) ?? []).length >= 2);
    assert.match(second.text, /First page<\/a>/);
    for (const url of [
      `${base}/accounts?status=NOPE`,
      `${base}/accounts?cursor=garbage`,
      `${base}/accounts?user_id=${'u'.repeat(300)}`,
      `${base}/audit?cursor=garbage`,
    ]) {
      const res = await c.get(url);
      assert.equal(res.status, 400, url);
      assert.match(res.text, /<h1>Request refused<\/h1>/);
    }
  });

  test('audit log: newest first, 25 a page, with the operator shown as such', async () => {
    const t0 = Date.parse('2030-01-01T00:00:00Z');
    for (let i = 0; i < 30; i++) {
      await store().audit.insert({
        id: newId('aud'),
        project_id: w.t.projectId,
        api_key_id: null,
        action: `test.action_${String(i).padStart(2, '0')}`,
        target_id: 'target',
        request_id: null,
        created_at: new Date(t0 + i * 1000).toISOString(),
        details: null,
      });
    }
    const first = await c.get(`${base}/audit`);
    assert.equal(first.status, 200);
    const actions = [...first.text.matchAll(/<code>(test\.action_\d+)<\/code>/g)].map((m) => m[1]);
    assert.deepEqual(
      actions,
      Array.from({ length: 25 }, (_, i) => `test.action_${String(29 - i).padStart(2, '0')}`),
    );
    assert.match(first.text, /<span class="muted">operator<\/span>/);
    const next = /<a href="([^"]+)" rel="next">/.exec(first.text)?.[1].replaceAll('&amp;', '&');
    assert.ok(next);
    const second = await c.get(next);
    const rest = [...second.text.matchAll(/<code>(test\.action_\d+)<\/code>/g)].map((m) => m[1]);
    assert.deepEqual(rest, ['test.action_04', 'test.action_03', 'test.action_02', 'test.action_01', 'test.action_00']);
  });

  test('pages are usable without scripts: a skip link, one h1, labelled inputs, the stylesheet served same-origin', async () => {
    const id = await w.account('a11y-user', SECRET);
    for (const url of [base, `${base}/accounts`, `${base}/accounts/${id}`, `${base}/keys`, `${base}/audit`]) {
      const res = await c.get(url);
      assert.match(res.text, /<a class="skip" href="#main">Skip to content<\/a>/, url);
      assert.match(res.text, /<main id="main" tabindex="-1">/, url);
      assert.equal((res.text.match(/<h1[ >]/g) ?? []).length, 1, url);
      assert.ok(!/<script/i.test(res.text), url);
      for (const m of res.text.matchAll(/<input type="(?:text|password|checkbox)" id="([^"]+)"/g))
        assert.match(res.text, new RegExp(`<label for="${m[1]}">`), `${url}: #${m[1]} has a label`);
      csrfIn(res.text);
    }
    const css = await c.get('/console/assets/console.css');
    assert.equal(css.status, 200);
    assert.match(String(css.headers['content-type']), /^text\/css/);
    assert.ok(!/url\(|@import/.test(css.text), 'the stylesheet fetches nothing');
  });
});
