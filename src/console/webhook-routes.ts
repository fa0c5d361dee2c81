// The console's webhook pages: /console/projects/:projectId/webhooks[...].
// Subscriptions and redelivery go through the service behind
// /api/v3.1/webhook_subscriptions; the signing secret is shown once, on the
// response to the create form (no-store), and masked everywhere else.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.ts';
import type { ConsoleHttp } from './routes.ts';
import type { ConsoleService } from './service.ts';
import { type PageContext, text } from './project-routes.ts';
import { formMessage, formRefusal } from './config-routes.ts';
import { hooksPath, renderDelivery, renderSubscription, renderWebhooks } from './views/webhooks.ts';

const HIDE = { schema: { hide: true } } as const;

type P = { projectId: string };
type PS = P & { subId: string };
type PD = PS & { deliveryId: string };

function fields(req: FastifyRequest): Record<string, unknown> {
  return req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
}

export function registerWebhookPages(
  c: FastifyInstance,
  svc: ConsoleService,
  http: ConsoleHttp,
  context: PageContext,
  notice: (req: FastifyRequest) => string | undefined,
): void {
  c.get<{ Params: P }>('/projects/:projectId/webhooks', HIDE, async (req, reply) => {
    const x = await context(req, reply);
    if (!x) return;
    const subs = await svc.listSubscriptions(x.scope.project.id);
    return http.page(reply, 200, renderWebhooks(x.ctx, subs.items, svc.eventTypes(), { notice: notice(req) }));
  });

  c.post<{ Params: P }>('/projects/:projectId/webhooks', HIDE, async (req, reply) => {
    const x = await context(req, reply, true);
    if (!x) return;
    const b = fields(req);
    const rawEvents = Array.isArray(b.events) ? b.events : b.events === undefined ? [] : [b.events];
    const events = rawEvents.filter((e): e is string => typeof e === 'string' && e.length <= 100).slice(0, 50);
    const values = {
      url: typeof b.url === 'string' ? b.url.trim().slice(0, 2048) : '',
      description: typeof b.description === 'string' ? b.description.trim().slice(0, 500) : '',
      events,
    };
    try {
      const created = await svc.createSubscription(x.scope, { url: values.url, events, description: values.description || undefined });
      const subs = await svc.listSubscriptions(x.scope.project.id);
      // The secret is on this response only: a reload or the back button cannot show it again.
      return http.page(reply, 201, renderWebhooks(x.ctx, subs.items, svc.eventTypes(), { created }));
    } catch (e) {
      if (!formRefusal(e)) throw e;
      const subs = await svc.listSubscriptions(x.scope.project.id);
      return http.page(reply, e.status, renderWebhooks(x.ctx, subs.items, svc.eventTypes(), { error: formMessage(e), values }));
    }
  });

  c.get<{ Params: PS; Querystring: Record<string, unknown> }>('/projects/:projectId/webhooks/:subId', HIDE, async (req, reply) => {
    const x = await context(req, reply);
    if (!x) return;
    const cursor = text(req.query.cursor, 1000, 'page cursor');
    const data = await svc.subscription(x.scope.project.id, req.params.subId, cursor);
    return http.page(reply, 200, renderSubscription(x.ctx, data, { notice: notice(req), onFirst: !cursor }));
  });

  const subUrl = (x: { ctx: Parameters<typeof hooksPath>[0] }, id: string) => `${hooksPath(x.ctx)}/${encodeURIComponent(id)}`;

  for (const [action, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    c.post<{ Params: PS }>(`/projects/:projectId/webhooks/:subId/${action}`, HIDE, async (req, reply) => {
      const x = await context(req, reply, true);
      if (!x) return;
      await svc.setSubscriptionEnabled(x.scope, req.params.subId, enabled);
      return reply.redirect(`${subUrl(x, req.params.subId)}?done=${enabled ? 'sub_enabled' : 'sub_disabled'}`, 303);
    });
  }

  c.post<{ Params: PS }>('/projects/:projectId/webhooks/:subId/delete', HIDE, async (req, reply) => {
    const x = await context(req, reply, true);
    if (!x) return;
    if (fields(req).confirm !== 'yes') throw new ApiError('ValidationFailed', 'Tick the box that confirms the deletion, then press Delete again.');
    await svc.deleteSubscription(x.scope, req.params.subId);
    return reply.redirect(`${hooksPath(x.ctx)}?done=sub_deleted`, 303);
  });

  c.get<{ Params: PD }>('/projects/:projectId/webhooks/:subId/deliveries/:deliveryId', HIDE, async (req, reply) => {
    const x = await context(req, reply);
    if (!x) return;
    const data = await svc.delivery(x.scope.project.id, req.params.subId, req.params.deliveryId);
    return http.page(reply, 200, renderDelivery(x.ctx, data, notice(req)));
  });

  c.post<{ Params: PD }>('/projects/:projectId/webhooks/:subId/deliveries/:deliveryId/redeliver', HIDE, async (req, reply) => {
    const x = await context(req, reply, true);
    if (!x) return;
    await svc.redeliver(x.scope, req.params.subId, req.params.deliveryId);
    return reply.redirect(`${subUrl(x, req.params.subId)}/deliveries/${encodeURIComponent(req.params.deliveryId)}?done=redelivered`, 303);
  });
}
