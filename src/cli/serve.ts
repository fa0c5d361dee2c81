// `authlink serve`: start everything, create the "default" project on a first
// start with an empty store (printing its API key once), listen, and run the
// background sweeper and webhook worker until SIGINT/SIGTERM, then shut down
// gracefully (shutdown() below).
import type { Config } from '../config.ts';
import { startRuntime } from '../bootstrap.ts';
import { type App, createApp } from '../app.ts';
import { createProject } from '../services/projects.ts';
import { startSweeper } from '../services/sweeper.ts';
import { createMetrics, isPrometheus } from '../metrics/index.ts';
import { startMetricsServer } from '../http/metrics.ts';

export async function serve(config: Config, opts: { json: boolean }): Promise<number> {
  // One metrics instance for the store's query timing and the app (a no-op unless asked for).
  const metrics = await createMetrics(config);
  const runtime = await startRuntime(config, { metrics, listen: true });
  const say = (line: string) => process.stdout.write(line + '\n');
  for (const notice of runtime.notices) say(notice);

  let firstKey: { projectId: string; apiKey: string } | undefined;
  if ((await runtime.store.projects.count()) === 0) {
    const { project, apiKey } = await createProject(runtime.store, 'default', new Date());
    firstKey = { projectId: project.id, apiKey };
  }

  const app = await createApp({
    config,
    store: runtime.store,
    keyRing: runtime.keyRing,
    catalog: runtime.catalog,
    tools: runtime.tools,
    managedAuth: runtime.managedAuth,
    metrics,
    invalidation: runtime.invalidation,
  });
  const address = await app.listen({ host: config.host, port: config.port });
  const metricsServer = config.metricsPort !== undefined && isPrometheus(metrics) ? await startMetricsServer(metrics, config.metricsPort) : undefined;
  const sweeper = startSweeper(app.services, { intervalMs: config.sweepIntervalSeconds * 1000 });
  app.services.webhookWorker.start(config.webhookPollMs);

  if (opts.json) {
    say(
      JSON.stringify({
        listening: address,
        public_url: config.publicUrl,
        database: runtime.database.describe,
        ...(metricsServer ? { metrics: metricsServer.url } : {}),
        ...(firstKey ? { project_id: firstKey.projectId, api_key: firstKey.apiKey } : {}),
      }),
    );
  } else {
    say(
      `authlink listening on ${address} (public URL ${config.publicUrl}, store ${runtime.database.describe}, ${runtime.catalog.size} toolkits, ${runtime.tools.size} tools)`,
    );
    if (firstKey) {
      say(`Created project "default" (${firstKey.projectId}). Its API key, shown only this once:\n\n  ${firstKey.apiKey}\n`);
      say(`Try it: curl -H "x-api-key: ${firstKey.apiKey}" ${config.publicUrl}/api/v3.1/toolkits`);
    } else {
      say('Create an API key with: npx authlink keys create --project <project id>   (list projects: npx authlink projects list)');
    }
    if (metricsServer) say(`Prometheus metrics on ${metricsServer.url} (loopback only)`);
  }

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  await shutdown(app, { config, signal, stopWorkers: () => Promise.all([sweeper.stop(), app.services.webhookWorker.stop()]) });
  await metricsServer?.close();
  await runtime.database.close(); // the pool and the LISTEN connection, once nothing uses them
  return 0;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/**
 * Graceful shutdown (README, "Running in production"):
 * 1. /ready answers 503 and every response closes its connection (load
 *    balancers stop sending, keep-alive clients move elsewhere); on SIGTERM
 *    this lasts AUTHLINK_SHUTDOWN_DELAY_MS while the listener still accepts.
 * 2. The listener closes; in-flight requests (and any still arriving on open
 *    connections) are served; meanwhile the sweeper and the webhook worker
 *    finish their current item and stop.
 * 3. After AUTHLINK_SHUTDOWN_TIMEOUT_MS the connections still open are closed.
 * A second signal skips the waiting.
 */
export async function shutdown(app: App, opts: { config: Config; signal: NodeJS.Signals; stopWorkers: () => Promise<unknown> }): Promise<void> {
  const started = performance.now();
  let hurry: () => void = () => {};
  const hurried = new Promise<void>((r) => (hurry = r));
  const again = () => {
    app.log.warn('second signal: closing every connection now');
    hurry();
  };
  process.once('SIGINT', again);
  process.once('SIGTERM', again);
  const { shutdownDelayMs, shutdownTimeoutMs } = opts.config;
  app.log.info({ signal: opts.signal, shutdownDelayMs, shutdownTimeoutMs }, 'shutting down: draining');
  app.draining = true;
  if (opts.signal === 'SIGTERM' && shutdownDelayMs > 0) await Promise.race([sleep(shutdownDelayMs), hurried]);

  const workers = opts.stopWorkers();
  const closed = app.close();
  const drained = await Promise.race([closed.then(() => true), sleep(shutdownTimeoutMs).then(() => false), hurried.then(() => false)]);
  if (!drained) {
    app.log.warn(`requests still open after ${Math.round(performance.now() - started)} ms: closing their connections`);
    app.server.closeAllConnections();
    await closed;
  }
  await workers;
  process.removeListener('SIGINT', again);
  process.removeListener('SIGTERM', again);
  app.log.info(`shut down in ${Math.round(performance.now() - started)} ms`);
}
