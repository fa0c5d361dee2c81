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
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = async () => {
    if (running || stopped) return;
    running = sweepOnce(services, 100, () => stopped)
      .then(
        () => undefined,
        () => undefined, // the next tick retries; a sweep failure must not stop the server
      )
      .finally(() => (running = undefined));
    await running;
  };
  const timer = setInterval(tick, opts.intervalMs);
  timer.unref();
  return {
    /** No new sweep; resolves once the one in progress has finished its current account (graceful shutdown). */
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
    tick,
  };
}

export async function sweepOnce(
  services: Services,
  batch = 100,
  shouldStop: () => boolean = () => false,
): Promise<{ expired: string[]; refreshed: string[]; failed: string[] }> {
  const now = services.now();
  const expiredRows = await services.store.transaction(async (tx) => {
    const rows = await tx.accounts.expireAbandoned(now.toISOString(), 'The link expired before the user connected');
    for (const row of rows) {
      await emitAccountEvent(tx, row, 'connected_account.expired', now);
      await emitAccountEvent(tx, row, 'link_session.expired', now);
    }
    return rows;
  });
  for (const row of expiredRows) services.metrics.linkExpired(row.toolkit_slug);
  const expired = expiredRows.map((r) => r.id);
  await services.store.verifications.dropExpiredPending(now.toISOString());
  const horizon = new Date(now.getTime() + services.config.sweepRefreshHorizonSeconds * 1000).toISOString();
  const due = await services.store.accounts.dueForRefresh(now.toISOString(), horizon, batch);
  const refreshed: string[] = [];
  const failed: string[] = [];
  for (const { id, project_id } of due) {
    if (shouldStop()) break; // shutting down: the rest waits for the next sweep (of this or another process)
    try {
      await services.refresher.refresh(project_id, id, { force: true });
      refreshed.push(id);
    } catch {
      failed.push(id); // the refresher recorded the outcome (backoff or EXPIRED)
    }
  }
  await services.downloads.deleteExpired();
  return { expired, refreshed, failed };
}
