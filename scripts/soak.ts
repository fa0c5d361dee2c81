// Load held (issue #8): `npx tsx scripts/soak.ts --seconds 60`.
//
// Starts authlink as a child process (`authlink serve`, as in production) on
// a fresh store, sends mixed traffic at a moderate concurrency (link
// creation, account reads and lists, auth config reads, proxy calls to a
// local upstream, legacy creates), restarts it half-way (SIGTERM, then a new
// process on the same store and port; --seconds counts the traffic time, the
// restart comes on top), and checks:
//   - no 5xx and no failed request outside the restart window;
//   - no lost write: every id a 201 returned is readable at the end;
//   - memory held: the child's RSS in the last third of the run stays within
//     --rss-ratio (default 1.5x) of the first third's (each process's first
//     second of warm-up left out).
// Prints a JSON report; exits 1 on any violation.
//
//   --seconds N        traffic duration (default 60)
//   --concurrency N    clients in parallel (default 12)
//   --backend sqlite|postgres   (postgres: DATABASE_URL or TEST_DATABASE_URL; a fresh schema, dropped after)
//   --rss-ratio R      allowed growth of the RSS (default 1.5)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { freePort, pgUrlWithSchema, startChild, type Child } from '../test/helpers/child.ts';
import { apiKeyToolkit, writeToolkitsDir } from '../test/helpers/toolkits.ts';
import { migrate, openDatabase } from '../src/store/db.ts';

export interface SoakOptions {
  seconds: number;
  concurrency?: number;
  backend?: 'sqlite' | 'postgres';
  databaseUrl?: string;
  rssRatio?: number;
  /** Per-request deadline (a request slower than this is a failure, not a hang). */
  requestTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface SoakReport {
  ok: boolean;
  violations: string[];
  backend: string;
  seconds: number;
  concurrency: number;
  requests: number;
  byKind: Record<string, number>;
  byStatus: Record<string, number>;
  restart: { stoppedAtMs: number; listeningAtMs: number; windowMs: number; exitCode: number | null; inWindow: { requests: number; failures: number } };
  serverErrorsOutsideWindow: number;
  failuresOutsideWindow: number;
  writes: number;
  lostWrites: number;
  rss: { samples: number; firstThirdMaxMb: number; lastThirdMaxMb: number; ratio: number; limit: number };
}

type Kind = 'link' | 'read' | 'list' | 'auth_config' | 'proxy' | 'legacy';
const MIX: Array<[Kind, number]> = [
  ['link', 18],
  ['read', 22],
  ['list', 12],
  ['auth_config', 14],
  ['proxy', 18],
  ['legacy', 16],
];
const WEIGHT = MIX.reduce((n, [, w]) => n + w, 0);

function pick(): Kind {
  let r = Math.random() * WEIGHT;
  for (const [k, w] of MIX) {
    r -= w;
    if (r < 0) return k;
  }
  return 'read';
}

/** Resident set of a process in MiB, from /proc (Linux); undefined elsewhere or once it is gone. */
function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function startUpstream() {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export async function runSoak(opts: SoakOptions): Promise<SoakReport> {
  const seconds = opts.seconds;
  const concurrency = opts.concurrency ?? 12;
  const backend = opts.backend ?? 'sqlite';
  const rssLimit = opts.rssRatio ?? 1.5;
  const timeoutMs = opts.requestTimeoutMs ?? 10_000;
  const log = opts.log ?? (() => {});
  const violations: string[] = [];

  const upstream = await startUpstream();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authlink-soak-'));
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const env: Record<string, string> = {
    PORT: String(port),
    HOST: '127.0.0.1',
    AUTHLINK_PUBLIC_URL: origin,
    AUTHLINK_DATA_DIR: dataDir,
    AUTHLINK_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    AUTHLINK_TOOLKITS_DIR: writeToolkitsDir([apiKeyToolkit(upstream.url)]),
    AUTHLINK_PROXY_ALLOW_PRIVATE: '127.0.0.1',
    AUTHLINK_RATE_LIMIT_PER_MINUTE: '10000000',
    LOG_LEVEL: 'warn',
    DATABASE_URL: '',
  };
  let dropSchema: (() => Promise<void>) | undefined;
  if (backend === 'postgres') {
    const url = opts.databaseUrl ?? process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL;
    if (!url) throw new Error('--backend postgres needs DATABASE_URL or TEST_DATABASE_URL');
    const schema = `soak_${randomBytes(5).toString('hex')}`;
    const pg = (await import('pg')).default;
    // Created and migrated here: authlink started with a search_path in its URL on a server that holds other
    // authlink schemas finds their migration tables and skips its own (see docs/security.md, found by this script).
    const database = await openDatabase({ databaseUrl: url, pgSchema: schema });
    await migrate(database);
    await database.close();
    env.DATABASE_URL = pgUrlWithSchema(url, schema);
    dropSchema = async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`drop schema if exists "${schema}" cascade`);
      await c.end();
    };
  }

  let child: Child | undefined;
  let sampler: NodeJS.Timeout | undefined;
  try {
    // Times are counted from the start of the traffic (set again below, once the seed is in).
    let t0 = performance.now();
    const now = () => performance.now() - t0;
    child = await startChild(env);
    const first = JSON.parse(/^\{.*"listening".*\}$/m.exec(child.output())![0]) as { api_key: string };
    const apiKey = first.api_key;
    log(`authlink pid ${child.proc.pid} on ${origin} (${backend})`);

    const rss: Array<{ at: number; mb: number; sinceStart: number }> = [];
    let childStartedAt = performance.now();
    sampler = setInterval(() => {
      const mb = child?.proc.pid ? rssMb(child.proc.pid) : undefined;
      if (mb !== undefined) rss.push({ at: now(), mb, sinceStart: performance.now() - childStartedAt });
    }, 200);

    async function request(method: string, p: string, body?: unknown): Promise<{ status: number; json: any }> {
      const res = await fetch(origin + p, {
        method,
        headers: { 'x-api-key': apiKey, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      const text = await res.text();
      let json: any;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: res.status, json };
    }

    // Seed: one auth config and a few ACTIVE accounts to read and proxy through.
    const ac = await request('POST', '/api/v3.1/auth_configs', {
      toolkit: { slug: 'echoapi' },
      auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' },
    });
    if (ac.status !== 201) throw new Error(`seed: auth config ${ac.status}`);
    const acId: string = ac.json.auth_config.id;
    const written: string[] = [];
    const active: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await request('POST', '/api/v3.1/connected_accounts', {
        auth_config: { id: acId },
        connection: { user_id: `seed-${i}`, state: { authScheme: 'API_KEY', val: { api_key: `seed-key-${i}-0123456789` } } },
      });
      if (r.status !== 201) throw new Error(`seed: account ${r.status}`);
      written.push(r.json.id);
      active.push(r.json.id);
    }

    const byKind: Record<string, number> = {};
    const byStatus: Record<string, number> = {};
    const outcomes: Array<{ start: number; end: number; status: number; kind: Kind; error?: string }> = [];
    const restart = { stoppedAtMs: Number.POSITIVE_INFINITY, listeningAtMs: Number.POSITIVE_INFINITY, exitCode: null as number | null };
    const any = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)];
    let n = 0;

    /** One request of the given kind; its HTTP status. */
    async function one(kind: Kind): Promise<number> {
      const user = `user-${n++ % 500}`;
      switch (kind) {
        case 'link': {
          const r = await request('POST', '/api/v3.1/connected_accounts/link', {
            auth_config_id: acId,
            user_id: user,
            callback_url: 'https://app.example.com/cb',
          });
          if (r.status === 201) written.push(r.json.connected_account_id);
          return r.status;
        }
        case 'legacy': {
          const r = await request('POST', '/api/v3.1/connected_accounts', {
            auth_config: { id: acId },
            connection: { user_id: user, state: { authScheme: 'API_KEY', val: { api_key: `key-${n}-0123456789` } } },
          });
          if (r.status === 201) {
            written.push(r.json.id);
            if (active.length < 200) active.push(r.json.id);
          }
          return r.status;
        }
        case 'read':
          return (await request('GET', `/api/v3.1/connected_accounts/${any(written)}`)).status;
        case 'list':
          return (await request('GET', `/api/v3.1/connected_accounts?user_ids=${user}&limit=20`)).status;
        case 'auth_config':
          return (await request('GET', Math.random() < 0.5 ? `/api/v3.1/auth_configs/${acId}` : '/api/v3.1/auth_configs?limit=5')).status;
        case 'proxy':
          return (await request('POST', '/api/v3.1/tools/execute/proxy', { connected_account_id: any(active), endpoint: '/soak', method: 'POST', body: { n } }))
            .status;
      }
    }

    let stop = false;
    const deadline = seconds * 1000;
    async function client(): Promise<void> {
      while (!stop) {
        const kind = pick();
        const start = now();
        let status = 0;
        let error: string | undefined;
        try {
          status = await one(kind);
        } catch (e) {
          const err = e as Error & { cause?: { message?: string; code?: string } };
          error = err.cause?.code ?? err.cause?.message ?? err.message;
          await new Promise((r) => setTimeout(r, 50)); // the server is away (restart): do not spin
        }
        byKind[kind] = (byKind[kind] ?? 0) + 1;
        const key = status ? String(status) : `network error (${error})`;
        byStatus[key] = (byStatus[key] ?? 0) + 1;
        outcomes.push({ start, end: now(), status, kind, error });
      }
    }

    rss.length = 0;
    t0 = performance.now();
    const clients = Array.from({ length: concurrency }, () => client());
    const restartAt = deadline / 2;
    await new Promise((r) => setTimeout(r, restartAt));
    restart.stoppedAtMs = now();
    log(`restart: SIGTERM to ${child.proc.pid} at ${(restart.stoppedAtMs / 1000).toFixed(1)} s`);
    restart.exitCode = await child.stop('SIGTERM');
    child = await startChild(env);
    childStartedAt = performance.now();
    restart.listeningAtMs = now();
    log(`restart: ${child.proc.pid} listening after ${(restart.listeningAtMs - restart.stoppedAtMs).toFixed(0)} ms`);
    // As much traffic after the restart as before it: the restart itself does not count towards --seconds.
    await new Promise((r) => setTimeout(r, deadline - restartAt));
    const end = now();
    stop = true;
    await Promise.all(clients);
    clearInterval(sampler);

    // The restart window: from SIGTERM until the new process listens, plus a short grace for sockets the old one closed.
    const GRACE_MS = 500;
    const windowEnd = restart.listeningAtMs + GRACE_MS;
    const inWindow = (o: { start: number; end: number }) => o.end >= restart.stoppedAtMs && o.start <= windowEnd;
    const outside = outcomes.filter((o) => !inWindow(o));
    const serverErrors = outside.filter((o) => o.status >= 500);
    const failures = outside.filter((o) => o.status === 0);
    if (serverErrors.length)
      violations.push(
        `${serverErrors.length} 5xx outside the restart window (first: ${serverErrors[0].status} ${serverErrors[0].kind} at ${(serverErrors[0].start / 1000).toFixed(2)} s)`,
      );
    if (failures.length)
      violations.push(
        `${failures.length} failed requests outside the restart window (first: ${failures[0].kind} at ${(failures[0].start / 1000).toFixed(2)} s: ${failures[0].error})`,
      );
    if (restart.exitCode !== 0) violations.push(`the SIGTERM'd process exited with ${restart.exitCode}, not 0`);
    const unexpected = outside.filter((o) => o.status >= 400 && o.status < 500);
    if (unexpected.length) violations.push(`${unexpected.length} 4xx answers to valid requests (first: ${unexpected[0].status} ${unexpected[0].kind})`);

    // No lost writes: every id a 201 returned is there, read back 100 at a time through the new process.
    let lost = 0;
    const ids = [...new Set(written)];
    for (let i = 0; i < ids.length; i += 100) {
      const chunk = ids.slice(i, i + 100);
      const r = await request('GET', `/api/v3.1/connected_accounts?account_type=ALL&limit=100&${chunk.map((id) => `connected_account_ids=${id}`).join('&')}`);
      const found = new Set<string>((r.json?.items ?? []).map((a: { id: string }) => a.id));
      lost += chunk.filter((id) => !found.has(id)).length;
    }
    if (lost) violations.push(`${lost} of ${ids.length} written accounts cannot be read back`);

    // Memory: the last third's peak against the first third's, warm-up (first second of each process) left out.
    const steady = rss.filter((s) => s.sinceStart > 1000);
    const third = deadline / 3;
    const firstMax = Math.max(0, ...steady.filter((s) => s.at < third).map((s) => s.mb));
    const lastMax = Math.max(0, ...steady.filter((s) => s.at > end - third).map((s) => s.mb));
    const ratio = firstMax ? lastMax / firstMax : 0;
    if (!firstMax || !lastMax) violations.push(`not enough RSS samples (${rss.length}; /proc is needed)`);
    else if (ratio > rssLimit) violations.push(`RSS grew ${ratio.toFixed(2)}x (${firstMax.toFixed(0)} MB -> ${lastMax.toFixed(0)} MB), limit ${rssLimit}x`);

    const windowed = outcomes.filter(inWindow);
    return {
      ok: violations.length === 0,
      violations,
      backend,
      seconds,
      concurrency,
      requests: outcomes.length,
      byKind,
      byStatus,
      restart: {
        stoppedAtMs: Math.round(restart.stoppedAtMs),
        listeningAtMs: Math.round(restart.listeningAtMs),
        windowMs: Math.round(windowEnd - restart.stoppedAtMs),
        exitCode: restart.exitCode,
        inWindow: { requests: windowed.length, failures: windowed.filter((o) => o.status === 0 || o.status >= 500).length },
      },
      serverErrorsOutsideWindow: serverErrors.length,
      failuresOutsideWindow: failures.length,
      writes: ids.length,
      lostWrites: lost,
      rss: {
        samples: rss.length,
        firstThirdMaxMb: Math.round(firstMax),
        lastThirdMaxMb: Math.round(lastMax),
        ratio: Number(ratio.toFixed(2)),
        limit: rssLimit,
      },
    };
  } finally {
    clearInterval(sampler);
    await child?.stop('SIGTERM');
    await upstream.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
    await dropSchema?.();
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '60' },
      concurrency: { type: 'string', default: '12' },
      backend: { type: 'string', default: 'sqlite' },
      'rss-ratio': { type: 'string', default: '1.5' },
    },
  });
  const backend = values.backend === 'postgres' ? 'postgres' : 'sqlite';
  const report = await runSoak({
    seconds: Number(values.seconds),
    concurrency: Number(values.concurrency),
    backend,
    rssRatio: Number(values['rss-ratio']),
    log: (line) => process.stderr.write(`soak: ${line}\n`),
  });
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  if (!report.ok) process.stderr.write(`soak: FAILED\n${report.violations.map((v) => `  - ${v}`).join('\n')}\n`);
  return report.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().then(
    (code) => process.exit(code),
    (e) => {
      process.stderr.write(`soak: ${(e as Error).stack ?? e}\n`);
      process.exit(1);
    },
  );
}
