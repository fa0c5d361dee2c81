// The baseline: a bare fastify (no logger, no hooks, no schema) in its own
// process, answering a fixed JSON body. The harness registers the body to
// answer per scenario (an actual authlink response of that scenario, so the
// size and shape match), then loads GET/POST /b/<name>.
import Fastify from 'fastify';

const bodies = new Map<string, { status: number; body: unknown }>();
const app = Fastify({ logger: false, bodyLimit: 1 << 20 });

app.post<{ Body: { name: string; status: number; body: unknown } }>('/__body', async (req) => {
  bodies.set(req.body.name, { status: req.body.status, body: req.body.body });
  return { ok: true };
});

const answer = async (req: { params: { name: string } }, reply: { status(code: number): unknown }) => {
  const b = bodies.get(req.params.name);
  if (!b) {
    reply.status(404);
    return { error: 'no such body' };
  }
  reply.status(b.status);
  return b.body;
};
app.get<{ Params: { name: string } }>('/b/:name', answer);
app.post<{ Params: { name: string } }>('/b/:name', answer);

const address = await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
process.stdout.write(JSON.stringify({ listening: address }) + '\n');
const stop = () => void app.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
