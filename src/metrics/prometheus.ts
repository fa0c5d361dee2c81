// The Prometheus side of Metrics: one prom-client Registry per instance (one
// per app; a test builds a fresh one per case), never prom-client's global
// registry. Loaded only when metrics are on (src/metrics/index.ts).
// The series and the queries that use them: docs/operations.md, "Metrics".
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { type Metrics, type PoolGauges, statusClass } from './types.ts';

export interface PrometheusMetrics extends Metrics {
  readonly registry: Registry;
  /** The exposition text and its content type. */
  render(): Promise<{ contentType: string; body: string }>;
}

// Seconds. HTTP and store buckets reach down to 0.5 ms: most answers are a few ms.
const FAST = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const UPSTREAM = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
const LAG = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600];

/** The first SQL keyword (select, insert, update, delete, ...), a bounded label. */
export function statementOf(sql: string): string {
  const m = /^\s*(?:\(\s*)?([a-z]+)/i.exec(sql);
  const word = m?.[1].toLowerCase() ?? 'other';
  return ['select', 'insert', 'update', 'delete', 'with', 'begin', 'commit', 'rollback'].includes(word) ? word : 'other';
}

export function createPrometheusMetrics(opts: { defaultMetrics?: boolean } = {}): PrometheusMetrics & { watchPool(pool: PoolGauges): void } {
  const registry = new Registry();
  const r = [registry];
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });

  const http = new Histogram({
    name: 'authlink_http_request_duration_seconds',
    help: 'HTTP requests by route template (never the raw URL), method and status class',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: FAST,
    registers: r,
  });
  const linksCreated = new Counter({ name: 'authlink_links_created_total', help: 'Links created', labelNames: ['toolkit'] as const, registers: r });
  const linksOpened = new Counter({
    name: 'authlink_links_opened_total',
    help: 'Links opened in a browser (first open)',
    labelNames: ['toolkit'] as const,
    registers: r,
  });
  const linksCompleted = new Counter({
    name: 'authlink_links_completed_total',
    help: 'Hosted-page flows finished, by outcome (success, denied, cancelled, failed)',
    labelNames: ['toolkit', 'outcome'] as const,
    registers: r,
  });
  const linksExpired = new Counter({
    name: 'authlink_links_expired_total',
    help: 'Links that expired before the user connected',
    labelNames: ['toolkit'] as const,
    registers: r,
  });
  const refreshes = new Counter({
    name: 'authlink_token_refreshes_total',
    help: 'OAuth token refreshes at the provider, by outcome (success, invalid_grant, transient_error)',
    labelNames: ['toolkit', 'outcome'] as const,
    registers: r,
  });
  const upstream = new Histogram({
    name: 'authlink_proxy_upstream_duration_seconds',
    help: 'Proxied calls to providers, by toolkit and status class ("error": no answer)',
    labelNames: ['toolkit', 'status_class'] as const,
    buckets: UPSTREAM,
    registers: r,
  });
  const deliveries = new Counter({
    name: 'authlink_webhook_deliveries_total',
    help: 'Webhook delivery attempts, by outcome (succeeded, retry, dead)',
    labelNames: ['outcome'] as const,
    registers: r,
  });
  const deliveryLag = new Histogram({
    name: 'authlink_webhook_delivery_lag_seconds',
    help: 'How late a webhook delivery attempt started after it was due',
    buckets: LAG,
    registers: r,
  });
  const queries = new Histogram({
    name: 'authlink_store_query_duration_seconds',
    help: 'Database queries by statement kind',
    labelNames: ['statement'] as const,
    buckets: FAST,
    registers: r,
  });
  const queryErrors = new Counter({
    name: 'authlink_store_query_errors_total',
    help: 'Database queries that failed',
    labelNames: ['statement'] as const,
    registers: r,
  });
  const poolAcquire = new Histogram({
    name: 'authlink_store_pool_acquire_duration_seconds',
    help: 'Time to get a PostgreSQL connection from the pool',
    buckets: FAST,
    registers: r,
  });
  const invalidations = new Counter({
    name: 'authlink_cache_invalidations_received_total',
    help: 'Cache invalidations received over PostgreSQL LISTEN/NOTIFY, by topic ("flush": after the listener reconnected)',
    labelNames: ['topic'] as const,
    registers: r,
  });
  const listenerUp = new Gauge({
    name: 'authlink_cache_invalidation_listener_up',
    help: '1 while the PostgreSQL LISTEN connection is up (0: caches fall back to their TTLs)',
    registers: r,
  });

  return {
    enabled: true,
    registry,
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
    watchPool(pool) {
      const reading = (name: string, help: string, read: () => number) =>
        new Gauge({
          name,
          help,
          registers: r,
          collect() {
            this.set(read());
          },
        });
      reading('authlink_store_pool_connections', 'PostgreSQL pool connections open', () => pool.total());
      reading('authlink_store_pool_idle_connections', 'PostgreSQL pool connections idle', () => pool.idle());
      reading('authlink_store_pool_waiting_clients', 'Queries waiting for a PostgreSQL pool connection', () => pool.waiting());
    },
    httpRequest: (method, route, statusCode, seconds) => http.observe({ method, route, status_class: statusClass(statusCode) }, seconds),
    linkCreated: (toolkit) => linksCreated.inc({ toolkit }),
    linkOpened: (toolkit) => linksOpened.inc({ toolkit }),
    linkCompleted: (toolkit, outcome) => linksCompleted.inc({ toolkit, outcome }),
    linkExpired: (toolkit) => linksExpired.inc({ toolkit }),
    refresh: (toolkit, outcome) => refreshes.inc({ toolkit, outcome }),
    proxyUpstream: (toolkit, statusCode, seconds) => upstream.observe({ toolkit, status_class: statusClass(statusCode) }, seconds),
    webhookDelivery(outcome, lagSeconds) {
      deliveries.inc({ outcome });
      deliveryLag.observe(Math.max(0, lagSeconds));
    },
    storeQuery(sql, seconds, failed) {
      const statement = statementOf(sql);
      queries.observe({ statement }, seconds);
      if (failed) queryErrors.inc({ statement });
    },
    poolAcquire: (seconds) => poolAcquire.observe(seconds),
    invalidationReceived: (topic) => invalidations.inc({ topic }),
    invalidationListener: (up) => listenerUp.set(up ? 1 : 0),
  };
}
