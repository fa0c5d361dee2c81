// Background upkeep, safe to run in several processes (each step is a
// conditional UPDATE or goes through the refresh lease):
// - INITIATED accounts whose links all expired become EXPIRED with a reason;
// - OAuth tokens about to expire are refreshed ahead of use, so an account
//   nobody used for a while is still fresh when it is needed;
// - a reconnect's staged credential whose session_uri expired unredeemed is
//   dropped (the account never had it).
import type { Services } from './index.ts';
import { emitAccountEvent } from '../webhooks/events.ts';

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

export async function sweepOnce(services: Services, batch = 100): Promise<{ expired: string[]; refreshed: string[]; failed: string[] }> {
  const now = services.now();
  const expired = await services.store.transaction(async (tx) => {
    const rows = await tx.accounts.expireAbandoned(now.toISOString(), 'The link expired before the user connected');
    for (const row of rows) {
      await emitAccountEvent(tx, row, 'connected_account.expired', now);
      await emitAccountEvent(tx, row, 'link_session.expired', now);
    }
    return rows.map((r) => r.id);
  });
  await services.store.verifications.dropExpiredPending(now.toISOString());
  const horizon = new Date(now.getTime() + services.config.sweepRefreshHorizonSeconds * 1000).toISOString();
  const due = await services.store.accounts.dueForRefresh(now.toISOString(), horizon, batch);
  const refreshed: string[] = [];
  const failed: string[] = [];
  for (const { id, project_id } of due) {
    try {
      await services.refresher.refresh(project_id, id, { force: true });
      refreshed.push(id);
    } catch {
      failed.push(id); // the refresher recorded the outcome (backoff or EXPIRED)
    }
  }
  return { expired, refreshed, failed };
}
