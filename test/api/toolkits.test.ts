// Issue #15: the toolkit routes Composio's SDK calls — categories, several by
// slug, and the list filters (category, managed_by, type, sort_by) — through
// the raw API and through @composio/core unchanged.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Composio } from '@composio/core';
import { forEachBackend } from '../helpers/backends.ts';
import { api, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { apiKeyToolkit, writeToolkitsDir } from '../helpers/toolkits.ts';

forEachBackend('toolkit listings', (backend) => {
  let t: TestApp;
  let core: Composio;
  before(async () => {
    t = await startTestApp(backend, { listen: true, env: { AUTHLINK_TOOLKITS_DIR: writeToolkitsDir([apiKeyToolkit('http://127.0.0.1:9/echo')]) } });
    core = new Composio({ apiKey: t.apiKey, baseURL: t.config.publicUrl, allowTracking: false, disableVersionCheck: true });
  });
  after(() => t.close());

  const slugs = (body: { items: Array<{ slug: string }> }) => body.items.map((i) => i.slug);

  test('categories: every category in use, with its display name and how many toolkits carry it', async () => {
    const res = await api(t).get('/api/v3.1/toolkits/categories?limit=100');
    assert.equal(res.status, 200, res.text);
    const dev = res.body.items.find((c: { id: string }) => c.id === 'developer-tools');
    assert.equal(dev.name, 'Developer Tools');
    const expected = t.app.services.catalog.list().filter((k) => k.categories.includes('developer-tools')).length;
    assert.equal(dev.toolkits_count, expected);
    assert.equal(res.body.total_items, res.body.items.length);
    const listed = await core.toolkits.listCategories();
    assert.ok(
      listed.items.some((c: { id: string; name: string }) => c.id === 'crm' && c.name === 'CRM'),
      JSON.stringify(listed).slice(0, 300),
    );
  });

  test('category filters by id or display name; managed_by and type follow Composio (project/custom toolkits: none here)', async () => {
    const byId = await api(t).get('/api/v3.1/toolkits?category=crm&limit=100');
    const byName = await api(t).get('/api/v3.1/toolkits?category=CRM&limit=100');
    assert.ok(slugs(byId.body).includes('hubspot'));
    assert.deepEqual(slugs(byName.body), slugs(byId.body));
    assert.ok(byId.body.items.every((k: { meta: { categories: Array<{ id: string }> } }) => k.meta.categories.some((c) => c.id === 'crm')));
    const all = (await api(t).get('/api/v3.1/toolkits?limit=1000')).body.total_items;
    assert.equal((await api(t).get('/api/v3.1/toolkits?managed_by=composio&limit=1000')).body.total_items, all);
    assert.equal((await api(t).get('/api/v3.1/toolkits?managed_by=project')).body.total_items, 0);
    assert.equal((await api(t).get('/api/v3.1/toolkits?type=custom&managed_by=all')).body.total_items, 0, 'type wins over managed_by');
    assert.equal((await api(t).get('/api/v3.1/toolkits?type=native&managed_by=project&limit=1000')).body.total_items, all);
    const bad = await api(t).get('/api/v3.1/toolkits?sort_by=random');
    assert.equal(bad.status, 400);
  });

  test('sort_by alphabetically sorts by name; usage puts the toolkits this project uses first', async () => {
    const alpha = await api(t).get('/api/v3.1/toolkits?sort_by=alphabetically&limit=1000');
    const names = alpha.body.items.map((k: { name: string }) => k.name);
    assert.deepEqual(
      names,
      [...names].sort((a: string, b: string) => a.localeCompare(b, 'en')),
    );
    const ac = await api(t).post('/api/v3.1/auth_configs', { toolkit: { slug: 'echoapi' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' } });
    await api(t).post('/api/v3.1/connected_accounts/link', { auth_config_id: ac.body.auth_config.id, user_id: 'u' });
    const used = await api(t).get('/api/v3.1/toolkits?sort_by=usage&limit=3');
    assert.equal(used.body.items[0].slug, 'echoapi');
    const other = await t.otherProject();
    const theirs = await api(t, other.apiKey).get('/api/v3.1/toolkits?sort_by=usage&limit=1');
    assert.notEqual(theirs.body.items[0].slug, 'echoapi', "another project's usage is its own");
  });

  test('POST /toolkits/multi: the named toolkits, unknown ones left out; page cursors walk the list', async () => {
    const res = await api(t).post('/api/v3.1/toolkits/multi', { toolkits: ['github', 'SLACK', 'nope'] });
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(slugs(res.body).sort(), ['github', 'slack']);
    assert.ok(res.body.items.find((k: { slug: string }) => k.slug === 'github').meta.tools_count > 10, 'tools_count counts the tool catalog');
    const many = await core.toolkits.getMany(['github', 'gmail']);
    assert.deepEqual(many.map((k: { slug: string }) => k.slug).sort(), ['github', 'gmail']);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: Array<{ slug: string }>; next_cursor: string | null } } = await api(t).get(
        `/api/v3.1/toolkits?limit=7${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...slugs(page.body));
      cursor = page.body.next_cursor;
    } while (cursor);
    assert.equal(new Set(seen).size, seen.length);
    assert.equal(seen.length, (await api(t).get('/api/v3.1/toolkits?limit=1')).body.total_items);
  });
});
