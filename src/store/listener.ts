// The process's LISTEN connection for cache invalidation (src/store/invalidation.ts):
// one dedicated PostgreSQL connection, outside the pool (a pooled connection
// is handed to queries and would miss notifications meanwhile).
//
// When it drops, caches fall back to their TTLs; it reconnects with backoff
// (100 ms doubling to 5 s) and then flushes every cache, since announcements
// sent while it was away are lost. A periodic `select 1` notices a connection
// that died silently (no FIN: a network partition, a failed-over server).
import type { Client } from 'pg';
import { CHANNEL, decodeMessage, type InvalidationHub } from './invalidation.ts';
import type { Metrics } from '../metrics/types.ts';

export interface ListenerOptions {
  connectionString: string;
  scope: string;
  hub: InvalidationHub;
  metrics: Metrics;
  /** How often the connection is checked (ms); a check that takes longer than half of it counts as dead. */
  pingMs?: number;
  log?: (message: string) => void;
}

export interface InvalidationListener {
  /** Resolves when the first LISTEN is in place. */
  ready: Promise<void>;
  isUp(): boolean;
  /** Backend pid of the current LISTEN connection (tests cut it to check the reconnect). */
  backendPid(): number | undefined;
  close(): Promise<void>;
}

export function startInvalidationListener(opts: ListenerOptions): InvalidationListener {
  const pingMs = opts.pingMs ?? 10_000;
  const log = opts.log ?? (() => {});
  let client: Client | undefined;
  let up = false;
  let pid: number | undefined;
  let closed = false;
  let everUp = false;
  let delay = 100;
  let retry: NodeJS.Timeout | undefined;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((r) => (markReady = r));
  opts.metrics.invalidationListener(false);

  const down = (c: Client, why: string) => {
    if (client !== c) return; // an older connection, already replaced
    client = undefined;
    pid = undefined;
    if (up) log(`cache invalidation listener lost its connection (${why}); caches use their TTLs until it is back`);
    up = false;
    opts.metrics.invalidationListener(false);
    c.removeAllListeners('notification');
    c.on('error', () => {}); // a late error from the dead connection must not crash the process
    c.end().catch(() => {});
    if (closed) return;
    retry = setTimeout(connect, delay);
    retry.unref();
    delay = Math.min(delay * 2, 5000);
  };

  async function connect(): Promise<void> {
    if (closed) return;
    const { default: pg } = await import('pg');
    if (closed) return;
    const c = new pg.Client({ connectionString: opts.connectionString, application_name: 'authlink-listener', keepAlive: true });
    client = c;
    c.on('error', (e) => down(c, e.message));
    c.on('end', () => down(c, 'connection ended'));
    c.on('notification', (msg) => {
      if (msg.channel !== CHANNEL) return;
      const m = decodeMessage(opts.scope, msg.payload);
      if (!m) return;
      opts.metrics.invalidationReceived(m.topic);
      opts.hub.changed(m.topic, m.key);
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
      pid = (await c.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]?.pid;
    } catch (e) {
      down(c, (e as Error).message);
      return;
    }
    if (client !== c || closed) return;
    up = true;
    delay = 100;
    opts.metrics.invalidationListener(true);
    if (everUp) {
      // Whatever was announced while we were away is lost: start from the database again.
      opts.metrics.invalidationReceived('flush');
      opts.hub.flush();
      log('cache invalidation listener reconnected; caches flushed');
    }
    everUp = true;
    markReady();
  }

  const ping = setInterval(() => {
    const c = client;
    if (!c || !up) return;
    const timer = setTimeout(() => down(c, `no answer to a check within ${pingMs / 2} ms`), pingMs / 2);
    c.query('select 1').then(
      () => clearTimeout(timer),
      (e: Error) => {
        clearTimeout(timer);
        down(c, e.message);
      },
    );
  }, pingMs);
  ping.unref();

  void connect();
  return {
    ready,
    isUp: () => up,
    backendPid: () => pid,
    async close() {
      closed = true;
      clearInterval(ping);
      if (retry) clearTimeout(retry);
      const c = client;
      client = undefined;
      up = false;
      opts.metrics.invalidationListener(false);
      if (c) {
        c.removeAllListeners('end');
        c.on('error', () => {});
        await c.end().catch(() => {});
      }
    },
  };
}
