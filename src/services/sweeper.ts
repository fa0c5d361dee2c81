// Background upkeep: INITIATED accounts whose links all expired unopened (or
// unfinished) become EXPIRED with a reason. Safe to run in several processes:
// each step is one conditional UPDATE.
import type { Services } from './index.ts';

export function startSweeper(services: Services, opts: { intervalMs: number }) {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      await sweepOnce(services);
    } catch {
      // The next tick retries; a sweep failure must not stop the server.
    } finally {
      running = false;
    }
  };
  const timer = setInterval(tick, opts.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), tick };
}

export async function sweepOnce(services: Services): Promise<{ expired: string[] }> {
  const expired = await services.store.accounts.expireAbandoned(services.now().toISOString(), 'The link expired before the user connected');
  return { expired };
}
