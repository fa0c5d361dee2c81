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
import { createWebhookEndpoints } from '../webhooks/endpoints.ts';
import { createWebhookWorker } from '../webhooks/worker.ts';
import { createSessionService } from './sessions.ts';
import { createProxy } from '../proxy/execute.ts';
import type { Metrics } from '../metrics/types.ts';

export interface ServiceDeps extends AppDeps {
  now: () => Date;
  fetch: typeof fetch;
  metrics: Metrics;
}

export function createServices(deps: ServiceDeps) {
  const { store, keyRing, catalog, config, now, metrics } = deps;
  const managedAuth = deps.managedAuth ?? {};
  const oauth = { allowInsecureOAuth: config.allowInsecureOAuth, fetch: deps.fetch };
  const apiKeys = createApiKeyService(store, { cacheSeconds: config.apiKeyCacheSeconds, now, hub: deps.invalidation });
  const authConfigs = createAuthConfigService({ store, keyRing, catalog, managedAuth, now });
  const links = createLinkService({ store, keyRing, authConfigs, publicUrl: config.publicUrl, defaultTtlSeconds: config.linkTtlSeconds, now, metrics });
  const hostedFlow = createHostedFlow({ store, keyRing, authConfigs, publicUrl: config.publicUrl, ...oauth, now, metrics });
  const refresher = createRefresher({
    store,
    keyRing,
    authConfigs,
    ...oauth,
    now,
    metrics,
    options: { skewSeconds: config.refreshSkewSeconds, leaseMs: 30_000, waitMs: 15_000 },
  });
  const accounts = createAccountService({ store, keyRing, authConfigs, refresher, ...oauth, now });
  const credentials = createCredentialSource({ store, keyRing, authConfigs, refresher, now });
  const webhookEndpoints = createWebhookEndpoints({
    store,
    keyRing,
    now,
    allowPrivateNetworks: config.webhookAllowPrivate,
    secretOverlapSeconds: config.webhookSecretOverlapSeconds,
  });
  const webhookWorker = createWebhookWorker({
    store,
    keyRing,
    now,
    metrics,
    options: {
      timeoutMs: config.webhookTimeoutMs,
      allowPrivateNetworks: config.webhookAllowPrivate,
      retryDelaysMs: config.webhookRetryDelaysMs,
      leaseMs: config.webhookTimeoutMs + 30_000,
      batchSize: 50,
    },
  });
  const proxy = createProxy({
    credentials,
    metrics,
    options: { timeoutMs: config.proxyTimeoutMs, maxResponseBytes: config.proxyMaxResponseBytes, allowPrivateNetworks: config.proxyAllowPrivate },
  });
  const sessions = createSessionService({ store, catalog, links, proxy, managedAuth, publicUrl: config.publicUrl, now });
  return {
    store,
    catalog,
    config,
    managedAuth,
    now,
    metrics,
    apiKeys,
    authConfigs,
    links,
    hostedFlow,
    refresher,
    accounts,
    credentials,
    proxy,
    sessions,
    webhookEndpoints,
    webhookWorker,
  };
}

export type Services = ReturnType<typeof createServices>;
