// Drives authlink's hosted page over HTTP like a browser would (cookie jar,
// manual redirects), for the end-to-end tests.
import assert from 'node:assert/strict';
import { createCookieClient, driveOidcInteraction, type CookieClient } from './cookie-fetch.ts';
import { startOidcProvider, type TestOidcProvider } from './oidc-provider.ts';
import { oidcToolkit, apiKeyToolkit, writeToolkitsDir } from './toolkits.ts';
import { api, startTestApp, type TestApp, type TestAppOptions } from './test-app.ts';
import type { ToolkitDef } from '../../src/toolkits/types.ts';
import type { Backend } from './backends.ts';

export interface OAuthWorld {
  t: TestApp;
  op: TestOidcProvider;
  authConfigId: string;
  apiKeyAuthConfigId: string;
  close(): Promise<void>;
}

/** authlink listening on a real port + the in-process provider, wired together. */
export async function startOAuthWorld(
  backend: Backend,
  opts: TestAppOptions & { op?: Parameters<typeof startOidcProvider>[0]; extraToolkits?: (op: TestOidcProvider) => ToolkitDef[] } = {},
): Promise<OAuthWorld> {
  const op = await startOidcProvider({ accessTokenTtl: 60, ...opts.op });
  const dir = writeToolkitsDir([oidcToolkit(op), apiKeyToolkit('http://127.0.0.1:9/echo'), ...(opts.extraToolkits?.(op) ?? [])]);
  const t = await startTestApp(backend, { ...opts, listen: true, env: { AUTHLINK_TOOLKITS_DIR: dir, AUTHLINK_ALLOW_INSECURE_OAUTH: '1', ...opts.env } });
  op.redirectUris = [`${t.config.publicUrl}/api/v3.1/toolkits/auth/callback`];
  const ac = await api(t).post('/api/v3.1/auth_configs', {
    toolkit: { slug: 'localoidc' },
    auth_config: { type: 'use_custom_auth', authScheme: 'OAUTH2', credentials: { client_id: op.clientId, client_secret: op.clientSecret } },
  });
  assert.equal(ac.status, 201, JSON.stringify(ac.body));
  const ak = await api(t).post('/api/v3.1/auth_configs', { toolkit: { slug: 'echoapi' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' } });
  assert.equal(ak.status, 201, JSON.stringify(ak.body));
  return {
    t,
    op,
    authConfigId: ac.body.auth_config.id,
    apiKeyAuthConfigId: ak.body.auth_config.id,
    async close() {
      await t.close();
      await op.close();
    },
  };
}

export async function createLink(t: TestApp, body: Record<string, unknown>) {
  const res = await api(t).post('/api/v3.1/connected_accounts/link', body);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body as { link_token: string; redirect_url: string; connected_account_id: string; expires_at: string };
}

export function csrfOf(html: string): string {
  const m = /name="csrf" value="([^"]+)"/.exec(html);
  assert.ok(m, 'page has a CSRF field');
  return m[1];
}

/** Opens the link, lands on /link, returns the page and its CSRF token. */
export async function openLink(client: CookieClient, t: TestApp, redirectUrl: string) {
  const first = await client.get(redirectUrl);
  assert.equal(first.status, 303);
  assert.equal(first.location, `${t.config.publicUrl}/link`, 'token leaves the URL');
  const page = await client.get(`${t.config.publicUrl}/link`);
  assert.equal(page.status, 200, page.text.slice(0, 500));
  return { page, csrf: csrfOf(page.text) };
}

/** Consent -> provider (signing in as `login`, which becomes the id_token's sub) -> back to authlink's callback URL (not yet requested). */
export async function consentAndAuthorize(client: CookieClient, w: OAuthWorld, redirectUrl: string, consent: 'accept' | 'deny' = 'accept', login = 'alice') {
  const { csrf } = await openLink(client, w.t, redirectUrl);
  const go = await client.post(`${w.t.config.publicUrl}/link/authorize`, { csrf });
  assert.equal(go.status, 303);
  assert.ok(go.location?.startsWith(w.op.authorizationUrl), go.location);
  return driveOidcInteraction(client, go.location!, { login, consent });
}

export { createCookieClient };

/** A full OAuth connect for `userId`; returns the ACTIVE account id. */
export async function connectOAuth(w: OAuthWorld, userId: string, extra: Record<string, unknown> = {}): Promise<string> {
  const link = await createLink(w.t, { auth_config_id: w.authConfigId, user_id: userId, ...extra });
  const client = createCookieClient();
  const done = await client.get(await consentAndAuthorize(client, w, link.redirect_url));
  assert.equal(done.status, 200, done.text.slice(0, 300));
  return link.connected_account_id;
}

/** Makes the stored access token look expired, as time passing would. */
export async function expireToken(w: OAuthWorld, accountId: string): Promise<void> {
  await w.t.runtime.database.db
    .updateTable('connected_accounts')
    .set({ token_expires_at: new Date(Date.now() - 1000).toISOString() })
    .where('id', '=', accountId)
    .execute();
}
