// Wires the services from the app's dependencies. No module singletons: each
// createApp() call gets its own set.
import type { Config } from '../config.ts';
import type { KeyRing } from '../crypto/keyring.ts';
import type { InvalidationHub } from '../store/invalidation.ts';
import type { Store } from '../store/store.ts';
import type { Catalog } from '../toolkits/catalog.ts';
import type { ToolCatalog } from '../tools/catalog.ts';
import type { ManagedAuth } from './auth-configs.ts';
import { createApiKeyService } from './api-keys.ts';
import { createAuthConfigService } from './auth-configs.ts';
import { createLinkService } from './links.ts';
import { createHostedFlow } from './hosted-flow.ts';
import { createCompleteAuthService } from './complete-auth.ts';
import { createRefresher } from './refresh.ts';
import { createAccountService } from './accounts.ts';
import { createCredentialSource } from './credential-source.ts';
import { createWebhookSubscriptions } from '../webhooks/subscriptions.ts';
import { createWebhookWorker, type WorkerLog } from '../webhooks/worker.ts';
import { WEBHOOK_MAX_IN_FLIGHT } from '../config.ts';
import { createSessionService } from './sessions.ts';
import { createProxy } from '../proxy/execute.ts';
import { createToolService } from '../tools/service.ts';
import { createMetaTools } from '../mcp/meta-tools.ts';
import { createDownloads } from './downloads.ts';
import type { Metrics } from '../metrics/types.ts';

/** The runtime's parts every service set is built from (src/bootstrap.ts makes them; createApp passes them on). */
export interface CoreDeps {
  config: Config;
  store: Store;
  keyRing: KeyRing;
  catalog: Catalog;
  tools: ToolCatalog;
  managedAuth?: ManagedAuth;
  now?: () => Date;
  fetch?: typeof fetch;
  /** Shared with the store's query timing when given (src/cli/serve.ts); made here from the config otherwise. */
  metrics?: Metrics;
  /** Cache invalidations from every process (the runtime's; src/store/invalidation.ts). */
  invalidation?: InvalidationHub;
}

export interface ServiceDeps extends CoreDeps {
  now: () => Date;
  fetch: typeof fetch;
  /** The app's logger: background work reports to the operator through it. */
  log?: WorkerLog;
  metrics: Metrics;
}

export function createServices(deps: ServiceDeps) {
  const { store, keyRing, catalog, config, now, metrics } = deps;
  const managedAuth = deps.managedAuth ?? {};
  const oauth = { allowInsecureOAuth: config.allowInsecureOAuth, fetch: deps.fetch };
  const apiKeys = createApiKeyService(store, { cacheSeconds: config.apiKeyCacheSeconds, now, hub: deps.invalidation });
  const authConfigs = createAuthConfigService({ store, keyRing, catalog, managedAuth, now, tools: deps.tools, allowPrivateNetworks: config.proxyAllowPrivate });
  const links = createLinkService({
    store,
    keyRing,
    authConfigs,
    publicUrl: config.publicUrl,
    defaultTtlSeconds: config.linkTtlSeconds,
    now,
    metrics,
    ...oauth,
  });
  const hostedFlow = createHostedFlow({ store, keyRing, authConfigs, publicUrl: config.publicUrl, ...oauth, now, metrics });
  const completeAuth = createCompleteAuthService({ store, keyRing, now });
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
  const webhookSubscriptions = createWebhookSubscriptions({
    store,
    keyRing,
    now,
    allowPrivateNetworks: config.webhookAllowPrivate,
    secretOverlapSeconds: config.webhookSecretOverlapSeconds,
    maxPerProject: config.webhookMaxEndpointsPerProject,
  });
  const webhookWorker = createWebhookWorker({
    store,
    keyRing,
    now,
    log: deps.log,
    metrics,
    options: {
      timeoutMs: config.webhookTimeoutMs,
      allowPrivateNetworks: config.webhookAllowPrivate,
      retryDelaysMs: config.webhookRetryDelaysMs,
      // An attempt starts right after its lease and ends by its deadline; the rest is margin for the store.
      leaseMs: config.webhookTimeoutMs + 30_000,
      batchSize: 50,
      maxInFlight: WEBHOOK_MAX_IN_FLIGHT,
      maxInFlightPerProject: config.webhookMaxInFlightPerProject,
    },
  });
  const downloads = createDownloads({ store, keyRing, publicUrl: config.publicUrl, ttlSeconds: config.downloadTtlSeconds, now });
  const proxy = createProxy({
    credentials,
    downloads,
    metrics,
    options: { timeoutMs: config.proxyTimeoutMs, maxResponseBytes: config.proxyMaxResponseBytes, allowPrivateNetworks: config.proxyAllowPrivate },
  });
  const sessions = createSessionService({ store, catalog, links, proxy, managedAuth, publicUrl: config.publicUrl, now });
  const tools = createToolService({ store, catalog, tools: deps.tools, proxy, credentials, sessions, now });
  const meta = createMetaTools({ sessions, tools, catalog });
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
    completeAuth,
    refresher,
    accounts,
    credentials,
    proxy,
    sessions,
    tools,
    meta,
    downloads,
    webhookSubscriptions,
    webhookWorker,
  };
}

export type Services = ReturnType<typeof createServices>;
