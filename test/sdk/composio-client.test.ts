// Composio's official client (@composio/client, the v3.1 generated SDK)
// against a real authlink on a real port: only baseURL and apiKey are set.
// Every call below goes through the SDK; the hosted OAuth page is driven
// with the test browser, starting from the redirect_url the SDK returned.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Composio, { AuthenticationError, NotFoundError, UnprocessableEntityError } from '@composio/client';
import { forEachBackend } from '../helpers/backends.ts';
import { consentAndAuthorize, createCookieClient, startOAuthWorld, type OAuthWorld } from '../helpers/link-flow.ts';

const CALLBACK = 'https://app.example.com/connected?tab=integrations';

forEachBackend('@composio/client against authlink', (backend) => {
  let w: OAuthWorld;
  let sdk: Composio;
  // Created through the SDK by the auth-config test, used by the later ones (tests run in order).
  let oauthConfigId = '';
  let apiKeyConfigId = '';
  let accountId = '';

  before(async () => {
    w = await startOAuthWorld(backend);
    // Exactly what a user of authlink sets: nothing but the key and the base URL.
    sdk = new Composio({ apiKey: w.t.apiKey, baseURL: w.t.config.publicUrl });
  });
  after(() => w.close());

  test('runs on this Node over loopback http; our error envelope becomes the typed SDK error', async () => {
    assert.equal(sdk.baseURL, w.t.config.publicUrl);
    const bad = new Composio({ apiKey: 'ak_not_a_key', baseURL: w.t.config.publicUrl, maxRetries: 0, logLevel: 'off' });
    const err = await bad.toolkits.list().then(
      () => assert.fail('a bad key was accepted'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof AuthenticationError, String(err));
    assert.equal(err.status, 401);
    const body = err.error as { error: { slug: string; request_id: string } };
    assert.equal(body.error.slug, 'Auth_InvalidApiKey');
    assert.equal(body.error.request_id, err.headers?.get('x-request-id'));
  });

  test('auth configs: create (custom OAuth2 + API_KEY), retrieve, list', async () => {
    // The SDK types only name scopes/user_scopes in credentials; the toolkit's own fields go alongside.
    const oauthCredentials: Record<string, string> = { client_id: w.op.clientId, client_secret: w.op.clientSecret };
    const created = await sdk.authConfigs.create({
      toolkit: { slug: 'localoidc' },
      auth_config: { type: 'use_custom_auth', authScheme: 'OAUTH2', name: 'SDK OAuth', credentials: oauthCredentials },
    });
    assert.equal(created.toolkit.slug, 'localoidc');
    assert.match(created.auth_config.id, /^ac_/);
    assert.equal(created.auth_config.auth_scheme, 'OAUTH2');
    assert.equal(created.auth_config.is_composio_managed, false);
    oauthConfigId = created.auth_config.id;

    const key = await sdk.authConfigs.create({
      toolkit: { slug: 'echoapi' },
      auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY', name: 'SDK Echo' },
    });
    assert.equal(key.toolkit.slug, 'echoapi');
    assert.equal(key.auth_config.auth_scheme, 'API_KEY');
    apiKeyConfigId = key.auth_config.id;

    const got = await sdk.authConfigs.retrieve(oauthConfigId);
    assert.equal(got.id, oauthConfigId);
    assert.equal(got.name, 'SDK OAuth');
    assert.equal(got.type, 'custom');
    assert.equal(got.auth_scheme, 'OAUTH2');
    assert.equal(got.is_composio_managed, false);
    assert.equal(got.status, 'ENABLED');
    assert.equal(got.toolkit.slug, 'localoidc');
    assert.equal(got.no_of_connections, 0);
    assert.equal(got.credentials?.client_id, w.op.clientId);
    assert.notEqual(got.credentials?.client_secret, w.op.clientSecret, 'secret never in clear');
    assert.deepEqual(got.tool_access_config, {});
    assert.ok(got.created_at && !Number.isNaN(Date.parse(got.created_at)));

    const list = await sdk.authConfigs.list({ toolkit_slug: 'localoidc' });
    assert.ok(list.items.some((i) => i.id === oauthConfigId && i.name === 'SDK OAuth' && i.status === 'ENABLED'));
    assert.ok(list.items.every((i) => i.toolkit.slug === 'localoidc'));
    assert.equal(list.total_items, list.items.length);
    assert.equal(list.current_page, 1);
    const searched = await sdk.authConfigs.list({ search: 'SDK Echo' });
    assert.deepEqual(
      searched.items.map((i) => i.id),
      [apiKeyConfigId],
    );
  });

  test('auth configs: update, disable, enable, delete', async () => {
    await sdk.authConfigs.update(apiKeyConfigId, { type: 'custom', name: 'SDK Echo renamed' });
    assert.equal((await sdk.authConfigs.retrieve(apiKeyConfigId)).name, 'SDK Echo renamed');

    await sdk.authConfigs.updateStatus('DISABLED', { nanoid: apiKeyConfigId });
    assert.equal((await sdk.authConfigs.retrieve(apiKeyConfigId)).status, 'DISABLED');
    const hidden = await sdk.authConfigs.list({ toolkit_slug: 'echoapi' });
    assert.ok(!hidden.items.some((i) => i.id === apiKeyConfigId), 'disabled configs are hidden by default');
    const shown = await sdk.authConfigs.list({ toolkit_slug: 'echoapi', show_disabled: true });
    assert.ok(shown.items.some((i) => i.id === apiKeyConfigId && i.status === 'DISABLED'));
    await assert.rejects(sdk.link.create({ auth_config_id: apiKeyConfigId, user_id: 'sdk-user' }), UnprocessableEntityError);

    await sdk.authConfigs.updateStatus('ENABLED', { nanoid: apiKeyConfigId });
    assert.equal((await sdk.authConfigs.retrieve(apiKeyConfigId)).status, 'ENABLED');

    const throwaway = await sdk.authConfigs.create({ toolkit: { slug: 'echoapi' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' } });
    const deleted = await sdk.authConfigs.delete(throwaway.auth_config.id);
    assert.equal(typeof deleted, 'object');
    const gone = await sdk.authConfigs.retrieve(throwaway.auth_config.id).then(
      () => assert.fail('deleted auth config is still readable'),
      (e: unknown) => e,
    );
    assert.ok(gone instanceof NotFoundError);
    assert.equal(gone.status, 404);
    assert.equal((gone.error as { error: { slug: string } }).error.slug, 'AuthConfig_NotFound');
  });

  test('toolkits: list and retrieve (built-in github, file-defined localoidc)', async () => {
    const list = await sdk.toolkits.list({ limit: 1000 });
    const slugs = list.items.map((t) => t.slug);
    assert.ok(slugs.includes('github') && slugs.includes('localoidc') && slugs.includes('echoapi'), slugs.join(','));
    const gh = list.items.find((t) => t.slug === 'github')!;
    assert.equal(gh.name, 'GitHub');
    assert.deepEqual(gh.auth_schemes, ['OAUTH2', 'BEARER_TOKEN']);
    assert.equal(gh.type, 'native');
    assert.equal(gh.is_local_toolkit, false);
    assert.equal(gh.deprecated.toolkitId, 'github');
    assert.equal(typeof gh.meta.description, 'string');
    assert.ok(Array.isArray(gh.meta.categories));
    assert.equal(typeof gh.meta.tools_count, 'number');
    assert.equal(list.total_items, list.items.length);

    const ghDetail = await sdk.toolkits.retrieve('github');
    assert.equal(ghDetail.slug, 'github');
    assert.equal(ghDetail.enabled, true);
    assert.deepEqual(
      ghDetail.auth_config_details?.map((d) => d.mode),
      ['OAUTH2', 'BEARER_TOKEN'],
    );
    assert.ok(Array.isArray(ghDetail.composio_managed_auth));
    assert.ok(Array.isArray(ghDetail.meta.available_versions));

    const oidc = await sdk.toolkits.retrieve('localoidc');
    assert.equal(oidc.name, 'Local OIDC');
    assert.equal(oidc.base_url, new URL(w.op.authorizationUrl).origin);
    const [detail] = oidc.auth_config_details ?? [];
    assert.equal(detail.mode, 'OAUTH2');
    assert.equal(detail.name, 'Local OAuth2');
    assert.deepEqual(
      detail.fields.auth_config_creation.required.map((f) => [f.name, f.displayName, f.required, f.is_secret]),
      [
        ['client_id', 'Client ID', true, false],
        ['client_secret', 'Client secret', true, true],
      ],
    );
    assert.deepEqual(detail.fields.connected_account_initiation, { required: [], optional: [] });

    await assert.rejects(sdk.toolkits.retrieve('no-such-toolkit'), NotFoundError);
  });

  test('link.create -> hosted OAuth flow -> the SDK reads the account back ACTIVE', async () => {
    const link = await sdk.link.create({ auth_config_id: oauthConfigId, user_id: 'sdk-user', callback_url: CALLBACK });
    assert.match(link.link_token, /^lt_/);
    assert.equal(link.redirect_url, `${w.t.config.publicUrl}/link/${link.link_token}`);
    assert.match(link.connected_account_id, /^ca_/);
    assert.ok(Date.parse(link.expires_at) > Date.now());
    assert.equal(link.experimental?.account_type, 'PRIVATE');
    accountId = link.connected_account_id;

    const pending = await sdk.connectedAccounts.retrieve(accountId);
    assert.equal(pending.status, 'INITIATED');

    const client = createCookieClient();
    const back = await consentAndAuthorize(client, w, link.redirect_url);
    const done = await client.get(back);
    assert.equal(done.status, 303);
    const final = new URL(done.location!);
    assert.equal(final.searchParams.get('status'), 'success');
    assert.equal(final.searchParams.get('connected_account_id'), accountId);

    const acct = await sdk.connectedAccounts.retrieve(accountId);
    assert.equal(acct.id, accountId);
    assert.equal(acct.status, 'ACTIVE');
    assert.equal(acct.user_id, 'sdk-user');
    assert.equal(acct.is_disabled, false);
    assert.equal(acct.status_reason, null);
    assert.deepEqual(acct.toolkit, { slug: 'localoidc' });
    assert.deepEqual(acct.auth_config, { id: oauthConfigId, auth_scheme: 'OAUTH2', is_composio_managed: false, is_disabled: false });
    assert.equal(acct.state.authScheme, 'OAUTH2');
    assert.equal(acct.experimental?.account_type, 'PRIVATE');
    assert.match(acct.word_id ?? '', /^localoidc_/);
    assert.equal((await sdk.authConfigs.retrieve(oauthConfigId)).no_of_connections, 1);
  });

  test('connected accounts: list with user_ids, retrieve, patch, disable/enable, refresh, delete', async () => {
    assert.ok(accountId, 'the link test ran first');
    const second = await sdk.link.create({ auth_config_id: apiKeyConfigId, user_id: 'sdk-user' });
    await sdk.link.create({ auth_config_id: apiKeyConfigId, user_id: 'someone-else' });

    const mine = await sdk.connectedAccounts.list({ user_ids: ['sdk-user'] });
    assert.deepEqual(mine.items.map((a) => a.id).sort(), [accountId, second.connected_account_id].sort());
    assert.ok(mine.items.every((a) => a.user_id === 'sdk-user'));
    assert.equal(mine.total_items, 2);
    assert.equal(mine.next_cursor, null);

    const both = await sdk.connectedAccounts.list({ user_ids: ['sdk-user', 'someone-else'], toolkit_slugs: ['echoapi'] });
    assert.deepEqual(both.items.map((a) => a.user_id).sort(), ['sdk-user', 'someone-else']);
    const active = await sdk.connectedAccounts.list({ user_ids: ['sdk-user'], statuses: ['ACTIVE', 'FAILED'] });
    assert.deepEqual(
      active.items.map((a) => a.id),
      [accountId],
    );
    const paged = await sdk.connectedAccounts.list({ user_ids: ['sdk-user'], limit: 1, order_by: 'created_at', order_direction: 'asc' });
    assert.deepEqual(
      paged.items.map((a) => a.id),
      [accountId],
    );
    assert.ok(paged.next_cursor);
    const page2 = await sdk.connectedAccounts.list({ user_ids: ['sdk-user'], limit: 1, order_direction: 'asc', cursor: paged.next_cursor });
    assert.deepEqual(
      page2.items.map((a) => a.id),
      [second.connected_account_id],
    );

    const patched = await sdk.connectedAccounts.patch(accountId, { alias: 'work' });
    assert.equal(patched.id, accountId);
    assert.equal(patched.success, true);
    assert.equal(patched.status, 'ACTIVE');
    assert.equal((await sdk.connectedAccounts.retrieve(accountId)).alias, 'work');

    const off = await sdk.connectedAccounts.updateStatus(accountId, { enabled: false });
    assert.equal(off.success, true);
    assert.equal((await sdk.connectedAccounts.retrieve(accountId)).is_disabled, true);
    const on = await sdk.connectedAccounts.updateStatus(accountId, { enabled: true });
    assert.equal(on.success, true);
    assert.equal((await sdk.connectedAccounts.retrieve(accountId)).is_disabled, false);

    const refreshes = w.op.counts.tokenByGrant.refresh_token ?? 0;
    const refreshed = await sdk.connectedAccounts.refresh(accountId);
    assert.deepEqual(refreshed, { id: accountId, status: 'ACTIVE', redirect_url: null });
    assert.equal((w.op.counts.tokenByGrant.refresh_token ?? 0) - refreshes, 1, 'one refresh_token grant at the provider');

    const deleted = await sdk.connectedAccounts.delete(accountId);
    assert.equal(deleted.success, true);
    await assert.rejects(sdk.connectedAccounts.retrieve(accountId), NotFoundError);
    const after = await sdk.connectedAccounts.list({ user_ids: ['sdk-user'] });
    assert.deepEqual(
      after.items.map((a) => a.id),
      [second.connected_account_id],
    );
  });

  test('connected accounts: revoke at the provider', async () => {
    const link = await sdk.link.create({ auth_config_id: oauthConfigId, user_id: 'revoke-user' });
    const client = createCookieClient();
    assert.equal((await client.get(await consentAndAuthorize(client, w, link.redirect_url))).status, 200);
    const hits = w.op.counts.revocation;
    const revoked = await sdk.connectedAccounts.revoke(link.connected_account_id);
    assert.deepEqual(revoked.connected_account, { id: link.connected_account_id, status: 'REVOKED' });
    assert.deepEqual(revoked.revoked_tokens, ['refresh_token']);
    assert.equal(w.op.counts.revocation - hits, 1);
    assert.equal((await sdk.connectedAccounts.retrieve(link.connected_account_id)).status, 'REVOKED');
  });

  test('connected accounts: legacy create with API-key credentials, as the SDK types it', async () => {
    const created = await sdk.connectedAccounts.create({
      auth_config: { id: apiKeyConfigId },
      connection: { user_id: 'legacy-user', state: { authScheme: 'API_KEY', val: { status: 'ACTIVE', api_key: 'sk_sdk_0123456789abcdef' } } },
    });
    assert.match(created.id, /^ca_/);
    assert.equal(created.status, 'ACTIVE');
    assert.equal(created.redirect_url, null);
    const acct = await sdk.connectedAccounts.retrieve(created.id);
    assert.equal(acct.status, 'ACTIVE');
    assert.equal(acct.state.authScheme, 'API_KEY');
    assert.equal(acct.state.val.api_key, '********cdef', 'masked');
  });
});
