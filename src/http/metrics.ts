// GET /metrics for Prometheus, and the per-request timing behind
// authlink_http_request_duration_seconds.
//
// Two ways to expose it (README, "Configuration"): on the main port behind
// AUTHLINK_METRICS_TOKEN (a bearer token, compared in constant time; a wrong
// or missing one gets a bare 401 that says nothing else), and/or on a second
// listener bound to 127.0.0.1 (AUTHLINK_METRICS_PORT) for a local agent.
// Neither set: no route at all (404, like any unknown path).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { constantTimeEqual, hashSecret } from '../crypto/tokens.ts';
import type { PrometheusMetrics } from '../metrics/prometheus.ts';
import type { Metrics } from '../metrics/types.ts';

/** True when `header` is `Bearer <token>`. Both sides are hashed first, so neither the length nor the content leaks through timing. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return constantTimeEqual(hashSecret(m?.[1] ?? ''), hashSecret(token));
}

/** onResponse hook: one observation per request, labelled by the route template (404s: "unmatched"). */
export function httpMetricsHook(metrics: Metrics) {
  return (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
    metrics.httpRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  };
}

export function registerMetricsRoute(app: FastifyInstance, metrics: PrometheusMetrics, token: string): void {
  app.get('/metrics', { schema: { hide: true } }, async (req, reply) => {
    if (!bearerMatches(req.headers.authorization, token)) {
      return reply.code(401).header('www-authenticate', 'Bearer').type('text/plain; charset=utf-8').send('Unauthorized\n');
    }
    const { contentType, body } = await metrics.render();
    return reply.type(contentType).header('cache-control', 'no-store').send(body);
  });
}

/** The loopback-only metrics listener (AUTHLINK_METRICS_PORT). Resolves once listening. */
export async function startMetricsServer(metrics: PrometheusMetrics, port: number): Promise<{ url: string; server: Server; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found\n');
      return;
    }
    metrics.render().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body),
      () => res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('metrics unavailable\n'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/metrics`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
