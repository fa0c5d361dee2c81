import { Type } from 'typebox';
import type { Services } from '../services/index.ts';
import { principalOf } from '../http/api-auth.ts';
import type { WebhookDeliveryRow } from '../store/webhooks.ts';
import { Cursor, errors, Limit, StringEnum, type ApiApp, type RouteOptions } from './types.ts';

const Id = Type.String({ minLength: 1, maxLength: 64 });
const Events = Type.Array(Type.String({ maxLength: 100 }), {
  maxItems: 50,
  description: 'Event types, or "*" for all but the opt-in ones (connected_account.refreshed)',
});

const Endpoint = Type.Object({
  id: Type.String(),
  url: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  events: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  previous_secret_expires_at: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
  updated_at: Type.String(),
  secret: Type.Optional(Type.String({ description: 'Shown only when created or rotated' })),
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
  const hooks = services.webhookEndpoints;
  const common = { hide: opts.hide, tags: ['webhooks'] };
  const Params = Type.Object({ id: Id });

  api.post(
    '/webhook_endpoints',
    {
      schema: {
        ...common,
        summary: 'Create a webhook endpoint (the signing secret is shown once)',
        body: Type.Object({
          url: Type.String({ maxLength: 2048 }),
          events: Events,
          description: Type.Optional(Type.String({ maxLength: 500 })),
          enabled: Type.Optional(Type.Boolean()),
        }),
        response: { 201: Endpoint, ...errors(422) },
      },
    },
    async (req, reply) => {
      reply.status(201);
      return hooks.create(principalOf(req).projectId, req.body);
    },
  );
  api.get(
    '/webhook_endpoints',
    { schema: { ...common, summary: 'List webhook endpoints', response: { 200: Type.Object({ items: Type.Array(Endpoint) }), ...errors() } } },
    async (req) => ({ items: await hooks.list(principalOf(req).projectId) }),
  );
  api.get(
    '/webhook_endpoints/:id',
    { schema: { ...common, summary: 'Get a webhook endpoint', params: Params, response: { 200: Endpoint, ...errors(404) } } },
    async (req) => hooks.view(await hooks.getRow(principalOf(req).projectId, req.params.id)),
  );
  api.patch(
    '/webhook_endpoints/:id',
    {
      schema: {
        ...common,
        summary: 'Update a webhook endpoint; rotate_secret returns a new secret once, the old one keeps signing for the overlap window',
        params: Params,
        body: Type.Object({
          url: Type.Optional(Type.String({ maxLength: 2048 })),
          events: Type.Optional(Events),
          description: Type.Optional(Type.Union([Type.String({ maxLength: 500 }), Type.Null()])),
          enabled: Type.Optional(Type.Boolean()),
          rotate_secret: Type.Optional(Type.Boolean()),
        }),
        response: { 200: Endpoint, ...errors(404) },
      },
    },
    async (req) => hooks.update(principalOf(req).projectId, req.params.id, req.body),
  );
  api.delete(
    '/webhook_endpoints/:id',
    {
      schema: { ...common, summary: 'Delete a webhook endpoint', params: Params, response: { 200: Type.Object({ success: Type.Boolean() }), ...errors(404) } },
    },
    async (req) => {
      await hooks.remove(principalOf(req).projectId, req.params.id);
      return { success: true };
    },
  );
  api.get(
    '/webhook_endpoints/:id/deliveries',
    {
      schema: {
        ...common,
        summary: "An endpoint's deliveries, newest first",
        params: Params,
        querystring: Type.Object({ cursor: Cursor, limit: Limit }),
        response: { 200: Type.Object({ items: Type.Array(Delivery), next_cursor: Type.Union([Type.String(), Type.Null()]) }), ...errors(404) },
      },
    },
    async (req) => {
      const page = await hooks.deliveries(principalOf(req).projectId, req.params.id, req.query.cursor, req.query.limit ?? 20);
      return { items: page.items.map(deliveryView), next_cursor: page.nextCursor };
    },
  );
  api.post(
    '/webhook_endpoints/:id/deliveries/:delivery_id/redeliver',
    {
      schema: {
        ...common,
        summary: 'Queue a delivery again (also a dead one)',
        params: Type.Object({ id: Id, delivery_id: Id }),
        response: { 200: Delivery, ...errors(404) },
      },
    },
    async (req) => deliveryView(await hooks.redeliver(principalOf(req).projectId, req.params.id, req.params.delivery_id)),
  );
}
