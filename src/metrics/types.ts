// What the rest of authlink reports to the metrics layer. Services, the proxy,
// the webhook worker and the store call these (through their deps) without
// knowing about Prometheus; `noopMetrics` is the default, so a process without
// AUTHLINK_METRICS_TOKEN / AUTHLINK_METRICS_PORT pays nothing and never loads
// prom-client. Labels are bounded: toolkit slugs, outcomes and status classes,
// never a user, account or project id.

/** How a hosted-page flow ended. Provider error codes are folded into these so the label stays bounded. */
export type LinkOutcome = 'success' | 'denied' | 'cancelled' | 'failed';
export type RefreshOutcome = 'success' | 'invalid_grant' | 'transient_error';
export type DeliveryOutcome = 'succeeded' | 'retry' | 'dead';

export interface Metrics {
  readonly enabled: boolean;
  httpRequest(method: string, route: string, statusCode: number, seconds: number): void;
  linkCreated(toolkit: string): void;
  linkOpened(toolkit: string): void;
  linkCompleted(toolkit: string, outcome: LinkOutcome): void;
  linkExpired(toolkit: string): void;
  refresh(toolkit: string, outcome: RefreshOutcome): void;
  /** One call to a provider through the proxy; statusCode undefined when no answer came (transport error, timeout). */
  proxyUpstream(toolkit: string, statusCode: number | undefined, seconds: number): void;
  /** One webhook delivery attempt; lagSeconds is how late it started after it was due. */
  webhookDelivery(outcome: DeliveryOutcome, lagSeconds: number): void;
  storeQuery(sql: string, seconds: number, failed: boolean): void;
  poolAcquire(seconds: number): void;
  invalidationReceived(topic: string): void;
  invalidationListener(up: boolean): void;
  /** Live pool readings, taken at scrape time (PostgreSQL only). */
  watchPool?(pool: PoolGauges): void;
}

export interface PoolGauges {
  total(): number;
  idle(): number;
  waiting(): number;
}

const nothing = () => {};
export const noopMetrics: Metrics = {
  enabled: false,
  httpRequest: nothing,
  linkCreated: nothing,
  linkOpened: nothing,
  linkCompleted: nothing,
  linkExpired: nothing,
  refresh: nothing,
  proxyUpstream: nothing,
  webhookDelivery: nothing,
  storeQuery: nothing,
  poolAcquire: nothing,
  invalidationReceived: nothing,
  invalidationListener: nothing,
};

/** A hosted-page error code as a bounded outcome label. */
export function linkOutcomeOf(error: string | undefined): LinkOutcome {
  if (!error) return 'success';
  if (error === 'access_denied') return 'denied';
  if (error === 'cancelled') return 'cancelled';
  return 'failed';
}

/** "2xx" ... "5xx", or "error" when there was no HTTP answer. */
export function statusClass(statusCode: number | undefined): string {
  return statusCode && statusCode >= 100 && statusCode < 600 ? `${Math.floor(statusCode / 100)}xx` : 'error';
}
