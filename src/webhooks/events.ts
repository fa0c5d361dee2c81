// Lifecycle events go into the transactional outbox: an event row plus one
// delivery row per subscribed endpoint, written in the same transaction as the
// state change they report, so a committed change is always announced and a
// rolled-back one never is.
//
// On the wire an event is Composio's V3 webhook payload
// (`{ id, timestamp, type: "composio.…", metadata, data }`, what
// @composio/core's WebhookPayloadV3Schema parses): `type` is the internal
// name below with the `composio.` prefix, which makes
// `connected_account.expired` exactly Composio's
// `composio.connected_account.expired`; the others are authlink's own, named
// the same way. `data` is the account as GET /connected_accounts/{id} shows
// it, built without the key ring: no credential can reach a payload.
import { newId } from '../crypto/tokens.ts';
import type { Store } from '../store/store.ts';
import type { AccountRow } from '../store/accounts.ts';
import type { AuthConfigRow } from '../store/auth-configs.ts';
import type { OutboxRows, WebhookEndpointRow } from '../store/webhooks.ts';
import { usesAccessToken } from '../toolkits/modes.ts';
import type { AuthMode } from '../toolkits/types.ts';

/** Internal event names: what services emit. The wire name is `composio.` + this. */
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

/** What GET /webhook_subscriptions/event_types says of each type (a new type needs its line here). */
export const EVENT_DESCRIPTIONS: Record<WebhookEventType, string> = {
  'connected_account.initiated': 'A link (or a legacy create) made a connected account; the user has not connected yet',
  'connected_account.active': 'The user finished connecting, or credentials were given directly',
  'connected_account.reconnected': 'A reconnect completed: the same account holds a new credential (with .active; metadata.reconnect.previous_status)',
  'connected_account.failed': 'The user denied access or cancelled, or the code exchange failed (metadata.error)',
  'connected_account.expired': 'The connected account expired: its link expired unused, or the provider rejected the refresh token',
  'connected_account.refresh_failed': 'A token refresh failed (metadata.refresh.permanent says whether it is retried)',
  'connected_account.refreshed': 'A token was refreshed (opt-in: not included in "*")',
  'connected_account.revoked': 'The connected account was revoked at the provider',
  'connected_account.disabled': 'The connected account was disabled',
  'connected_account.enabled': 'The connected account was enabled again',
  'connected_account.deleted': 'The connected account was deleted',
  'link_session.expired': 'A link expired before the user finished (metadata.link_session.expires_at)',
};

export const WIRE_PREFIX = 'composio.';

/** The `type` a receiver sees. */
export function wireType(type: WebhookEventType): string {
  return WIRE_PREFIX + type;
}

/** Frequent events an endpoint only gets when it names them (not through "*"). */
export const OPT_IN_EVENT_TYPES: readonly WebhookEventType[] = ['connected_account.refreshed'];

/** Endpoints store wire names (and "*"). */
export function subscribes(endpoint: Pick<WebhookEndpointRow, 'events'>, type: WebhookEventType): boolean {
  const events = JSON.parse(endpoint.events) as string[];
  return events.includes(wireType(type)) || (events.includes('*') && !OPT_IN_EVENT_TYPES.includes(type));
}

/** The auth config facts an account's API view shows. */
export type AuthConfigFacts = Pick<AuthConfigRow, 'auth_scheme' | 'is_composio_managed' | 'status'>;

/**
 * The account as GET /connected_accounts/{id} shows it, minus what only the
 * key ring could add: `state.val` holds the connection fields, the status and
 * (OAuth2, while a token is held) the granted scopes, never a token or key,
 * not even masked.
 */
export function accountData(row: AccountRow, auth: AuthConfigFacts | undefined) {
  const scheme = auth?.auth_scheme ?? 'OAUTH2';
  const val: Record<string, unknown> = { ...(JSON.parse(row.data) as Record<string, unknown>), status: row.status };
  // As the API: the granted scopes while the account holds a token (never the token itself).
  if (usesAccessToken(scheme as AuthMode) && row.credentials_enc && row.granted_scopes) val.scope = JSON.parse(row.granted_scopes);
  const acl = row.acl ? (JSON.parse(row.acl) as Record<string, unknown>) : undefined;
  return {
    id: row.id,
    alias: row.alias,
    word_id: row.word_id,
    user_id: row.user_id,
    status: row.status,
    status_reason: row.status_reason,
    is_disabled: row.is_disabled === 1,
    created_at: row.created_at,
    updated_at: row.updated_at,
    toolkit: { slug: row.toolkit_slug },
    auth_config: {
      id: row.auth_config_id,
      auth_scheme: scheme,
      is_composio_managed: auth?.is_composio_managed === 1,
      is_disabled: auth?.status !== 'ENABLED',
    },
    state: { authScheme: scheme, val },
    data: val,
    params: {},
    test_request_endpoint: '',
    experimental: { account_type: row.account_type, ...(acl ? { acl_config_for_shared: acl } : {}) },
  };
}

/**
 * The outbox rows announcing `type` for `row` to the subscribed ones of
 * `endpoints`; undefined when none is. `extra` (the event's own context, e.g.
 * `error` or `refresh`) goes into `metadata`, next to Composio's `project_id`
 * and `org_id` (authlink has no organisations: the project is the tenant, so
 * org_id repeats project_id). `auth` fills `data.auth_config`.
 */
export function accountEventRows(
  endpoints: readonly WebhookEndpointRow[],
  row: AccountRow,
  type: WebhookEventType,
  now: Date,
  extra: Record<string, unknown> = {},
  auth?: AuthConfigFacts,
): OutboxRows | undefined {
  const subscribed = endpoints.filter((e) => subscribes(e, type));
  if (!subscribed.length) return undefined;
  const id = newId('msg');
  const ts = now.toISOString();
  const wire = wireType(type);
  const payload = {
    id,
    timestamp: ts,
    type: wire,
    metadata: { project_id: row.project_id, org_id: row.project_id, ...extra },
    data: accountData(row, auth),
  };
  return {
    event: { id, project_id: row.project_id, type: wire, payload: JSON.stringify(payload), created_at: ts },
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

/**
 * The outbox rows announcing `type` for `row`, read through `store` (inside
 * the change's transaction, or before a single-statement insert): the
 * project's endpoints, and only when one subscribes, the account's auth
 * config. Both reads are served by the store's read cache.
 */
export async function accountEvent(
  store: Store,
  row: AccountRow,
  type: WebhookEventType,
  now: Date,
  extra: Record<string, unknown> = {},
): Promise<OutboxRows | undefined> {
  const endpoints = await store.webhooks.enabledEndpoints(row.project_id);
  if (!endpoints.some((e) => subscribes(e, type))) return undefined;
  const auth = await store.authConfigs.getAny(row.project_id, row.auth_config_id);
  return accountEventRows(endpoints, row, type, now, extra, auth);
}

/** Writes one event for `row` into the outbox of `tx` (call inside the state change's transaction). */
export async function emitAccountEvent(tx: Store, row: AccountRow, type: WebhookEventType, now: Date, extra: Record<string, unknown> = {}): Promise<void> {
  const rows = await accountEvent(tx, row, type, now, extra);
  if (rows) await insertOutbox(tx, rows);
}

export async function insertOutbox(tx: Store, rows: OutboxRows): Promise<void> {
  await tx.webhooks.insertEvent(rows.event);
  await tx.webhooks.insertDeliveries(rows.deliveries);
}
