// Wires the services from the app's dependencies. No module singletons: each
// createApp() call gets its own set.
import type { AppDeps } from '../app.ts';
import { createApiKeyService } from './api-keys.ts';
import { createAuthConfigService } from './auth-configs.ts';
import { createLinkService } from './links.ts';
import { createHostedFlow } from './hosted-flow.ts';
import { createRefresher } from './refresh.ts';
import { createAccountService } from './accounts.ts';
import { createCredentialSource } from './credential-source.ts';

export interface ServiceDeps extends AppDeps {
  now: () => Date;
  fetch: typeof fetch;
}

export function createServices(deps: ServiceDeps) {
  const { store, keyRing, catalog, config, now } = deps;
  const managedAuth = deps.managedAuth ?? {};
  const oauth = { allowInsecureOAuth: config.allowInsecureOAuth, fetch: deps.fetch };
  const apiKeys = createApiKeyService(store, { cacheSeconds: config.apiKeyCacheSeconds, now });
  const authConfigs = createAuthConfigService({ store, keyRing, catalog, managedAuth, now });
  const links = createLinkService({ store, keyRing, authConfigs, publicUrl: config.publicUrl, defaultTtlSeconds: config.linkTtlSeconds, now });
  const hostedFlow = createHostedFlow({ store, keyRing, authConfigs, publicUrl: config.publicUrl, ...oauth, now });
  const refresher = createRefresher({ store, keyRing, authConfigs, ...oauth, now, options: { skewSeconds: config.refreshSkewSeconds, leaseMs: 30_000, waitMs: 15_000 } });
  const accounts = createAccountService({ store, keyRing, authConfigs, refresher, ...oauth, now });
  const credentials = createCredentialSource({ store, keyRing, authConfigs, refresher, now });
  return { store, catalog, config, managedAuth, now, apiKeys, authConfigs, links, hostedFlow, refresher, accounts, credentials };
}

export type Services = ReturnType<typeof createServices>;
