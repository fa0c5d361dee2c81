// Lifecycle events go into the transactional outbox: an event row plus one
// delivery row per subscribed endpoint, written in the same transaction as the
// state change they report, so a committed change is always announced and a
// rolled-back one never is. Payloads carry public fields only, never credentials.
import { newId } from '../crypto/tokens.ts';
import type { Store } from '../store/store.ts';
import type { AccountRow } from '../store/accounts.ts';
import type { OutboxRows, WebhookEndpointRow } from '../store/webhooks.ts';

export const WEBHOOK_EVENT_TYPES = [
  'connected_account.initiated',
  'connected_account.active',
  'connected_account.reconnected',
  'connected_account.failed',
  'connected_account.expired',
  'connected_account.refresh_failed',
  'connected_account.refreshed',
  'connected_account.revoked',
  'connected_account.disabled',
  'connected_account.enabled',
  'connected_account.deleted',
  'link_session.expired',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Frequent events an endpoint only gets when it names them (not through "*"). */
export const OPT_IN_EVENT_TYPES: readonly WebhookEventType[] = ['connected_account.refreshed'];

export function subscribes(endpoint: Pick<WebhookEndpointRow, 'events'>, type: WebhookEventType): boolean {
  const events = JSON.parse(endpoint.events) as string[];
  return events.includes(type) || (events.includes('*') && !OPT_IN_EVENT_TYPES.includes(type));
}

export function accountPayload(row: AccountRow) {
  return {
    id: row.id,
    user_id: row.user_id,
    alias: row.alias,
    word_id: row.word_id,
    status: row.status,
    status_reason: row.status_reason,
    is_disabled: row.is_disabled === 1,
    toolkit: { slug: row.toolkit_slug },
    auth_config: { id: row.auth_config_id },
    account_type: row.account_type,
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** The outbox rows announcing `type` for `row` to the subscribed ones of `endpoints`; undefined when none is. */
export function accountEventRows(
  endpoints: readonly WebhookEndpointRow[],
  row: AccountRow,
  type: WebhookEventType,
  now: Date,
  extra: Record<string, unknown> = {},
): OutboxRows | undefined {
  const subscribed = endpoints.filter((e) => subscribes(e, type));
  if (!subscribed.length) return undefined;
  const id = newId('msg');
  const ts = now.toISOString();
  const payload = { id, type, timestamp: ts, project_id: row.project_id, data: { connected_account: accountPayload(row), ...extra } };
  return {
    event: { id, project_id: row.project_id, type, payload: JSON.stringify(payload), created_at: ts },
    deliveries: subscribed.map((e) => ({
      id: newId('whd'),
      project_id: row.project_id,
      endpoint_id: e.id,
      event_id: id,
      status: 'pending',
      attempts: 0,
      next_attempt_at: ts,
      lease_owner: null,
      lease_until: null,
      last_status: null,
      last_error: null,
      delivered_at: null,
      created_at: ts,
      updated_at: ts,
    })),
  };
}

/** Writes one event for `row` into the outbox of `tx` (call inside the state change's transaction). */
export async function emitAccountEvent(tx: Store, row: AccountRow, type: WebhookEventType, now: Date, extra: Record<string, unknown> = {}): Promise<void> {
  const rows = accountEventRows(await tx.webhooks.enabledEndpoints(row.project_id), row, type, now, extra);
  if (rows) await insertOutbox(tx, rows);
}

export async function insertOutbox(tx: Store, rows: OutboxRows): Promise<void> {
  await tx.webhooks.insertEvent(rows.event);
  await tx.webhooks.insertDeliveries(rows.deliveries);
}
