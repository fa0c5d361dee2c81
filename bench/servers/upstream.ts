// The local upstream the proxy and tool_execute scenarios call: node:http,
// keep-alive, a fixed small JSON answer. It checks the credential the
// toolkit's apply rule puts on the request (X-Api-Key), so a proxy that forgot
// it gets 401s, not speed. It is also link_webhook's webhook receiver: a POST
// under /hooks/ is answered 200 at once (authlink reads only the status).
import http from 'node:http';

const ok = Buffer.from(
  JSON.stringify({
    ok: true,
    user: { id: 42, login: 'bench-user', name: 'Bench User', plan: 'pro' },
    repos: [
      { id: 1, name: 'alpha' },
      { id: 2, name: 'beta' },
    ],
  }),
);
const denied = Buffer.from(JSON.stringify({ error: 'missing or bad X-Api-Key' }));
const received = Buffer.from(JSON.stringify({ received: true }));

const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    if (req.method === 'POST' && req.url?.startsWith('/hooks/')) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': received.length });
      res.end(received);
      return;
    }
    const key = req.headers['x-api-key'];
    const good = typeof key === 'string' && key.startsWith('sk_');
    const body = good ? ok : denied;
    res.writeHead(good ? 200 : 401, { 'content-type': 'application/json', 'content-length': body.length });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(JSON.stringify({ listening: `http://127.0.0.1:${port}` }) + '\n');
});
const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
