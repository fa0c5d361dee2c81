// Issue #15: every typed error of @composio/core that authlink can trigger is
// the one the SDK raises against authlink (it maps HTTP statuses and, for some,
// Composio's message wording), driven through the SDK unchanged.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Composio,
  ComposioAclOnlyForSharedError,
  ComposioConnectedAccountNotFoundError,
  ComposioConnectedAccountNotRevokableError,
  ComposioConnectedAccountRevocationNotSupportedError,
  ComposioMultipleConnectedAccountsError,
  ComposioSessionConfigConflictError,
  ComposioToolNotFoundError,
  ComposioToolkitNotFoundError,
} from '@composio/core';
import { forEachBackend } from '../helpers/backends.ts';
import { api, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { apiKeyToolkit, writeToolkitsDir } from '../helpers/toolkits.ts';

forEachBackend('@composio/core typed errors', (backend) => {
  let t: TestApp;
  let core: Composio;
  let acId: string;
  before(async () => {
    t = await startTestApp(backend, { listen: true, env: { AUTHLINK_TOOLKITS_DIR: writeToolkitsDir([apiKeyToolkit('http://127.0.0.1:9/echo')]) } });
    core = new Composio({ apiKey: t.apiKey, baseURL: t.config.publicUrl, allowTracking: false, disableVersionCheck: true });
    const ac = await api(t).post('/api/v3.1/auth_configs', { toolkit: { slug: 'echoapi' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' } });
    acId = ac.body.auth_config.id;
  });
  after(() => t.close());

  async function activeAccount(userId: string): Promise<string> {
    const res = await api(t).post('/api/v3.1/connected_accounts', {
      auth_config: { id: acId },
      connection: { user_id: userId, state: { authScheme: 'API_KEY', val: { api_key: 'k-0123456789abcdef' } } },
    });
    assert.equal(res.status, 201, res.text);
    return res.body.id;
  }

  test('each error authlink can cause reaches the caller as the SDK’s typed error', async () => {
    const privateId = await activeAccount('typed-user');
    const pending = await api(t).post('/api/v3.1/connected_accounts/link', { auth_config_id: acId, user_id: 'pending-user' });
    const session = await core.toolRouter.create('typed-user', { toolkits: ['echoapi'] });
    await session.update({ toolkits: ['echoapi'], expectedConfigVersion: session.configVersion });
    const stale = await core.toolRouter.use(session.sessionId);
    await session.update({ toolkits: ['echoapi'], expectedConfigVersion: session.configVersion });
    const cases: Array<[string, () => Promise<unknown>, new (...args: never[]) => Error]> = [
      [
        'ACL on a PRIVATE link',
        () => core.connectedAccounts.link('acl-user', acId, { experimental: { accountType: 'PRIVATE', aclConfigForShared: { allowAllUsers: true } } }),
        ComposioAclOnlyForSharedError,
      ],
      ['ACL update on a PRIVATE account', () => core.connectedAccounts.updateAcl(privateId, { allowAllUsers: true }), ComposioAclOnlyForSharedError],
      ['waiting for a missing account', () => core.connectedAccounts.waitForConnection('ca_doesnotexist', 2000), ComposioConnectedAccountNotFoundError],
      ['revoking an API-key account', () => core.connectedAccounts.revoke(privateId), ComposioConnectedAccountRevocationNotSupportedError],
      ['revoking a link not completed', () => core.connectedAccounts.revoke(pending.body.connected_account_id), ComposioConnectedAccountNotRevokableError],
      ['a second link while one is ACTIVE', () => core.connectedAccounts.link('typed-user', acId), ComposioMultipleConnectedAccountsError],
      ['a missing tool', () => core.tools.getRawComposioToolBySlug('ECHOAPI_NO_SUCH_TOOL'), ComposioToolNotFoundError],
      ['a missing toolkit', () => core.toolkits.get('no-such-toolkit'), ComposioToolkitNotFoundError],
      ['a stale session update', () => stale.update({ toolkits: ['echoapi'], expectedConfigVersion: stale.configVersion }), ComposioSessionConfigConflictError],
    ];
    for (const [label, call, Expected] of cases) {
      await assert.rejects(call(), (e: Error) => {
        assert.ok(e instanceof Expected, `${label}: got ${e.name}: ${e.message}`);
        return true;
      });
    }
  });
});
