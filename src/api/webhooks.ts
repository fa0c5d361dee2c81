// Outbound webhooks at Composio's v3.1 paths and shapes
// (/webhook_subscriptions: what @composio/client's webhookSubscriptions and
// @composio/core's composio.webhooks.subscriptions call), plus authlink's
// delivery log and redelivery under the same subscription.
//
// Composio's /webhook_endpoints is another resource (the inbound URL a
// provider posts trigger events to, per toolkit and OAuth app); authlink has
// no triggers, so that path is not served, rather than served with another
// meaning.
import { Type } from 'typebox';
import type { Services } from '../services/index.ts';
import { principalOf } from '../http/api-auth.ts';
import type { WebhookDeliveryRow } from '../store/webhooks.ts';
import { Cursor, errors, Limit, StringEnum, type ApiApp, type RouteOptions } from './types.ts';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const Version = StringEnum(['V1', 'V2', 'V3'], { description: 'Payload version: authlink sends V3 only (V1 and V2 are refused)' });
const Events = Type.Array(Type.String({ maxLength: 100 }), {
  maxItems: 50,
  description: 'Event types from GET /webhook_subscriptions/event_types, or "*" for all but the opt-in ones (composio.connected_account.refreshed)',
});
const Url = Type.String({ maxLength: 2048, description: 'Where events are POSTed (http or https; private addresses only if the operator allows them)' });

const Subscription = Type.Object({
  id: Type.String(),
  webhook_url: Type.String(),
  version: StringEnum(['V1', 'V2', 'V3']),
  enabled_events: Type.Array(Type.String()),
  secret: Type.String({ description: 'The signing secret: in full only when created (and from rotate_secret), masked otherwise' }),
  created_at: Type.String(),
  updated_at: Type.String(),
  description: Type.Union([Type.String(), Type.Null()], { description: 'authlink extension' }),
  enabled: Type.Boolean({ description: 'authlink extension: a disabled subscription gets no deliveries' }),
  previous_secret_expires_at: Type.Union([Type.String(), Type.Null()], {
    description: 'authlink extension: until when the rotated-out secret still signs (null when none does)',
  }),
});

const Delivery = Type.Object({
  id: Type.String(),
  event_id: Type.String(),
  status: StringEnum(['pending', 'succeeded', 'dead']),
  attempts: Type.Integer(),
  next_attempt_at: Type.Union([Type.String(), Type.Null()]),
  last_status: Type.Union([Type.Integer(), Type.Null()]),
  last_error: Type.Union([Type.String(), Type.Null()]),
  delivered_at: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
});

const deliveryView = (d: WebhookDeliveryRow) => ({
  id: d.id,
  event_id: d.event_id,
  status: d.status as 'pending' | 'succeeded' | 'dead',
  attempts: d.attempts,
  next_attempt_at: d.status === 'pending' ? d.next_attempt_at : null,
  last_status: d.last_status,
  last_error: d.last_error,
  delivered_at: d.delivered_at,
  created_at: d.created_at,
});

export function registerWebhookRoutes(api: ApiApp, services: Services, opts: RouteOptions): void {
  const subs = services.webhookSubscriptions;
  const common = { hide: opts.hide, tags: ['webhooks'] };
  const Params = Type.Object({ id: Id });
  const base = '/webhook_subscriptions';

  api.post(
    base,
    {
      schema: {
        ...common,
        summary: 'Create a webhook subscription (the signing secret is shown in full only here)',
        body: Type.Object({
          webhook_url: Url,
          enabled_events: Events,
          version: Type.Optional(Version),
          description: Type.Optional(Type.String({ maxLength: 500 })),
          enabled: Type.Optional(Type.Boolean()),
        }),
        response: { 201: Subscription, ...errors(422) },
      },
    },
    async (req, reply) => {
      reply.status(201);
      return subs.create(principalOf(req).projectId, req.body);
    },
  );
  api.get(
    base,
    {
      schema: {
        ...common,
        summary: 'List webhook subscriptions, oldest first',
        querystring: Type.Object({ cursor: Cursor, limit: Limit }),
        response: {
          200: Type.Object({
            items: Type.Array(Subscription),
            next_cursor: Type.Union([Type.String(), Type.Null()]),
            total_pages: Type.Integer(),
            current_page: Type.Integer(),
            total_items: Type.Integer(),
          }),
          ...errors(),
        },
      },
    },
    async (req) => subs.list(principalOf(req).projectId, req.query.cursor, req.query.limit ?? 20),
  );
  api.get(
    `${base}/event_types`,
    {
      schema: {
        ...common,
        summary: 'The event types a subscription can enable',
        response: {
          200: Type.Object({
            items: Type.Array(
              Type.Object({
                event_type: Type.String(),
                description: Type.String(),
                supported_versions: Type.Array(StringEnum(['V1', 'V2', 'V3'])),
                opt_in: Type.Boolean({ description: 'authlink extension: only delivered when named, not through "*"' }),
              }),
            ),
          }),
          ...errors(),
        },
      },
    },
    async () => subs.eventTypes(),
  );
  api.get(
    `${base}/:id`,
    { schema: { ...common, summary: 'Get a webhook subscription (secret masked)', params: Params, response: { 200: Subscription, ...errors(404) } } },
    async (req) => subs.get(principalOf(req).projectId, req.params.id),
  );
  api.patch(
    `${base}/:id`,
    {
      schema: {
        ...common,
        summary: 'Update a webhook subscription (only the fields given change)',
        params: Params,
        body: Type.Object({
          webhook_url: Type.Optional(Url),
          enabled_events: Type.Optional(Events),
          version: Type.Optional(Version),
          description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
          enabled: Type.Optional(Type.Boolean()),
        }),
        response: { 200: Subscription, ...errors(404) },
      },
    },
    async (req) => subs.update(principalOf(req).projectId, req.params.id, req.body),
  );
  api.delete(
    `${base}/:id`,
    {
      schema: {
        ...common,
        summary: 'Delete a webhook subscription: deliveries stop',
        params: Params,
        response: { 200: Type.Object({ success: Type.Boolean() }), ...errors(404) },
      },
    },
    async (req) => {
      await subs.remove(principalOf(req).projectId, req.params.id);
      return { success: true };
    },
  );
  api.post(
    `${base}/:id/rotate_secret`,
    {
      schema: {
        ...common,
        summary: 'Rotate the signing secret: the new one is shown only here; the previous one keeps signing for the overlap window',
        params: Params,
        response: {
          200: Type.Object({
            id: Type.String(),
            secret: Type.String(),
            previous_secret_expires_at: Type.Union([Type.String(), Type.Null()], { description: 'authlink extension' }),
          }),
          ...errors(404),
        },
      },
    },
    async (req) => subs.rotateSecret(principalOf(req).projectId, req.params.id),
  );
  api.get(
    `${base}/:id/deliveries`,
    {
      schema: {
        ...common,
        summary: "A subscription's deliveries, newest first (authlink extension)",
        params: Params,
        querystring: Type.Object({ cursor: Cursor, limit: Limit }),
        response: { 200: Type.Object({ items: Type.Array(Delivery), next_cursor: Type.Union([Type.String(), Type.Null()]) }), ...errors(404) },
      },
    },
    async (req) => {
      const page = await subs.deliveries(principalOf(req).projectId, req.params.id, req.query.cursor, req.query.limit ?? 20);
      return { items: page.items.map(deliveryView), next_cursor: page.nextCursor };
    },
  );
  api.post(
    `${base}/:id/deliveries/:delivery_id/redeliver`,
    {
      schema: {
        ...common,
        summary: 'Queue a delivery again, also a dead one (authlink extension)',
        params: Type.Object({ id: Id, delivery_id: Id }),
        response: { 200: Delivery, ...errors(404) },
      },
    },
    async (req) => deliveryView(await subs.redeliver(principalOf(req).projectId, req.params.id, req.params.delivery_id)),
  );
}
