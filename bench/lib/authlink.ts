// The server under test: `bin/authlink.js serve --json` as a real child
// process, on a fresh SQLite data dir or a fresh PostgreSQL schema, with the
// production defaults except the ones a load test must change (rate limit) or
// a local setup needs (private proxy and webhook targets, http OAuth provider,
// the bench's toolkits and tools).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { freePort, startProc, type Proc } from './procs.ts';
import { openDatabase, migrate } from '../../src/store/db.ts';
import { dropSchema, newSchemaName, pgUrlWithSchema } from './pg.ts';
// @ts-expect-error plain JavaScript without declarations (it runs before anything is compiled)
import { ensureBuilt } from '../../scripts/build.mjs';

export type Backend = 'sqlite' | 'postgres';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface AuthlinkOptions {
  backend: Backend;
  pgUrl?: string;
  toolkitsDir: string;
  /** AUTHLINK_TOOLS_DIR: tools added to the built-in ones. */
  toolsDir: string;
  logLevel: string;
  /** Write a V8 CPU profile of the server into this directory (on exit). */
  cpuProfDir?: string;
  env?: Record<string, string>;
  /** Another checkout of authlink to run instead of this one (bench/ab.ts); it must be built already. */
  root?: string;
}

export interface Authlink {
  backend: Backend;
  url: string;
  apiKey: string;
  projectId: string;
  proc: Proc;
  encryptionKey: string; // base64, the one the server uses (the seeder encrypts with it)
  sqliteFile?: string;
  pgUrl?: string; // with the schema pinned
  close(): Promise<void>;
}

/** Inherited variables that would change what is measured. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || k.startsWith('AUTHLINK_') || k === 'DATABASE_URL' || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  return env;
}

export async function startAuthlink(o: AuthlinkOptions): Promise<Authlink> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authlink-bench-'));
  const encryptionKey = randomBytes(32).toString('base64');
  let pgUrl: string | undefined;
  let schema: string | undefined;
  if (o.backend === 'postgres') {
    if (!o.pgUrl) throw new Error('PostgreSQL URL missing');
    schema = newSchemaName();
    // Created and migrated here, as the tests do (startRuntime with pgSchema): a child whose
    // DATABASE_URL only pins search_path cannot migrate a fresh schema while another schema
    // of the database already has authlink's migration tables (see docs/benchmarks.md).
    const database = await openDatabase({ databaseUrl: o.pgUrl, pgSchema: schema });
    try {
      await migrate(database);
    } finally {
      await database.close();
    }
    pgUrl = pgUrlWithSchema(o.pgUrl, schema);
  }
  const port = await freePort();
  const env: Record<string, string> = {
    ...cleanEnv(),
    HOST: '127.0.0.1',
    PORT: String(port),
    AUTHLINK_PUBLIC_URL: `http://127.0.0.1:${port}`,
    AUTHLINK_DATA_DIR: path.join(dir, 'data'),
    AUTHLINK_ENCRYPTION_KEY: encryptionKey,
    AUTHLINK_TOOLKITS_DIR: o.toolkitsDir,
    AUTHLINK_TOOLS_DIR: o.toolsDir,
    AUTHLINK_ALLOW_INSECURE_OAUTH: '1', // the in-process OAuth provider speaks http
    AUTHLINK_PROXY_ALLOW_PRIVATE: '127.0.0.1', // the local upstream
    AUTHLINK_WEBHOOK_ALLOW_PRIVATE: '127.0.0.1', // the local webhook receiver (link_webhook); nothing is sent without a subscription
    AUTHLINK_RATE_LIMIT_PER_MINUTE: '10000000', // the limiter still runs, it just never says no
    LOG_LEVEL: o.logLevel,
    ...(pgUrl ? { DATABASE_URL: pgUrl } : {}),
    ...o.env,
  };
  const root = o.root ?? ROOT;
  // bin/authlink.js runs dist/: measure what was just edited, and not a build.
  if (root === ROOT) ensureBuilt();
  else if (!fs.existsSync(path.join(root, 'dist', 'authlink.mjs'))) throw new Error(`${root} is not built: run npm run build there first`);
  const proc = await startProc({
    name: `authlink[${o.backend}]`,
    args: [path.join(root, 'bin', 'authlink.js'), 'serve', '--json'],
    nodeArgs: o.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`] : [],
    env,
    ready: /"listening":"http/,
    logFile: path.join(dir, 'server.log'),
    cwd: root,
  });
  const info = JSON.parse(proc.readyLine) as { listening: string; api_key?: string; project_id?: string };
  if (!info.api_key || !info.project_id) throw new Error(`authlink did not print the first project's key: ${proc.readyLine}`);
  return {
    backend: o.backend,
    url: info.listening,
    apiKey: info.api_key,
    projectId: info.project_id,
    proc,
    encryptionKey,
    sqliteFile: o.backend === 'sqlite' ? path.join(dir, 'data', 'authlink.db') : undefined,
    pgUrl,
    async close() {
      await proc.stop();
      if (o.pgUrl && schema) await dropSchema(o.pgUrl, schema).catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
