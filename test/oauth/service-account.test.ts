// Issue #17: Google-style service accounts (Composio's GOOGLE_SERVICE_ACCOUNT):
// the connection's key file signs a JWT bearer assertion (RFC 7523) for each
// token. The stand-in token endpoint verifies every assertion with jose (an
// implementation independent of authlink's node:crypto signing) against the
// key's public half, as Google does: signature, iss, aud, iat/exp at most an
// hour apart, scope, sub. Accounts come through the API (state.val) or the
// hosted page's form; a key the provider refuses is never stored.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { importSPKI, jwtVerify } from 'jose';
import { forEachBackend } from '../helpers/backends.ts';
import { startRecordingUpstream, type RecordingUpstream } from '../helpers/recording-upstream.ts';
import { api, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { writeToolkitsDir } from '../helpers/toolkits.ts';
import { createCookieClient, createLink, csrfOf, openLink } from '../helpers/link-flow.ts';
import { startFakeTokenServer, type FakeTokenServer } from './fake-token-server.ts';
import { openCredentials } from '../../src/services/account-view.ts';
import { INVALID_GRANT_SERVER_REASON } from '../../src/services/refresh.ts';
import type { ToolkitDef } from '../../src/toolkits/types.ts';

const EMAIL = 'reporter@demo-project.iam.gserviceaccount.com';
const SCOPE = 'https://www.googleapis.com/auth/bigquery';

function newKeyFile(email = EMAIL) {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const file = {
    type: 'service_account',
    project_id: 'demo-project',
    private_key_id: randomBytes(20).toString('hex'),
    private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    client_email: email,
    client_id: '100000000000000000001',
    // Never used: the toolkit says where assertions go.
    token_uri: 'https://attacker.example/token',
  };
  return { json: JSON.stringify(file, null, 2), publicPem: publicKey.export({ type: 'spki', format: 'pem' }) as string, file };
}

interface Verified {
  iss: string;
  sub?: string;
  scope: string;
  lifetime: number;
}

/** Google's token endpoint as far as the JWT bearer grant goes: verifies, then issues an hour's token. */
async function startGoogleStandIn(keys: Map<string, string>) {
  const verified: Verified[] = [];
  const issued: string[] = [];
  const fake: FakeTokenServer = await startFakeTokenServer();
  fake.answer(async (req) => {
    if (req.form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return { status: 400, json: { error: 'unsupported_grant_type' } };
    if (req.headers.authorization || req.form.has('client_secret'))
      return { status: 400, json: { error: 'invalid_request', error_description: 'no client authentication expected' } };
    const assertion = req.form.get('assertion') ?? '';
    const kid = JSON.parse(Buffer.from(assertion.split('.')[0], 'base64url').toString()).kid as string;
    const pem = keys.get(kid);
    if (!pem) return { status: 400, json: { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' } };
    try {
      const { payload } = await jwtVerify(assertion, await importSPKI(pem, 'RS256'), { audience: fake.tokenUrl, algorithms: ['RS256'] });
      verified.push({ iss: String(payload.iss), sub: payload.sub, scope: String(payload.scope), lifetime: Number(payload.exp) - Number(payload.iat) });
    } catch (e) {
      return { status: 400, json: { error: 'invalid_grant', error_description: (e as Error).message } };
    }
    const token = `ya29.${randomBytes(24).toString('base64url')}`;
    issued.push(token);
    return { json: { access_token: token, expires_in: 3599, token_type: 'Bearer' } };
  });
  return { fake, verified, issued };
}

function serviceAccountToolkit(tokenUrl: string, baseUrl: string): ToolkitDef {
  return {
    slug: 'localsa',
    name: 'Local BigQuery',
    description: 'A Google-style API reached with a service account',
    categories: ['developer-tools'],
    docs_url: 'https://developers.google.com/identity/protocols/oauth2/service-account',
    base_url: baseUrl,
    auth_schemes: [
      {
        mode: 'GOOGLE_SERVICE_ACCOUNT',
        name: 'Service account',
        fields: {
          auth_config_creation: { required: [], optional: [] },
          connected_account_initiation: {
            required: [{ name: 'credentials_json', display_name: 'Service account key (JSON)', description: 'The key file', type: 'string', secret: true }],
            optional: [{ name: 'subject', display_name: 'Act as user', description: 'Domain-wide delegation', type: 'string', secret: false }],
          },
        },
        apply: [{ in: 'header', name: 'Authorization', value: 'Bearer {{access_token}}' }],
        service_account: { token_url: tokenUrl, default_scopes: [SCOPE], scope_separator: ' ' },
      },
    ],
  };
}

forEachBackend('Google service account (JWT bearer grant)', (backend) => {
  const keys = new Map<string, string>();
  let google: Awaited<ReturnType<typeof startGoogleStandIn>>;
  let up: RecordingUpstream;
  let t: TestApp;
  let authConfigId: string;
  const key = newKeyFile();
  keys.set(key.file.private_key_id, key.publicPem);

  before(async () => {
    [google, up] = await Promise.all([startGoogleStandIn(keys), startRecordingUpstream()]);
    t = await startTestApp(backend, {
      listen: true,
      env: {
        AUTHLINK_TOOLKITS_DIR: writeToolkitsDir([serviceAccountToolkit(google.fake.tokenUrl, up.origin)]),
        AUTHLINK_ALLOW_INSECURE_OAUTH: '1',
        AUTHLINK_PROXY_ALLOW_PRIVATE: '127.0.0.1',
      },
    });
    const ac = await api(t).post('/api/v3.1/auth_configs', {
      toolkit: { slug: 'localsa' },
      auth_config: { type: 'use_custom_auth', authScheme: 'GOOGLE_SERVICE_ACCOUNT' },
    });
    assert.equal(ac.status, 201, ac.text);
    assert.equal(ac.body.auth_config.auth_scheme, 'GOOGLE_SERVICE_ACCOUNT');
    authConfigId = ac.body.auth_config.id;
  });
  after(async () => {
    await t?.close();
    await Promise.all([google?.fake.close(), up?.close()]);
  });

  const create = (val: Record<string, unknown>, user = 'analyst') =>
    api(t).post('/api/v3.1/connected_accounts', {
      auth_config: { id: authConfigId },
      connection: { user_id: user, state: { authScheme: 'GOOGLE_SERVICE_ACCOUNT', val } },
    });
  const proxy = (id: string) => api(t).post('/api/v3.1/tools/execute/proxy', { connected_account_id: id, endpoint: '/projects', method: 'GET' });
  const credsOf = async (id: string) => openCredentials(t.runtime.keyRing, (await t.runtime.store.accounts.get(t.projectId, id))!);
  const accountCount = async () => (await t.runtime.database.db.selectFrom('connected_accounts').select('id').execute()).length;

  test('created through the API with the key file: ACTIVE with a token from a verified assertion; the key is stored encrypted and shown masked', async () => {
    const n = google.verified.length;
    const res = await create({ credentials_json: key.json });
    assert.equal(res.status, 201, res.text);
    assert.equal(res.body.status, 'ACTIVE');
    assert.equal(google.verified.length, n + 1);
    assert.deepEqual(google.verified.at(-1), { iss: EMAIL, sub: undefined, scope: SCOPE, lifetime: 3600 });
    assert.equal(google.fake.requests.at(-1)?.path, new URL(google.fake.tokenUrl).pathname, "the toolkit's token URL, not the key file's token_uri");

    const got = await api(t).get(`/api/v3.1/connected_accounts/${res.body.id}`);
    assert.equal(got.body.state.authScheme, 'GOOGLE_SERVICE_ACCOUNT');
    assert.deepEqual(got.body.state.val.scope, [SCOPE]);
    assert.match(got.body.state.val.credentials_json, /^\*{8}/);
    const creds = await credsOf(res.body.id);
    assert.equal(creds.credentials_json, key.json);
    assert.equal(creds.access_token, google.issued.at(-1));
    assert.equal(creds.refresh_token, undefined);
    for (const secret of [key.file.private_key, creds.access_token as string]) assert.ok(!got.text.includes(secret), 'never shown');
    const raw = JSON.stringify(await t.runtime.database.db.selectFrom('connected_accounts').selectAll().where('id', '=', res.body.id).execute());
    assert.ok(!raw.includes(key.file.private_key_id) && !raw.includes(EMAIL), 'the key file is not in the database in clear');

    const call = await proxy(res.body.id);
    assert.equal(call.status, 200, call.text);
    assert.equal(up.seen.at(-1), `Bearer ${creds.access_token}`);
  });

  test('a subject (domain-wide delegation) becomes the assertion sub; auth-config scopes replace the default', async () => {
    const ac = await api(t).post('/api/v3.1/auth_configs', {
      toolkit: { slug: 'localsa' },
      auth_config: { type: 'use_custom_auth', authScheme: 'GOOGLE_SERVICE_ACCOUNT', credentials: { scopes: 'scope.a scope.b' } },
    });
    assert.equal(ac.status, 201, ac.text);
    const res = await api(t).post('/api/v3.1/connected_accounts', {
      auth_config: { id: ac.body.auth_config.id },
      connection: { user_id: 'delegate', state: { authScheme: 'GOOGLE_SERVICE_ACCOUNT', val: { credentials_json: key.json, subject: 'ceo@example.com' } } },
    });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(google.verified.at(-1), { iss: EMAIL, sub: 'ceo@example.com', scope: 'scope.a scope.b', lifetime: 3600 });
    const got = await api(t).get(`/api/v3.1/connected_accounts/${res.body.id}`);
    assert.equal(got.body.state.val.subject, 'ceo@example.com', 'a non-secret connection field');
  });

  test('an expired token, a 401 and POST /refresh each sign a new assertion', async () => {
    const { body } = await create({ credentials_json: key.json }, 'renew');
    const first = (await credsOf(body.id)).access_token;
    await t.runtime.database.db
      .updateTable('connected_accounts')
      .set({ token_expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', body.id)
      .execute();
    let n = google.verified.length;
    assert.equal((await proxy(body.id)).status, 200);
    assert.equal(google.verified.length, n + 1, 'renewed before the call');
    const second = (await credsOf(body.id)).access_token;
    assert.notEqual(second, first);
    assert.equal(up.seen.at(-1), `Bearer ${second}`);

    n = google.verified.length;
    up.failNext(401);
    assert.equal((await proxy(body.id)).status, 200);
    assert.equal(google.verified.length, n + 1, 'renewed after the 401, then retried');
    assert.equal(up.seen.at(-1), `Bearer ${(await credsOf(body.id)).access_token}`);

    n = google.verified.length;
    const refreshed = await api(t).post(`/api/v3.1/connected_accounts/${body.id}/refresh`);
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.equal(google.verified.length, n + 1);
    assert.equal((await credsOf(body.id)).credentials_json, key.json, 'the key stays');
  });

  test('a key the provider no longer accepts ends the account EXPIRED at its next renewal', async () => {
    const gone = newKeyFile('gone@demo-project.iam.gserviceaccount.com');
    keys.set(gone.file.private_key_id, gone.publicPem);
    const { body } = await create({ credentials_json: gone.json }, 'deleted-key');
    assert.equal(body.status, 'ACTIVE');
    keys.delete(gone.file.private_key_id);
    const refreshed = await api(t).post(`/api/v3.1/connected_accounts/${body.id}/refresh`);
    assert.equal(refreshed.status, 409, refreshed.text);
    assert.equal(refreshed.body.error.slug, 'ConnectedAccount_NotActive');
    const row = await t.runtime.store.accounts.get(t.projectId, body.id);
    assert.equal(row?.status, 'EXPIRED');
    assert.equal(row?.status_reason, INVALID_GRANT_SERVER_REASON);
  });

  test('a malformed key is a 400 naming what is wrong without quoting it; a refused key is a 502; neither stores anything', async () => {
    const n = await accountCount();
    const broken = { ...key.file, private_key: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n', client_email: 'nobody' };
    const bad = await create({ credentials_json: JSON.stringify(broken) }, 'broken');
    assert.equal(bad.status, 400, bad.text);
    assert.deepEqual(bad.body.error.errors, [
      'connection.state.val.credentials_json: client_email: must be the service account email',
      'connection.state.val.credentials_json: private_key: is not a readable PEM private key',
    ]);
    assert.ok(!bad.text.includes('not a key'));
    const notJson = await create({ credentials_json: '{"type": "service_account", ' }, 'broken');
    assert.equal(notJson.status, 400);
    assert.match(notJson.body.error.errors[0], /credentials_json: is not JSON/);

    const stranger = newKeyFile('stranger@other.iam.gserviceaccount.com');
    const refused = await create({ credentials_json: stranger.json }, 'stranger');
    assert.equal(refused.status, 502, refused.text);
    assert.equal(refused.body.error.slug, 'ConnectedAccount_ProviderError');
    assert.match(refused.body.error.message, /Invalid JWT Signature/);
    assert.ok(!refused.text.includes(stranger.file.private_key_id));
    assert.equal(await accountCount(), n, 'nothing stored');
  });

  test('on the hosted page: the key is pasted into the form; a refused key is reported on the form and the link stays usable', async () => {
    const link = await createLink(t, { auth_config_id: authConfigId, user_id: 'pasted', callback_url: 'https://app.example.com/done' });
    const browser = createCookieClient();
    const { page, csrf } = await openLink(browser, t, link.redirect_url);
    assert.match(page.text, /Service account key \(JSON\)/);
    const stranger = newKeyFile('stranger@other.iam.gserviceaccount.com');
    const refused = await browser.post(`${t.config.publicUrl}/link/submit`, { csrf, credentials_json: stranger.json });
    assert.equal(refused.status, 400);
    assert.match(refused.text, /issued no token for this key/);
    assert.ok(!refused.text.includes(stranger.file.private_key_id), 'the key is not echoed back');
    assert.equal((await t.runtime.store.accounts.get(t.projectId, link.connected_account_id))?.status, 'INITIATED');

    const done = await browser.post(`${t.config.publicUrl}/link/submit`, { csrf: csrfOf(refused.text), credentials_json: key.json, subject: '' });
    assert.equal(done.status, 303, done.text.slice(0, 300));
    assert.equal(new URL(done.location!).searchParams.get('status'), 'success');
    const row = await t.runtime.store.accounts.get(t.projectId, link.connected_account_id);
    assert.equal(row?.status, 'ACTIVE');
    assert.ok(row?.token_expires_at, 'the token expiry is kept for renewal');
    const creds = await credsOf(link.connected_account_id);
    assert.equal(creds.access_token, google.issued.at(-1));
    assert.equal((await proxy(link.connected_account_id)).status, 200);
    assert.equal(up.seen.at(-1), `Bearer ${creds.access_token}`);
  });
});
