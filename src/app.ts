// createApp(deps): the whole HTTP surface. Everything it needs is passed in,
// so a test builds a fresh app per case.
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import swagger from '@fastify/swagger';
import formbody from '@fastify/formbody';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { requestIdFor } from './http/request-id.ts';
import { createLoggers, requestLogger } from './http/log.ts';
import { clientErrorHandler, frameworkErrors, installErrorHandling } from './http/error-handler.ts';
import { serverLimits } from './http/server-limits.ts';
import { lazySerializers } from './http/lazy-serializers.ts';
import { apiKeyHook } from './http/api-auth.ts';
import { bodyChecks, validatorCompiler } from './http/validation.ts';
import { type CoreDeps, createServices, type Services } from './services/index.ts';
import { registerApiRoutes } from './api/index.ts';
import { registerLinkRoutes } from './link/routes.ts';
import { registerConsoleRoutes } from './console/routes.ts';
import { registerDownloadRoute } from './api/downloads.ts';
import { registerLogoRoute } from './api/logos.ts';
import { ApiError } from './errors.ts';
import { createMetrics, isPrometheus, type Metrics } from './metrics/index.ts';
import { httpMetricsHook, registerMetricsRoute } from './http/metrics.ts';

/** What createApp needs: the services' dependencies (src/services/index.ts) and where the log goes. */
export interface AppDeps extends CoreDeps {
  logStream?: NodeJS.WritableStream;
}

/**
 * `draining`: set by a graceful shutdown (src/cli/serve.ts): /ready answers 503 and every response closes its connection.
 * `compileSerializers`: compiles every response serializer not compiled yet (they compile on first use; tests).
 */
export type App = FastifyInstance & { services: Services; metrics: Metrics; draining: boolean; compileSerializers: () => number };

export async function createApp(deps: AppDeps): Promise<App> {
  const { config } = deps;
  const serializers = lazySerializers();
  const loggers = createLoggers(config.logLevel, deps.logStream);
  const app = Fastify({
    schemaController: { compilersFactory: { buildSerializer: serializers.buildSerializer } },
    loggerInstance: loggers.app as FastifyBaseLogger,
    genReqId: requestIdFor,
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    frameworkErrors,
    clientErrorHandler,
    ...serverLimits(config),
    // One log line per request, written by logRequest.
    logController: new LogController({ disableRequestLogging: true }),
    // While closing, a request that still arrives on an open connection is served (with
    // `Connection: close`), not refused with a 503: a graceful shutdown fails no request.
    return503OnClosing: false,
  }).withTypeProvider<TypeBoxTypeProvider>();

  const metrics = deps.metrics ?? (await createMetrics(config));
  const services = createServices({ ...deps, metrics, now: deps.now ?? (() => new Date()), fetch: deps.fetch ?? fetch, log: app.log });
  app.decorate('services', services);
  app.decorate('metrics', metrics);
  app.decorate('draining', false);
  app.decorate('compileSerializers', serializers.compileAll);
  // Background work and upstream connection pools end with the app.
  app.addHook('onClose', async () => {
    services.apiKeys.close();
    await services.webhookWorker.stop();
    await services.proxy.close();
  });
  app.setValidatorCompiler(validatorCompiler());
  app.addHook('onRoute', bodyChecks);

  app.addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    // Draining: move keep-alive clients to other processes, one response at a time.
    if ((app as unknown as App).draining) reply.header('connection', 'close');
    done();
  });
  app.addHook('onResponse', requestLogger(loggers.access));
  installErrorHandling(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'authlink', version: '3.1.0', description: "Self-hosted connected accounts, wire-compatible with Composio's v3.1 API" },
      components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } } },
      security: [{ apiKey: [] }],
    },
  });
  await app.register(formbody);
  await app.register(cookie);

  // Prometheus (issue #16): nothing at all unless AUTHLINK_METRICS_TOKEN or AUTHLINK_METRICS_PORT is set.
  if (metrics.enabled) app.addHook('onResponse', httpMetricsHook(metrics));
  if (config.metricsToken && isPrometheus(metrics)) registerMetricsRoute(app, metrics, config.metricsToken);

  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/ready', { schema: { hide: true } }, async () => {
    if ((app as unknown as App).draining) throw new ApiError('Unavailable', 'Shutting down');
    try {
      await deps.store.ping();
    } catch {
      throw new ApiError('Unavailable', 'The store is not reachable');
    }
    return { status: 'ready' };
  });

  // One limiter, so one budget per API key whichever prefix a request uses
  // (registered per prefix, each got its own counters: the /api/v3 alias doubled the budget).
  await app.register(rateLimit, {
    global: false,
    max: config.rateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (req) => req.principal?.apiKeyId ?? req.ip,
    errorResponseBuilder: (_req, ctx) =>
      new ApiError('RateLimited', `Rate limit of ${ctx.max} requests per minute exceeded for this API key`, {
        suggestedFix: `Retry after ${Math.ceil(ctx.ttl / 1000)} seconds`,
      }),
  });
  const perKeyLimit = app.rateLimit();

  for (const prefix of ['/api/v3.1', '/api/v3']) {
    await app.register(
      async (api) => {
        api.addHook('onRequest', apiKeyHook(services.apiKeys));
        api.addHook('preHandler', perKeyLimit);
        // Unknown routes under the API still need a valid key, then 404.
        api.setNotFoundHandler({ preHandler: apiKeyHook(services.apiKeys) }, (req) => {
          throw new ApiError('NotFound', `No route ${req.method} ${req.url.split('?')[0]}`, {
            suggestedFix: 'See /api/v3.1/openapi.json for the available routes',
          });
        });
        registerApiRoutes(api, services, { hide: prefix !== '/api/v3.1' });
      },
      { prefix },
    );
  }
  app.get('/api/v3.1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  registerLinkRoutes(app, services);
  await registerConsoleRoutes(app, services);
  registerDownloadRoute(app, services.downloads);
  registerLogoRoute(app, (slug) => services.catalog.get(slug));

  return app as unknown as App;
}
