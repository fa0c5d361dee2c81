// The 50 ACTIVE API-key accounts (echoapi, the local upstream) that the proxy
// and tool_execute scenarios call with: created once per world through legacy
// POST /connected_accounts with state.val credentials, as an app importing
// keys would, each for its own user.
import { expectStatus } from '../lib/http.ts';
import type { World } from './world.ts';

export interface ApiKeyAccount {
  id: string;
  userId: string;
}

const COUNT = 50;
const created = new WeakMap<World, ApiKeyAccount[]>();

/** An API key the upstream accepts (it checks the X-Api-Key prefix): for calling it directly. */
export const UPSTREAM_KEY = 'sk_proxy_0_0123456789abcdef';

export async function apiKeyAccounts(w: World): Promise<ApiKeyAccount[]> {
  let accounts = created.get(w);
  if (accounts) return accounts;
  accounts = [];
  for (let i = 0; i < COUNT; i++) {
    const userId = `proxy-user-${i}`;
    const r = await expectStatus(
      'legacy create (API-key account)',
      w.api('POST', '/api/v3.1/connected_accounts', {
        auth_config: { id: w.apiKeyConfigId },
        connection: { user_id: userId, state: { authScheme: 'API_KEY', val: { api_key: `sk_proxy_${i}_0123456789abcdef` } } },
      }),
      201,
    );
    if (r.body.status !== 'ACTIVE') throw new Error(`legacy create gave ${r.body.status}, expected ACTIVE`);
    accounts.push({ id: r.body.id, userId });
  }
  created.set(w, accounts);
  return accounts;
}
