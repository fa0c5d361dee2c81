// An account state change and its webhook events, in one transaction: the
// outbox row commits with the change or not at all.
import type { Store } from '../store/store.ts';
import type { AccountRow } from '../store/accounts.ts';
import { emitAccountEvent, type WebhookEventType } from '../webhooks/events.ts';

export async function changeWithEvents(
  store: Store,
  now: Date,
  change: (tx: Store) => Promise<AccountRow | undefined>,
  events: WebhookEventType[],
  extra: Record<string, unknown> = {},
): Promise<AccountRow | undefined> {
  return store.transaction(async (tx) => {
    const row = await change(tx);
    if (row) for (const type of events) await emitAccountEvent(tx, row, type, now, extra);
    return row;
  });
}
