// Issue #20, finding 10: any project key could turn on credential reveal for
// its project and then read every token in clear, and the settings change was
// not audited. Reveal is now an operator decision (CLI); every settings change
// is written to the audit log with who made it and what changed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachBackend } from '../helpers/backends.ts';
import { api, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { apiKeyToolkit, writeToolkitsDir } from '../helpers/toolkits.ts';
import { updateProjectSettings } from '../../src/services/project-settings.ts';

forEachBackend('security: project settings', (backend) => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp(backend, { env: { AUTHLINK_TOOLKITS_DIR: writeToolkitsDir([apiKeyToolkit('http://127.0.0.1:9/echo')]) } });
  });
  after(() => t.close());

  test('an API key cannot turn on credential reveal, in any spelling of the request; nothing changes', async () => {
    for (const body of [{ allow_credential_reveal: true }, { allow_credential_reveal: false }, { link_ttl_seconds: 300, allow_credential_reveal: true }]) {
      const res = await api(t).patch('/api/v3.1/project/settings', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.deepEqual(res.body.error.errors, [
        `allow_credential_reveal: an operator setting; run \`authlink projects settings --project ${t.projectId} --allow-reveal true|false\``,
      ]);
      const alias = await api(t).patch('/api/v3/project/settings', body);
      assert.equal(alias.status, 400, 'the /api/v3 alias too');
    }
    const project = await t.runtime.store.projects.get(t.projectId);
    assert.equal(project?.settings.allow_credential_reveal, undefined);
    assert.equal(project?.settings.link_ttl_seconds, undefined, 'the rest of a refused request is not applied either');
    assert.deepEqual(await t.runtime.store.audit.list(t.projectId), []);
  });

  test('every settings change is audited: by which key, in which request, what changed from what to what', async () => {
    const res = await api(t).patch(
      '/api/v3.1/project/settings',
      { link_ttl_seconds: 120, callback_url_allowlist: ['https://app.example.com/cb'] },
      { 'x-request-id': 'settings-req-1' },
    );
    assert.equal(res.status, 200, res.text);
    const same = await api(t).patch('/api/v3.1/project/settings', { link_ttl_seconds: 120 });
    assert.equal(same.status, 200);
    const [key] = await t.runtime.store.apiKeys.listByProject(t.projectId);
    const entries = await t.runtime.store.audit.list(t.projectId);
    assert.equal(entries.length, 1, 'a PATCH that changes nothing writes nothing');
    assert.equal(entries[0].action, 'project.settings_changed');
    assert.equal(entries[0].api_key_id, key.id);
    assert.equal(entries[0].request_id, 'settings-req-1');
    assert.equal(entries[0].target_id, t.projectId);
    assert.deepEqual(JSON.parse(entries[0].details!), {
      via: 'api',
      changed: { link_ttl_seconds: { from: null, to: 120 }, callback_url_allowlist: { from: null, to: ['https://app.example.com/cb'] } },
    });
  });

  test('the operator turns reveal on; that is audited too, and only then does a key read credentials in clear', async () => {
    await updateProjectSettings(t.runtime.store, t.projectId, { allow_credential_reveal: true }, new Date(), { via: 'cli' });
    const [latest] = await t.runtime.store.audit.list(t.projectId);
    assert.equal(latest.action, 'project.settings_changed');
    assert.equal(latest.api_key_id, null);
    assert.deepEqual(JSON.parse(latest.details!), { via: 'cli', changed: { allow_credential_reveal: { from: null, to: true } } });
    assert.equal((await api(t).get('/api/v3.1/project/settings')).body.allow_credential_reveal, true, 'visible, read-only, through the API');
  });
});
