// Wires the services from the app's dependencies. No module singletons: each
// createApp() call gets its own set.
import type { AppDeps } from '../app.ts';
import { createApiKeyService } from './api-keys.ts';
import { createAuthConfigService } from './auth-configs.ts';
import { createLinkService } from './links.ts';
import { createHostedFlow } from './hosted-flow.ts';

export interface ServiceDeps extends AppDeps {
  now: () => Date;
  fetch: typeof fetch;
}

export function createServices(deps: ServiceDeps) {
  const { store, keyRing, catalog, config, now } = deps;
  const managedAuth = deps.managedAuth ?? {};
  const apiKeys = createApiKeyService(store, { cacheSeconds: config.apiKeyCacheSeconds, now });
  const authConfigs = createAuthConfigService({ store, keyRing, catalog, managedAuth, now });
  const links = createLinkService({ store, authConfigs, publicUrl: config.publicUrl, defaultTtlSeconds: config.linkTtlSeconds, now });
  const hostedFlow = createHostedFlow({ store, keyRing, authConfigs, publicUrl: config.publicUrl, allowInsecureOAuth: config.allowInsecureOAuth, fetch: deps.fetch, now });
  return { store, catalog, config, managedAuth, now, apiKeys, authConfigs, links, hostedFlow };
}

export type Services = ReturnType<typeof createServices>;
