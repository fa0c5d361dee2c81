// A provider API on 127.0.0.1 that records the Authorization header of each
// call and answers a small JSON body; `failNext(status)` answers the next call
// with that status (a 401 to make authlink renew a token and retry).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordingUpstream {
  origin: string;
  /** The Authorization header of every call, in order. */
  seen: string[];
  failNext(status: number): void;
  close(): Promise<void>;
}

export async function startRecordingUpstream(body = '{"ok":true}'): Promise<RecordingUpstream> {
  const seen: string[] = [];
  let next: number | undefined;
  const server = http.createServer((req, res) => {
    seen.push(String(req.headers.authorization));
    const status = next ?? 200;
    next = undefined;
    res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? body : '{"error":"unauthorized"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    failNext(status) {
      next = status;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
