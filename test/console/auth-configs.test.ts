// The console's toolkit catalog and auth-config pages (issue #19): search
// with logos, a toolkit's schemes and fields, creating a config for any
// scheme with the toolkit's own fields (a secret never echoed, not even after
// a refusal), enable/disable, delete, edit scopes: each through the same
// service as the API, audited, refused without the form token.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.ts';
import { api } from '../helpers/test-app.ts';
import { consoleClient, startConsoleWorld, type ConsoleClient, type ConsoleWorld } from './helpers.ts';

const CLIENT_SECRET = 'gh_client_secret_TOPSECRET_0123456789';
const XSS = '<script>alert(1)</script>';

forEachBackend('console: toolkits and auth configs', (backend) => {
  let w: ConsoleWorld;
  let c: ConsoleClient;
  let base: string;

  before(async () => {
    // The operator has an OAuth app for github only: a managed github config can be made, a managed slack one cannot.
    w = await startConsoleWorld(backend, { managedAuth: { github: { client_id: 'operator-app', client_secret: 'operator-secret-0123456789' } } });
    c = consoleClient(w.t);
    await c.signIn(w.t.apiKey);
    base = `/console/projects/${w.t.projectId}`;
  });
  after(() => w?.close());

  const store = () => w.t.runtime.store;
  const auditActions = async () => (await store().audit.list(w.t.projectId)).map((e) => e.action);

  test('toolkits: search by name, slug or category, each with its same-origin logo; a toolkit page shows schemes, fields and links to the form', async () => {
    const all = await c.get(`${base}/toolkits`);
    assert.equal(all.status, 200);
    assert.match(all.text, /<img class="logo" src="\/logos\/github\.svg" alt=""/);
    assert.ok(!/<img[^>]+src="https?:/.test(all.text), 'no logo from another origin');
    const byName = await c.get(`${base}/toolkits?q=Echo`);
    assert.match(byName.text, /1 of \d+ toolkit\(s\) matching “Echo”/);
    assert.match(byName.text, /href="\/console\/projects\/[^"]+\/toolkits\/echoapi"/);
    const byCategory = await c.get(`${base}/toolkits?q=testing`);
    assert.match(byCategory.text, /toolkits\/echoapi"/);
    assert.ok(!byCategory.text.includes('toolkits/github"'), 'github is not in the testing category');
    const bySlug = await c.get(`${base}/toolkits?q=github`);
    assert.match(bySlug.text, /toolkits\/github"/);
    const none = await c.get(`${base}/toolkits?q=${encodeURIComponent(XSS)}`);
    assert.equal(none.status, 200);
    assert.ok(!none.text.includes('<script>'));
    assert.match(none.text, /No toolkit matches “&lt;script&gt;/);

    const gh = await c.get(`${base}/toolkits/github`);
    assert.equal(gh.status, 200);
    assert.match(gh.text, /<code>client_secret<\/code><\/td><td>required<\/td><td>secret<\/td>/);
    assert.match(gh.text, /Default scopes: <code>repo read:user user:email<\/code>/);
    assert.match(gh.text, /auth-configs\/new\?toolkit=github&amp;scheme=OAUTH2/);
    assert.match(gh.text, /auth-configs\/new\?toolkit=github&amp;scheme=BEARER_TOKEN/);
    assert.equal((await c.get(`${base}/toolkits/nope_nope`)).status, 404);
    // The logo the page points at is served.
    const svg = await w.t.app.inject({ method: 'GET', url: '/logos/echoapi.svg' });
    assert.equal(svg.statusCode, 200);
  });

  test('the create form shows the scheme’s fields, the secret one as a password input', async () => {
    const res = await c.get(`${base}/auth-configs/new?toolkit=github&scheme=OAUTH2`);
    assert.equal(res.status, 200);
    assert.match(res.text, /<input type="text" id="cf-client_id" name="f_client_id"/);
    assert.match(res.text, /<input type="password" id="cf-client_secret" name="f_client_secret"/);
    assert.match(res.text, /<label for="cf-scopes">Scopes/);
    assert.match(res.text, /href="[^"]*scheme=BEARER_TOKEN">/, 'links to the other scheme');
    const choose = await c.get(`${base}/auth-configs/new?q=echo`);
    assert.equal(choose.status, 200);
    assert.match(choose.text, /new\?toolkit=echoapi&amp;scheme=API_KEY/);
    assert.equal((await c.get(`${base}/auth-configs/new?toolkit=nope_nope`)).status, 404);
  });

  test('create: a refusal is shown on the form with the service’s message and without the secret; then created, audited with field names only', async () => {
    const before = await store().authConfigs.list({ projectId: w.t.projectId, showDisabled: true, limit: 100 });
    const csrf = await c.csrf(`${base}/auth-configs/new?toolkit=github&scheme=OAUTH2`);
    // client_id missing: the service refuses (MissingRequiredFields).
    const bad = await c.post(`${base}/auth-configs`, {
      csrf,
      toolkit: 'github',
      scheme: 'OAUTH2',
      type: 'custom',
      name: `GH ${XSS}`,
      f_client_secret: CLIENT_SECRET,
    });
    assert.equal(bad.status, 400);
    assert.match(bad.text, /role="alert">Missing required fields for OAUTH2: client_id/);
    assert.ok(!bad.text.includes(CLIENT_SECRET), 'the secret is not echoed');
    assert.ok(!bad.text.includes('<script>'));
    assert.match(bad.text, /value="GH &lt;script&gt;alert\(1\)&lt;\/script&gt;"/, 'the name is kept, escaped');
    assert.equal((await store().authConfigs.list({ projectId: w.t.projectId, showDisabled: true, limit: 100 })).total, before.total);

    const ok = await c.post(`${base}/auth-configs`, {
      csrf,
      toolkit: 'github',
      scheme: 'OAUTH2',
      type: 'custom',
      name: `GH ${XSS}`,
      f_client_id: 'Iv1.clientid',
      f_client_secret: CLIENT_SECRET,
      scopes: 'repo, read:org',
    });
    assert.equal(ok.status, 303, ok.text.slice(0, 300));
    const id = /auth-configs\/(ac_[^?]+)\?done=ac_created$/.exec(ok.location ?? '')?.[1];
    assert.ok(id, ok.location);
    // As the API sees it.
    const viaApi = await api(w.t).get(`/api/v3.1/auth_configs/${id}`);
    assert.equal(viaApi.status, 200);
    assert.equal(viaApi.body.auth_scheme, 'OAUTH2');
    assert.equal(viaApi.body.credentials.client_id, 'Iv1.clientid');
    assert.deepEqual(viaApi.body.credentials.scopes, ['repo', 'read:org']);
    const resolved = await w.t.app.services.authConfigs.resolve(w.t.projectId, id);
    assert.equal(resolved.values.client_secret, CLIENT_SECRET, 'stored (encrypted) as given');

    const page = await c.get(ok.location!);
    assert.equal(page.status, 200);
    assert.match(page.text, /The auth config was created\./);
    assert.match(page.text, /\*{8}6789/, 'the secret masked');
    assert.ok(!page.text.includes(CLIENT_SECRET));
    assert.ok(!page.text.includes('<script>'));
    assert.match(page.text, />repo read:org<\/textarea>/);
    const entry = (await store().audit.list(w.t.projectId)).find((e) => e.action === 'auth_config.created' && e.target_id === id);
    assert.ok(entry);
    assert.deepEqual(JSON.parse(entry.details ?? '{}'), {
      via: 'console',
      by: 'api_key',
      toolkit: 'github',
      auth_scheme: 'OAUTH2',
      fields: ['client_id', 'client_secret'],
    });
    assert.ok(!(entry.details ?? '').includes(CLIENT_SECRET));

    const list = await c.get(`${base}/auth-configs`);
    assert.match(list.text, new RegExp(`href="[^"]+/auth-configs/${id}">GH &lt;script&gt;`));
    assert.match(list.text, /src="\/logos\/github\.svg"/);
    assert.ok(!list.text.includes(CLIENT_SECRET));
  });

  test('create for a scheme without fields (API key) and for BEARER_TOKEN: no settings needed', async () => {
    const csrf = await c.csrf(`${base}/auth-configs/new?toolkit=github&scheme=BEARER_TOKEN`);
    const res = await c.post(`${base}/auth-configs`, { csrf, toolkit: 'github', scheme: 'BEARER_TOKEN', type: 'custom' });
    assert.equal(res.status, 303);
    const id = /auth-configs\/(ac_[^?]+)/.exec(res.location ?? '')?.[1];
    const row = await store().authConfigs.get(w.t.projectId, id!);
    assert.equal(row?.auth_scheme, 'BEARER_TOKEN');
    const unknown = await c.post(`${base}/auth-configs`, { csrf, toolkit: 'github', scheme: 'BASIC', type: 'custom' });
    assert.equal(unknown.status, 400);
    assert.match(unknown.text, /Choose a toolkit and one of its schemes/);
  });

  test('managed: offered where the operator has an OAuth app, made without fields; refused on the form elsewhere', async () => {
    const form = await c.get(`${base}/auth-configs/new?toolkit=github&scheme=OAUTH2`);
    assert.match(form.text, /<input type="radio" id="cf-managed" name="type" value="managed">/);
    const csrf = await c.csrf(`${base}/auth-configs/new?toolkit=github&scheme=OAUTH2`);
    const ok = await c.post(`${base}/auth-configs`, { csrf, toolkit: 'github', scheme: 'OAUTH2', type: 'managed' });
    assert.equal(ok.status, 303, ok.text.slice(0, 300));
    const id = /auth-configs\/(ac_[^?]+)/.exec(ok.location ?? '')?.[1];
    assert.equal((await store().authConfigs.get(w.t.projectId, id!))?.is_composio_managed, 1);
    const page = await c.get(ok.location!);
    assert.ok(!page.text.includes('operator-secret-0123456789'), 'the operator’s secret is never shown');

    const slack = await c.get(`${base}/auth-configs/new?toolkit=slack&scheme=OAUTH2`);
    assert.ok(!slack.text.includes('cf-managed'), 'no managed option without an operator app');
    const before = (await store().authConfigs.list({ projectId: w.t.projectId, showDisabled: true, limit: 100 })).total;
    const refused = await c.post(`${base}/auth-configs`, { csrf, toolkit: 'slack', scheme: 'OAUTH2', type: 'managed' });
    assert.equal(refused.status, 400);
    assert.match(refused.text, /role="alert">No managed OAuth app is configured for slack on this server/);
    assert.equal((await store().authConfigs.list({ projectId: w.t.projectId, showDisabled: true, limit: 100 })).total, before);
  });

  test('disable, enable, edit scopes, delete: through the service, each audited; delete needs the box', async () => {
    const id = w.acId;
    let csrf = await c.csrf(`${base}/auth-configs/${id}`);
    const dis = await c.post(`${base}/auth-configs/${id}/disable`, { csrf });
    assert.equal(dis.status, 303);
    assert.equal((await api(w.t).get(`/api/v3.1/auth_configs/${id}`)).body.status, 'DISABLED');
    assert.match((await c.get(dis.location!)).text, /The auth config is disabled\./);
    assert.equal((await c.post(`${base}/auth-configs/${id}/enable`, { csrf })).status, 303);
    assert.equal((await api(w.t).get(`/api/v3.1/auth_configs/${id}`)).body.status, 'ENABLED');

    // Scopes: an OAuth config shows the form; the API-key one does not.
    assert.ok(!(await c.get(`${base}/auth-configs/${id}`)).text.includes('Save scopes'));
    const gh = await api(w.t).post('/api/v3.1/auth_configs', {
      toolkit: { slug: 'github' },
      auth_config: { type: 'use_custom_auth', authScheme: 'OAUTH2', credentials: { client_id: 'x', client_secret: CLIENT_SECRET } },
    });
    const ghId = gh.body.auth_config.id as string;
    const detail = await c.get(`${base}/auth-configs/${ghId}`);
    assert.match(detail.text, /The toolkit’s default scopes apply/);
    assert.match(detail.text, />repo read:user user:email<\/textarea>/);
    csrf = await c.csrf(`${base}/auth-configs/${ghId}`);
    const sc = await c.post(`${base}/auth-configs/${ghId}/scopes`, { csrf, scopes: 'gist  repo' });
    assert.equal(sc.status, 303);
    assert.deepEqual((await api(w.t).get(`/api/v3.1/auth_configs/${ghId}`)).body.credentials.scopes, ['gist', 'repo']);

    const noBox = await c.post(`${base}/auth-configs/${ghId}/delete`, { csrf });
    assert.equal(noBox.status, 400);
    assert.equal((await api(w.t).get(`/api/v3.1/auth_configs/${ghId}`)).status, 200);
    const del = await c.post(`${base}/auth-configs/${ghId}/delete`, { csrf, confirm: 'yes' });
    assert.equal(del.status, 303);
    assert.equal((await api(w.t).get(`/api/v3.1/auth_configs/${ghId}`)).status, 404);
    assert.equal((await c.get(`${base}/auth-configs/${ghId}`)).status, 404);

    const audit = (await store().audit.list(w.t.projectId)).filter((e) => e.target_id === id || e.target_id === ghId).map((e) => e.action);
    for (const a of ['auth_config.disabled', 'auth_config.enabled', 'auth_config.scopes_updated', 'auth_config.deleted']) assert.ok(audit.includes(a), a);
  });

  test('a missing or wrong form token: 403 on every auth-config post, nothing changes, nothing audited', async () => {
    const id = w.acId;
    const beforeRow = await store().authConfigs.get(w.t.projectId, id);
    const beforeAudit = await auditActions();
    const beforeTotal = (await store().authConfigs.list({ projectId: w.t.projectId, showDisabled: true, limit: 100 })).total;
    const posts: Array<[string, Record<string, string>]> = [
      [`${base}/auth-configs`, { toolkit: 'echoapi', scheme: 'API_KEY', type: 'custom' }],
      [`${base}/auth-configs/${id}/disable`, {}],
      [`${base}/auth-configs/${id}/enable`, {}],
      [`${base}/auth-configs/${id}/scopes`, { scopes: 'a b' }],
      [`${base}/auth-configs/${id}/delete`, { confirm: 'yes' }],
    ];
    for (const [url, form] of posts) {
      for (const csrf of [undefined, 'wrong-token']) {
        const res = await c.post(url, csrf ? { ...form, csrf } : form);
        assert.equal(res.status, 403, `${url} csrf=${csrf}`);
        assert.match(res.text, /Nothing was changed/);
      }
    }
    assert.deepEqual(await store().authConfigs.get(w.t.projectId, id), beforeRow);
    assert.deepEqual(await auditActions(), beforeAudit);
    assert.equal((await store().authConfigs.list({ projectId: w.t.projectId, showDisabled: true, limit: 100 })).total, beforeTotal);
  });
});
