// A tiny real HTTP server on 127.0.0.1 standing in for a provider's token (and
// revocation) endpoint with canned answers, for provider quirks that
// oidc-provider will not reproduce (missing token_type, comma scopes, nested
// tokens, 200-with-error bodies, ...). Not a *.test.ts file: imported by tests.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  form: URLSearchParams;
}

export interface CannedAnswer {
  status?: number; // default 200
  json?: unknown; // sent as application/json
  text?: string; // sent as is
  contentType?: string;
  hang?: boolean; // never answer (timeout tests)
  endless?: boolean; // 200 + a chunked JSON-looking body that never ends (stops when the client goes away)
  gzip?: boolean; // send the body gzip-compressed (content-encoding: gzip)
}

export interface FakeTokenServer {
  origin: string; // http://127.0.0.1:port
  tokenUrl: string;
  revocationUrl: string;
  requests: RecordedRequest[];
  /** Bytes written by `endless` answers so far. */
  endlessBytes(): number;
  answer(fn: (req: RecordedRequest) => CannedAnswer | Promise<CannedAnswer>): void;
  close(): Promise<void>;
}

export async function startFakeTokenServer(initial?: (req: RecordedRequest) => CannedAnswer | Promise<CannedAnswer>): Promise<FakeTokenServer> {
  let respond: (req: RecordedRequest) => CannedAnswer | Promise<CannedAnswer> = initial ?? (() => ({ status: 500, text: 'no answer configured' }));
  const requests: RecordedRequest[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rec: RecordedRequest = {
      method: req.method ?? 'GET',
      path: (req.url ?? '/').split('?')[0],
      headers: req.headers,
      form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')),
    };
    requests.push(rec);
    const a = await respond(rec);
    if (a.hang) return;
    if (a.endless) {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 'a');
      res.write('{"access_token":"at_1","token_type":"bearer","x":"');
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) endless += chunk.length;
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
      return;
    }
    const text = a.json !== undefined ? JSON.stringify(a.json) : (a.text ?? '');
    const body = a.gzip ? gzipSync(text) : text;
    res.writeHead(a.status ?? 200, {
      'content-type': a.contentType ?? (a.json !== undefined ? 'application/json' : 'text/plain'),
      ...(a.gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    res.end(body);
  });
  let endless = 0;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    tokenUrl: `${origin}/oauth/token`,
    revocationUrl: `${origin}/oauth/revoke`,
    requests,
    endlessBytes: () => endless,
    answer(fn) {
      respond = fn;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
