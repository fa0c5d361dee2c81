// A fresh, real authlink per test: a real SQLite file in a temp dir, or a
// fresh PostgreSQL schema; the real app, served through inject() or a real
// listening socket.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { parseConfig, type Config } from '../../src/config.ts';
import { startRuntime, type Runtime } from '../../src/bootstrap.ts';
import { createApp, type App } from '../../src/app.ts';
import { createProject } from '../../src/services/projects.ts';
import type { ManagedAuth } from '../../src/services/auth-configs.ts';
import { createMetrics } from '../../src/metrics/index.ts';
import { PG_URL, type Backend } from './backends.ts';
import type { KyselyPlugin } from 'kysely';
import { createStore } from '../../src/store/store.ts';

export interface TestApp {
  app: App;
  runtime: Runtime;
  config: Config;
  apiKey: string;
  projectId: string;
  dataDir: string;
  pgSchema?: string;
  logs: string[];
  /** Another project in the same store, for isolation tests. */
  otherProject(): Promise<{ projectId: string; apiKey: string }>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Record<string, string>;
  managedAuth?: ManagedAuth;
  now?: () => Date;
  listen?: boolean;
  /** Share a PostgreSQL schema / data dir with another TestApp (multi-process tests). */
  pgSchema?: string;
  dataDir?: string;
  /** A Kysely plugin on the app's store (e.g. a QueryRecorder): the same database, every query seen. */
  storePlugin?: KyselyPlugin;
}

export async function startTestApp(backend: Backend, opts: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'authlink-test-'));
  const pgSchema = backend === 'postgres' ? (opts.pgSchema ?? `t_${randomBytes(6).toString('hex')}`) : undefined;
  const env: Record<string, string> = {
    AUTHLINK_DATA_DIR: dataDir,
    LOG_LEVEL: 'debug',
    PORT: '0',
    AUTHLINK_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    ...(backend === 'postgres' ? { DATABASE_URL: PG_URL! } : {}),
    ...opts.env,
  };
  if (opts.dataDir || opts.pgSchema) {
    // Several app instances on one store must share its key.
    const keyFile = path.join(dataDir, 'test.key');
    if (!fs.existsSync(keyFile)) fs.writeFileSync(keyFile, env.AUTHLINK_ENCRYPTION_KEY);
    env.AUTHLINK_ENCRYPTION_KEY = fs.readFileSync(keyFile, 'utf8');
  }
  let config = parseConfig(env);
  // As in `authlink serve`: one metrics instance shared by the store (query timing) and the app.
  const metrics = await createMetrics(config);
  const runtime = await startRuntime(config, { pgSchema, metrics, listen: true });
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const build = (cfg: Config) =>
    createApp({
      config: cfg,
      store: opts.storePlugin ? createStore(runtime.database.db.withPlugin(opts.storePlugin), runtime.database.dialect) : runtime.store,
      keyRing: runtime.keyRing,
      catalog: runtime.catalog,
      tools: runtime.tools,
      managedAuth: opts.managedAuth ?? runtime.managedAuth,
      now: opts.now,
      logStream,
      metrics,
      invalidation: runtime.invalidation,
    });
  let app = await build(config);
  if (opts.listen) {
    // The public URL must name the real port (OAuth redirect URI, hosted page links).
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    await app.close();
    config = parseConfig({ ...env, PORT: String(port), AUTHLINK_PUBLIC_URL: env.AUTHLINK_PUBLIC_URL ?? `http://127.0.0.1:${port}` });
    app = await build(config);
    await app.listen({ host: '127.0.0.1', port });
  } else {
    await app.ready();
  }
  const first = await createProject(runtime.store, 'Test Project', new Date());
  return {
    app,
    runtime,
    config,
    apiKey: first.apiKey,
    projectId: first.project.id,
    dataDir,
    pgSchema,
    logs,
    async otherProject() {
      const p = await createProject(runtime.store, 'Other Project', new Date());
      return { projectId: p.project.id, apiKey: p.apiKey };
    },
    async close() {
      await app.close();
      if (pgSchema && !opts.pgSchema) await runtime.database.db.schema.dropSchema(pgSchema).ifExists().cascade().execute();
      await runtime.database.close();
      if (!opts.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** inject() helper with the project key. */
export function api(t: TestApp, apiKey = t.apiKey) {
  const call = async (method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT', url: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await t.app.inject({ method, url, payload: body as never, headers: { 'x-api-key': apiKey, ...headers } });
    let json: any;
    try {
      json = res.json();
    } catch {
      json = undefined;
    }
    return { status: res.statusCode, body: json, headers: res.headers, text: res.body };
  };
  return {
    get: (url: string, headers?: Record<string, string>) => call('GET', url, undefined, headers),
    post: (url: string, body?: unknown, headers?: Record<string, string>) => call('POST', url, body, headers),
    patch: (url: string, body?: unknown, headers?: Record<string, string>) => call('PATCH', url, body, headers),
    put: (url: string, body?: unknown, headers?: Record<string, string>) => call('PUT', url, body, headers),
    delete: (url: string, headers?: Record<string, string>) => call('DELETE', url, undefined, headers),
  };
}
