// A world: one authlink child on one backend with N stored accounts, its two
// auth configs (OAuth2 for links, API key for stored/proxied accounts), and
// a check that the seeded rows read back exactly like an account the API
// created (same shape, ACTIVE, credential decrypted and masked).
import type { TestOidcProvider } from '../../test/helpers/oidc-provider.ts';
import { startAuthlink, type Authlink, type Backend } from '../lib/authlink.ts';
import { call, expectStatus } from '../lib/http.ts';
import { ACCOUNTS_PER_USER, seedAccounts, type SeedResult } from '../lib/seed.ts';
import { API_KEY_TOOLKIT, BENCH_TOOLS_DIR, OAUTH_TOOLKIT } from '../lib/toolkits.ts';
import { waitQuiet } from '../lib/quiet.ts';
import { decodeCursor, encodeCursor } from '../../src/store/cursor.ts';

export interface World {
  id: string;
  backend: Backend;
  size: number;
  a: Authlink;
  oauthConfigId: string;
  apiKeyConfigId: string;
  seed: SeedResult;
  startSeconds: number;
  api(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown): ReturnType<typeof call>;
  close(): Promise<void>;
}

export interface WorldOptions {
  backend: Backend;
  size: number;
  pgUrl?: string;
  toolkitsDir: string;
  provider: TestOidcProvider;
  logLevel: string;
  cpuProfDir?: string;
  /** Run another checkout of authlink (see AuthlinkOptions.root). */
  root?: string;
  log(msg: string): void;
}

function sameKeys(a: object, b: object): boolean {
  return JSON.stringify(Object.keys(a).sort()) === JSON.stringify(Object.keys(b).sort());
}

async function validate(w: World): Promise<void> {
  const legacy = await expectStatus(
    'legacy create',
    w.api('POST', '/api/v3.1/connected_accounts', {
      auth_config: { id: w.apiKeyConfigId },
      connection: { user_id: 'validate-legacy', state: { authScheme: 'API_KEY', val: { api_key: 'sk_validate_0123456789abcdef' } } },
    }),
    201,
  );
  const viaApi = (await expectStatus('GET legacy account', w.api('GET', `/api/v3.1/connected_accounts/${legacy.body.id}`), 200)).body;
  if (!w.seed.ids.length) return;
  const seeded = (await expectStatus('GET seeded account', w.api('GET', `/api/v3.1/connected_accounts/${w.seed.ids[w.seed.ids.length >> 1]}`), 200)).body;
  const problems: string[] = [];
  if (seeded.status !== 'ACTIVE') problems.push(`status ${seeded.status}`);
  if (!sameKeys(seeded, viaApi)) problems.push('top-level fields differ');
  if (!sameKeys(seeded.state.val, viaApi.state.val))
    problems.push(`state.val fields differ: ${Object.keys(seeded.state.val)} vs ${Object.keys(viaApi.state.val)}`);
  if (!/^\*{8}/.test(String(seeded.state.val.api_key))) problems.push('api_key not decrypted and masked');
  if (JSON.stringify(seeded.auth_config) !== JSON.stringify(viaApi.auth_config)) problems.push('auth_config differs');
  const page = (await expectStatus('list a user', w.api('GET', `/api/v3.1/connected_accounts?user_ids=${w.seed.users[0]}&limit=20`), 200)).body;
  const perUser = Math.min(ACCOUNTS_PER_USER, w.size);
  if (page.items.length !== Math.min(20, perUser) || page.total_items !== perUser)
    problems.push(`user page: ${page.items.length} items of ${page.total_items}`);
  if (w.seed.deepCursors.length) {
    // A client deep in a listing holds a cursor the API returned, and those
    // carry the total counted for the first page: give the seeded cursors the
    // total and filter tag the first page's cursor carries.
    const first = (await expectStatus('first page', w.api('GET', '/api/v3.1/connected_accounts?limit=20'), 200)).body;
    const carried = decodeCursor(first.next_cursor);
    if (carried?.n === undefined) problems.push('the first page cursor carries no total');
    w.seed.deepCursors = w.seed.deepCursors.map((c) => encodeCursor({ ...decodeCursor(c)!, n: carried?.n, f: carried?.f }));
    const deep = (await expectStatus('deep page', w.api('GET', `/api/v3.1/connected_accounts?limit=20&cursor=${w.seed.deepCursors[0]}`), 200)).body;
    if (deep.items.length !== 20) problems.push(`deep page has ${deep.items.length} items`);
    if (deep.total_items !== first.total_items) problems.push(`deep page total ${deep.total_items}, first page ${first.total_items}`);
  }
  if (problems.length) throw new Error(`seeded rows do not read back like API-created ones (${w.backend}, ${w.size}): ${problems.join('; ')}`);
}

export async function startWorld(o: WorldOptions): Promise<World> {
  const t0 = Date.now();
  const a = await startAuthlink({
    backend: o.backend,
    pgUrl: o.pgUrl,
    toolkitsDir: o.toolkitsDir,
    toolsDir: BENCH_TOOLS_DIR,
    logLevel: o.logLevel,
    cpuProfDir: o.cpuProfDir,
    root: o.root,
  });
  const startSeconds = (Date.now() - t0) / 1000;
  o.provider.redirectUris.push(`${a.url}/api/v3.1/toolkits/auth/callback`);
  const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown) => call(a.url, a.apiKey, method, path, body);
  try {
    const oauth = await expectStatus(
      'create OAuth2 auth config',
      api('POST', '/api/v3.1/auth_configs', {
        toolkit: { slug: OAUTH_TOOLKIT },
        auth_config: { type: 'use_custom_auth', authScheme: 'OAUTH2', credentials: { client_id: o.provider.clientId, client_secret: o.provider.clientSecret } },
      }),
      201,
    );
    const apiKey = await expectStatus(
      'create API-key auth config',
      api('POST', '/api/v3.1/auth_configs', { toolkit: { slug: API_KEY_TOOLKIT }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' } }),
      201,
    );
    o.log(`  seeding ${o.size.toLocaleString('en-US')} accounts into ${o.backend}...`);
    const seed = await seedAccounts({
      n: o.size,
      projectId: a.projectId,
      authConfigId: apiKey.body.auth_config.id,
      toolkitSlug: API_KEY_TOOLKIT,
      encryptionKey: a.encryptionKey,
      sqliteFile: a.sqliteFile,
      pgUrl: a.pgUrl,
    });
    o.log(`  seeded in ${seed.seconds.toFixed(1)} s (${Math.round(o.size / Math.max(seed.seconds, 1e-3)).toLocaleString('en-US')} rows/s)`);
    const w: World = {
      id: `${o.backend}-${o.size}`,
      backend: o.backend,
      size: o.size,
      a,
      oauthConfigId: oauth.body.auth_config.id,
      apiKeyConfigId: apiKey.body.auth_config.id,
      seed,
      startSeconds,
      api,
      close: () => a.close(),
    };
    await validate(w);
    if (o.size >= 100_000) await waitQuiet(o.log);
    return w;
  } catch (e) {
    process.stderr.write(`server output:\n${a.proc.tail()}\n`);
    await a.close();
    throw e;
  }
}
