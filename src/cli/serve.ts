// `authlink serve`: start everything, create the "default" project on a first
// start with an empty store (printing its API key once), listen, and run the
// background sweeper until SIGINT/SIGTERM.
import type { Config } from '../config.ts';
import { startRuntime } from '../bootstrap.ts';
import { createApp } from '../app.ts';
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
    say(`authlink listening on ${address} (public URL ${config.publicUrl}, store ${runtime.database.describe}, ${runtime.catalog.size} toolkits)`);
    if (firstKey) {
      say(`Created project "default" (${firstKey.projectId}). Its API key, shown only this once:\n\n  ${firstKey.apiKey}\n`);
      say(`Try it: curl -H "x-api-key: ${firstKey.apiKey}" ${config.publicUrl}/api/v3.1/toolkits`);
    } else {
      say('Create an API key with: npx authlink keys create --project <project id>   (list projects: npx authlink projects list)');
    }
    if (metricsServer) say(`Prometheus metrics on ${metricsServer.url} (loopback only)`);
  }

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  sweeper.stop();
  await metricsServer?.close();
  await app.close();
  await runtime.database.close();
  return 0;
}
