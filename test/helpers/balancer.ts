// A small HTTP load balancer on 127.0.0.1 in front of several authlink
// processes, behaving like the usual production ones: it health-checks each
// backend's /ready every `healthMs` and sends requests only to ready ones
// (round robin, keep-alive connections), and when a connection cannot be
// opened (refused: the process is restarting) it tries the next backend, which
// is safe because nothing was sent. Any other failure is a 502, counted.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Balancer {
  url: string;
  ready(origin: string): boolean;
  stats: { forwarded: number; retriedRefused: number; failed: number; errors: string[] };
  close(): Promise<void>;
}

export async function startBalancer(origins: string[], opts: { healthMs?: number } = {}): Promise<Balancer> {
  const healthMs = opts.healthMs ?? 100;
  const agents = new Map(origins.map((o) => [o, new http.Agent({ keepAlive: true, maxSockets: 64 })]));
  const healthy = new Map(origins.map((o) => [o, false]));
  const stats = { forwarded: 0, retriedRefused: 0, failed: 0, errors: [] as string[] };
  let next = 0;

  const check = (origin: string) =>
    new Promise<void>((resolve) => {
      const req = http.get(`${origin}/ready`, { agent: false, timeout: healthMs * 5 }, (res) => {
        res.resume();
        healthy.set(origin, res.statusCode === 200);
        resolve();
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => {
        healthy.set(origin, false);
        resolve();
      });
    });
  let checking = true;
  const loop = (async () => {
    while (checking) {
      await Promise.all(origins.map(check));
      await new Promise((r) => setTimeout(r, healthMs));
    }
  })();

  function forward(origin: string, req: http.IncomingMessage, body: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const up = http.request(
        `${origin}${req.url}`,
        { method: req.method, headers: { ...req.headers, host: new URL(origin).host }, agent: agents.get(origin) },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
          res.on('error', reject);
        },
      );
      up.on('error', reject);
      up.end(body);
    });
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const start = next++;
      const order = origins.map((_, i) => origins[(start + i) % origins.length]);
      const candidates = [...order.filter((o) => healthy.get(o)), ...order.filter((o) => !healthy.get(o))];
      for (const origin of candidates) {
        try {
          const up = await forward(origin, req, body);
          stats.forwarded++;
          const headers = { ...up.headers };
          delete headers.connection;
          delete headers['keep-alive'];
          delete headers['transfer-encoding'];
          res.writeHead(up.status, headers).end(up.body);
          return;
        } catch (e) {
          const code = (e as { code?: string }).code;
          if (code === 'ECONNREFUSED') {
            stats.retriedRefused++;
            continue;
          }
          stats.failed++;
          stats.errors.push(`${req.method} ${req.url} -> ${origin}: ${code ?? (e as Error).message}`);
          res.writeHead(502, { 'content-type': 'text/plain' }).end(`balancer: ${code ?? (e as Error).message}`);
          return;
        }
      }
      stats.failed++;
      stats.errors.push(`${req.method} ${req.url}: no backend accepted the connection`);
      res.writeHead(503, { 'content-type': 'text/plain' }).end('balancer: no backend');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ready: (origin) => healthy.get(origin) === true,
    stats,
    async close() {
      checking = false;
      await loop;
      for (const a of agents.values()) a.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
