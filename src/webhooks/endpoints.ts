// Webhook endpoints of a project: the secret is shown once at creation and on
// rotation; a rotated-out secret keeps signing for an overlap window.
import { ApiError } from '../errors.ts';
import { newId } from '../crypto/tokens.ts';
import type { KeyRing } from '../crypto/keyring.ts';
import { ENCRYPTED_FIELDS } from '../crypto/fields.ts';
import type { Store } from '../store/store.ts';
import type { WebhookEndpointRow } from '../store/webhooks.ts';
import { CursorError } from '../store/cursor.ts';
import { addressPolicy, assertLiteralHostAllowed } from '../proxy/ssrf.ts';
import { newWebhookSecret } from './signing.ts';
import { WEBHOOK_EVENT_TYPES } from './events.ts';

export interface EndpointInput {
  url?: string;
  events?: string[];
  description?: string | null;
  enabled?: boolean;
  rotate_secret?: boolean;
}

export function createWebhookEndpoints(deps: {
  store: Store;
  keyRing: KeyRing;
  now: () => Date;
  allowPrivateNetworks: boolean | string[];
  secretOverlapSeconds: number;
  /** Endpoints (not deleted) a project may have: each one adds a delivery to every event. */
  maxPerProject: number;
}) {
  const { store, keyRing } = deps;
  const policy = addressPolicy(deps.allowPrivateNetworks);

  function checkUrl(raw: string): string {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new ApiError('ValidationFailed', 'url must be an absolute http(s) URL', { errors: ['url: not an absolute URL'] });
    }
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) {
      throw new ApiError('ValidationFailed', 'url must be an http(s) URL without credentials', { errors: ['url: must be http(s) without user:password@'] });
    }
    try {
      assertLiteralHostAllowed(url, policy);
    } catch (e) {
      throw new ApiError('ValidationFailed', `url: ${(e as Error).message}`, { errors: [`url: ${(e as Error).message}`] });
    }
    return url.toString();
  }

  function checkEvents(events: string[]): string[] {
    const known = new Set<string>([...WEBHOOK_EVENT_TYPES, '*']);
    const bad = events.filter((e) => !known.has(e));
    if (bad.length || !events.length) {
      throw new ApiError('ValidationFailed', `events must be a non-empty list of: *, ${WEBHOOK_EVENT_TYPES.join(', ')}`, {
        errors: bad.length ? bad.map((b) => `events: unknown event type ${b}`) : ['events: must not be empty'],
      });
    }
    return [...new Set(events)];
  }

  async function getRow(projectId: string, id: string): Promise<WebhookEndpointRow> {
    const row = await store.webhooks.getEndpoint(projectId, id);
    if (!row)
      throw new ApiError('WebhookEndpointNotFound', `Webhook endpoint ${id} not found`, {
        suggestedFix: 'List endpoints with GET /api/v3.1/webhook_endpoints',
      });
    return row;
  }

  const view = (row: WebhookEndpointRow, secret?: string) => ({
    id: row.id,
    url: row.url,
    description: row.description,
    events: JSON.parse(row.events) as string[],
    enabled: row.enabled === 1,
    previous_secret_expires_at: row.previous_secret_until && row.previous_secret_until > deps.now().toISOString() ? row.previous_secret_until : null,
    created_at: row.created_at,
    updated_at: row.updated_at,
    ...(secret ? { secret } : {}),
  });

  return {
    view,
    getRow,
    async create(projectId: string, input: Required<Pick<EndpointInput, 'url' | 'events'>> & EndpointInput) {
      const ts = deps.now().toISOString();
      const secret = newWebhookSecret();
      const row: WebhookEndpointRow = {
        id: newId('we'),
        project_id: projectId,
        url: checkUrl(input.url),
        description: input.description ?? null,
        events: JSON.stringify(checkEvents(input.events)),
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
        throw new ApiError('WebhookEndpointLimitReached', `This project already has ${deps.maxPerProject} webhook endpoints, the most it may have`, {
          suggestedFix:
            'Delete an endpoint you no longer use (DELETE /api/v3.1/webhook_endpoints/{id}), or ask the operator to raise AUTHLINK_WEBHOOK_MAX_ENDPOINTS_PER_PROJECT',
        });
      }
      return view(row, secret);
    },
    async list(projectId: string) {
      return (await store.webhooks.listEndpoints(projectId)).map((r) => view(r));
    },
    async update(projectId: string, id: string, input: EndpointInput) {
      const row = await getRow(projectId, id);
      const now = deps.now();
      const patch: Partial<WebhookEndpointRow> = { updated_at: now.toISOString() };
      if (input.url !== undefined) patch.url = checkUrl(input.url);
      if (input.events !== undefined) patch.events = JSON.stringify(checkEvents(input.events));
      if (input.description !== undefined) patch.description = input.description;
      if (input.enabled !== undefined) patch.enabled = input.enabled ? 1 : 0;
      let secret: string | undefined;
      if (input.rotate_secret) {
        secret = newWebhookSecret();
        const current = keyRing.decrypt(row.secret_enc, ENCRYPTED_FIELDS.webhookSecret.aad(row));
        patch.secret_enc = keyRing.encrypt(secret, ENCRYPTED_FIELDS.webhookSecret.aad(row));
        patch.previous_secret_enc = keyRing.encrypt(current, ENCRYPTED_FIELDS.webhookPreviousSecret.aad(row));
        patch.previous_secret_until = new Date(now.getTime() + deps.secretOverlapSeconds * 1000).toISOString();
      }
      const updated = await store.webhooks.updateEndpoint(projectId, id, patch);
      return view(updated ?? row, secret);
    },
    async remove(projectId: string, id: string) {
      await getRow(projectId, id);
      const ts = deps.now().toISOString();
      await store.webhooks.updateEndpoint(projectId, id, { deleted_at: ts, updated_at: ts, enabled: 0 });
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

export type WebhookEndpoints = ReturnType<typeof createWebhookEndpoints>;
