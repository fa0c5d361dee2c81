// A local webhook receiver on 127.0.0.1 that records every request and can be
// told to fail.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

export async function startReceiver() {
  const received: Received[] = [];
  let failNext = 0;
  let alwaysFail = false;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      if (alwaysFail || failNext > 0) {
        failNext = Math.max(0, failNext - 1);
        res.writeHead(500).end('nope');
      } else res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    received,
    types: () => received.map((r) => JSON.parse(r.body).type as string),
    failNext(n: number) {
      failNext = n;
    },
    setAlwaysFail(v: boolean) {
      alwaysFail = v;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
