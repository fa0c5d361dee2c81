// Metrics for one process: Prometheus when the operator asked for them
// (AUTHLINK_METRICS_TOKEN or AUTHLINK_METRICS_PORT), otherwise the no-op, and
// then prom-client is never even loaded (it costs start-up time and memory).
import type { Config } from '../config.ts';
import { type Metrics, noopMetrics } from './types.ts';
import type { PrometheusMetrics } from './prometheus.ts';

export type { Metrics, PrometheusMetrics };
export { noopMetrics };

export function metricsWanted(config: Pick<Config, 'metricsToken' | 'metricsPort'>): boolean {
  return config.metricsToken !== undefined || config.metricsPort !== undefined;
}

export async function createMetrics(config: Pick<Config, 'metricsToken' | 'metricsPort'>): Promise<Metrics> {
  if (!metricsWanted(config)) return noopMetrics;
  const { createPrometheusMetrics } = await import('./prometheus.ts');
  return createPrometheusMetrics();
}

export function isPrometheus(m: Metrics): m is PrometheusMetrics {
  return m.enabled && typeof (m as Partial<PrometheusMetrics>).render === 'function';
}
