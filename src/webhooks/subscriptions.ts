// Webhook subscriptions of a project (Composio's /webhook_subscriptions; the
// store calls them endpoints). The signing secret is shown in full once, at
// creation and on rotation; reads show it masked, as Composio does. A
// rotated-out secret keeps signing for an overlap window.
import { ApiError } from '../errors.ts';
import { newId } from '../crypto/tokens.ts';
import type { KeyRing } from '../crypto/keyring.ts';
import { ENCRYPTED_FIELDS } from '../crypto/fields.ts';
import type { Store } from '../store/store.ts';
import type { WebhookEndpointRow } from '../store/webhooks.ts';
import { CursorError, decodeCursor, encodeCursor } from '../store/cursor.ts';
import { addressPolicy, assertLiteralHostAllowed } from '../proxy/ssrf.ts';
import { newWebhookSecret } from './signing.ts';
import { EVENT_DESCRIPTIONS, OPT_IN_EVENT_TYPES, WEBHOOK_EVENT_TYPES, WIRE_PREFIX, wireType } from './events.ts';

export type WebhookVersion = 'V1' | 'V2' | 'V3';

export interface SubscriptionInput {
  webhook_url?: string;
  enabled_events?: string[];
  version?: WebhookVersion;
  /** authlink extensions, not in Composio's shape. */
  description?: string | null;
  enabled?: boolean;
}

const LIST_HINT = 'List subscriptions with GET /api/v3.1/webhook_subscriptions';

/** Composio events authlink never sends: it has no triggers. */
const TRIGGER_EVENTS = new Set(['composio.trigger.message', 'composio.trigger.disabled']);

export function maskWebhookSecret(secret: string): string {
  return `${secret.startsWith('whsec_') ? 'whsec_' : ''}********${secret.slice(-4)}`;
}

export function createWebhookSubscriptions(deps: {
  store: Store;
  keyRing: KeyRing;
  now: () => Date;
  allowPrivateNetworks: boolean | string[];
  secretOverlapSeconds: number;
  /** Subscriptions (not deleted) a project may have: each one adds a delivery to every event. */
  maxPerProject: number;
}) {
  const { store, keyRing } = deps;
  const policy = addressPolicy(deps.allowPrivateNetworks);
  const known = new Set<string>([...WEBHOOK_EVENT_TYPES.map(wireType), '*']);

  function checkUrl(raw: string): string {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ApiError('ValidationFailed', 'webhook_url must be an absolute http(s) URL', { errors: ['webhook_url: not an absolute URL'] });
    }
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) {
      throw new ApiError('ValidationFailed', 'webhook_url must be an http(s) URL without credentials', {
        errors: ['webhook_url: must be http(s) without user:password@'],
      });
    }
    try {
      assertLiteralHostAllowed(url, policy);
    } catch (e) {
      throw new ApiError('ValidationFailed', `webhook_url: ${(e as Error).message}`, { errors: [`webhook_url: ${(e as Error).message}`] });
    }
    return url.toString();
  }

  function whyUnknown(type: string): string {
    if (TRIGGER_EVENTS.has(type)) return `enabled_events: authlink has no triggers, so it never sends ${type}`;
    if (known.has(WIRE_PREFIX + type)) return `enabled_events: unknown event type ${type} (did you mean ${WIRE_PREFIX}${type}?)`;
    return `enabled_events: unknown event type ${type}`;
  }

  function checkEvents(events: string[]): string[] {
    const bad = events.filter((e) => !known.has(e));
    if (bad.length || !events.length) {
      throw new ApiError(
        'ValidationFailed',
        'enabled_events must be a non-empty list of event types from GET /api/v3.1/webhook_subscriptions/event_types, or "*"',
        {
          errors: bad.length ? bad.map(whyUnknown) : ['enabled_events: must not be empty'],
          suggestedFix: `Subscribe to e.g. ["${wireType('connected_account.expired')}"], or "*" for every event but the opt-in ones`,
        },
      );
    }
    return [...new Set(events)];
  }

  function checkVersion(version: WebhookVersion | undefined): void {
    if (version !== undefined && version !== 'V3') {
      throw new ApiError('ValidationFailed', `authlink sends V3 payloads only; version ${version} is not available`, {
        errors: ['version: must be V3'],
      });
    }
  }

  async function getRow(projectId: string, id: string): Promise<WebhookEndpointRow> {
    const row = await store.webhooks.getEndpoint(projectId, id);
    if (!row) throw new ApiError('WebhookSubscriptionNotFound', `Webhook subscription ${id} not found`, { suggestedFix: LIST_HINT });
    return row;
  }

  const secretOf = (row: WebhookEndpointRow) => keyRing.decrypt(row.secret_enc, ENCRYPTED_FIELDS.webhookSecret.aad(row));

  /** Until when the rotated-out secret still signs; null when none does. */
  const previousUntil = (row: WebhookEndpointRow) =>
    row.previous_secret_until && row.previous_secret_until > deps.now().toISOString() ? row.previous_secret_until : null;

  /** The subscription in Composio's shape (`secret` masked unless given), plus authlink's fields. */
  const view = (row: WebhookEndpointRow, secret?: string) => ({
    id: row.id,
    webhook_url: row.url,
    version: 'V3' as const,
    enabled_events: JSON.parse(row.events) as string[],
    secret: secret ?? maskWebhookSecret(secretOf(row)),
    created_at: row.created_at,
    updated_at: row.updated_at,
    description: row.description,
    enabled: row.enabled === 1,
    previous_secret_expires_at: previousUntil(row),
  });

  return {
    view,
    getRow,
    async get(projectId: string, id: string) {
      return view(await getRow(projectId, id));
    },
    async create(projectId: string, input: Required<Pick<SubscriptionInput, 'webhook_url' | 'enabled_events'>> & SubscriptionInput) {
      checkVersion(input.version);
      const ts = deps.now().toISOString();
      const secret = newWebhookSecret();
      const row: WebhookEndpointRow = {
        id: newId('ws'),
        project_id: projectId,
        url: checkUrl(input.webhook_url),
        description: input.description ?? null,
        events: JSON.stringify(checkEvents(input.enabled_events)),
        enabled: input.enabled === false ? 0 : 1,
        secret_enc: '',
        previous_secret_enc: null,
        previous_secret_until: null,
        created_at: ts,
        updated_at: ts,
        deleted_at: null,
      };
      row.secret_enc = keyRing.encrypt(secret, ENCRYPTED_FIELDS.webhookSecret.aad(row));
      if (!(await store.webhooks.insertEndpointWithin(row, deps.maxPerProject))) {
        throw new ApiError('WebhookSubscriptionLimitReached', `This project already has ${deps.maxPerProject} webhook subscriptions, the most it may have`, {
          suggestedFix:
            'Delete a subscription you no longer use (DELETE /api/v3.1/webhook_subscriptions/{id}), or ask the operator to raise AUTHLINK_WEBHOOK_MAX_ENDPOINTS_PER_PROJECT',
        });
      }
      return view(row, secret);
    },
    /** A page in creation order. A project has at most maxPerProject subscriptions, so the page is cut from the whole list. */
    async list(projectId: string, cursor: string | undefined, limit: number) {
      let after: ReturnType<typeof decodeCursor>;
      try {
        after = decodeCursor(cursor);
      } catch (e) {
        if (e instanceof CursorError) throw new ApiError('ValidationFailed', 'Invalid cursor', { errors: ['cursor: not a cursor this API returned'] });
        throw e;
      }
      // Sorted here too: the cursor compares in code point order, which a database collation may not follow.
      const all = (await store.webhooks.listEndpoints(projectId)).sort((a, b) =>
        a.created_at === b.created_at ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) : a.created_at < b.created_at ? -1 : 1,
      );
      const start = after ? all.findIndex((r) => r.created_at > after.t || (r.created_at === after.t && r.id > after.id)) : 0;
      const from = start === -1 ? all.length : start;
      const items = all.slice(from, from + limit);
      const last = items[items.length - 1];
      return {
        items: items.map((r) => view(r)),
        next_cursor: from + limit < all.length && last ? encodeCursor({ t: last.created_at, id: last.id }) : null,
        total_pages: Math.max(1, Math.ceil(all.length / limit)),
        current_page: Math.floor(from / limit) + 1,
        total_items: all.length,
      };
    },
    async update(projectId: string, id: string, input: SubscriptionInput) {
      checkVersion(input.version);
      await getRow(projectId, id);
      const patch: Partial<WebhookEndpointRow> = { updated_at: deps.now().toISOString() };
      if (input.webhook_url !== undefined) patch.url = checkUrl(input.webhook_url);
      if (input.enabled_events !== undefined) patch.events = JSON.stringify(checkEvents(input.enabled_events));
      if (input.description !== undefined) patch.description = input.description;
      if (input.enabled !== undefined) patch.enabled = input.enabled ? 1 : 0;
      const updated = await store.webhooks.updateEndpoint(projectId, id, patch);
      if (!updated) throw new ApiError('WebhookSubscriptionNotFound', `Webhook subscription ${id} not found`, { suggestedFix: LIST_HINT });
      return view(updated);
    },
    /** A new secret, returned once; the current one keeps signing alongside it for the overlap window. */
    async rotateSecret(projectId: string, id: string) {
      const row = await getRow(projectId, id);
      const now = deps.now();
      const secret = newWebhookSecret();
      const updated = await store.webhooks.updateEndpoint(projectId, id, {
        secret_enc: keyRing.encrypt(secret, ENCRYPTED_FIELDS.webhookSecret.aad(row)),
        previous_secret_enc: keyRing.encrypt(secretOf(row), ENCRYPTED_FIELDS.webhookPreviousSecret.aad(row)),
        previous_secret_until: new Date(now.getTime() + deps.secretOverlapSeconds * 1000).toISOString(),
        updated_at: now.toISOString(),
      });
      if (!updated) throw new ApiError('WebhookSubscriptionNotFound', `Webhook subscription ${id} not found`, { suggestedFix: LIST_HINT });
      return { id, secret, previous_secret_expires_at: previousUntil(updated) };
    },
    async remove(projectId: string, id: string) {
      await getRow(projectId, id);
      const ts = deps.now().toISOString();
      await store.webhooks.updateEndpoint(projectId, id, { deleted_at: ts, updated_at: ts, enabled: 0 });
    },
    eventTypes() {
      return {
        items: WEBHOOK_EVENT_TYPES.map((t) => ({
          event_type: wireType(t),
          description: EVENT_DESCRIPTIONS[t],
          supported_versions: ['V3' as const],
          opt_in: OPT_IN_EVENT_TYPES.includes(t),
        })),
      };
    },
    async deliveries(projectId: string, id: string, cursor: string | undefined, limit: number) {
      await getRow(projectId, id);
      try {
        return await store.webhooks.listDeliveries(projectId, id, cursor, limit);
      } catch (e) {
        if (e instanceof CursorError) throw new ApiError('ValidationFailed', 'Invalid cursor', { errors: ['cursor: not a cursor this API returned'] });
        throw e;
      }
    },
    async redeliver(projectId: string, id: string, deliveryId: string) {
      await getRow(projectId, id);
      const existing = await store.webhooks.getDelivery(projectId, id, deliveryId);
      if (!existing) throw new ApiError('WebhookDeliveryNotFound', `Delivery ${deliveryId} not found`);
      return (await store.webhooks.requeue(projectId, deliveryId, deps.now().toISOString()))!;
    },
  };
}

export type WebhookSubscriptions = ReturnType<typeof createWebhookSubscriptions>;
