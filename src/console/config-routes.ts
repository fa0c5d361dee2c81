// The console's toolkit catalog and auth-config pages:
// /console/projects/:projectId/toolkits[/:slug] and /auth-configs[...].
// Changes go through the auth-config service the API uses; a refused form
// is shown again with the service's message (secrets are never echoed).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.ts';
import type { ConsoleHttp } from './routes.ts';
import { type AuthConfigForm, type ConsoleService, searchToolkits } from './service.ts';
import { type PageContext, text } from './project-routes.ts';
import { configsPath, renderAuthConfig, renderAuthConfigs, renderChooseToolkit, renderNewAuthConfig } from './views/auth-configs.ts';
import { renderToolkit, renderToolkits } from './views/toolkits.ts';

const HIDE = { schema: { hide: true } } as const;

type P = { projectId: string };
type PC = P & { configId: string };
type Q = { Querystring: Record<string, unknown> };

/** A form's fields as strings (a repeated field: its first value). */
function body(req: FastifyRequest): Record<string, string> {
  const out: Record<string, string> = {};
  const raw = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
  for (const [k, v] of Object.entries(raw)) {
    const first = Array.isArray(v) ? v[0] : v;
    if (typeof first === 'string') out[k] = first;
  }
  return out;
}

/** A refusal the form itself should show (bad input, a limit, a disabled config); not-found and the rest go to the error page. */
export function formRefusal(e: unknown): e is ApiError {
  return e instanceof ApiError && e.status >= 400 && e.status < 500 && ![401, 403, 404, 429].includes(e.status);
}

/** The refusal a form shows: the service's message, and the first detail when it names the field. */
export function formMessage(e: ApiError): string {
  const detail = e.options.errors?.[0];
  return detail && !e.message.includes(detail) ? `${e.message} (${detail})` : e.message;
}

export function registerConfigPages(
  c: FastifyInstance,
  svc: ConsoleService,
  http: ConsoleHttp,
  context: PageContext,
  notice: (req: FastifyRequest) => string | undefined,
): void {
  const catalog = svc.catalog;

  c.get<{ Params: P } & Q>('/projects/:projectId/toolkits', HIDE, async (req, reply) => {
    const x = await context(req, reply);
    if (!x) return;
    const q = text(req.query.q, 100, 'search');
    const all = catalog.list();
    return http.page(reply, 200, renderToolkits(x.ctx, searchToolkits(all, q), all.length, q));
  });

  c.get<{ Params: P & { slug: string } }>('/projects/:projectId/toolkits/:slug', HIDE, async (req, reply) => {
    const x = await context(req, reply);
    if (!x) return;
    const toolkit = catalog.get(req.params.slug);
    if (!toolkit) throw new ApiError('NotFound', 'Toolkit not found');
    return http.page(reply, 200, renderToolkit(x.ctx, toolkit));
  });

  c.get<{ Params: P } & Q>('/projects/:projectId/auth-configs', HIDE, async (req, reply) => {
    const x = await context(req, reply);
    if (!x) return;
    const cursor = text(req.query.cursor, 1000, 'page cursor');
    const page = await svc.listAuthConfigs(x.scope.project.id, cursor);
    return http.page(
      reply,
      200,
      renderAuthConfigs(x.ctx, page, (s) => catalog.get(s), { notice: notice(req), onFirst: !cursor }),
    );
  });

  c.get<{ Params: P } & Q>('/projects/:projectId/auth-configs/new', HIDE, async (req, reply) => {
    const x = await context(req, reply);
    if (!x) return;
    const slug = text(req.query.toolkit, 100, 'toolkit');
    const toolkit = slug ? catalog.get(slug) : undefined;
    if (!toolkit) {
      const q = text(req.query.q, 100, 'search') ?? slug;
      return http.page(reply, slug ? 404 : 200, renderChooseToolkit(x.ctx, searchToolkits(catalog.list(), q), q));
    }
    const mode = text(req.query.scheme, 40, 'scheme');
    const scheme = toolkit.auth_schemes.find((s) => s.mode === mode) ?? toolkit.auth_schemes[0];
    return http.page(reply, 200, renderNewAuthConfig(x.ctx, toolkit, scheme, { managedAvailable: svc.managedAvailable(toolkit.slug) }));
  });

  c.post<{ Params: P }>('/projects/:projectId/auth-configs', HIDE, async (req, reply) => {
    const x = await context(req, reply, true);
    if (!x) return;
    const b = body(req);
    const toolkit = catalog.get(b.toolkit ?? '');
    const scheme = toolkit?.auth_schemes.find((s) => s.mode === b.scheme);
    if (!toolkit || !scheme) throw new ApiError('ValidationFailed', 'Choose a toolkit and one of its schemes.');
    const fields: Record<string, string> = {};
    for (const f of [...scheme.fields.auth_config_creation.required, ...scheme.fields.auth_config_creation.optional]) {
      const v = b[`f_${f.name}`]?.trim();
      if (v) fields[f.name] = v;
    }
    const form: AuthConfigForm = {
      toolkit: toolkit.slug,
      scheme: scheme.mode,
      managed: b.type === 'managed',
      name: b.name?.trim() || undefined,
      fields: b.type === 'managed' ? {} : fields,
      scopes: b.scopes?.trim() || undefined,
    };
    try {
      const row = await svc.createAuthConfig(x.scope, form);
      return reply.redirect(`${configsPath(x.ctx)}/${encodeURIComponent(row.id)}?done=ac_created`, 303);
    } catch (e) {
      if (!formRefusal(e)) throw e;
      // Shown again with what was typed, but without any secret field's value.
      const secretNames = new Set(
        [...scheme.fields.auth_config_creation.required, ...scheme.fields.auth_config_creation.optional].filter((f) => f.secret).map((f) => f.name),
      );
      const shown = Object.fromEntries(Object.entries(fields).filter(([k]) => !secretNames.has(k)));
      const page = renderNewAuthConfig(x.ctx, toolkit, scheme, {
        managedAvailable: svc.managedAvailable(toolkit.slug),
        error: formMessage(e),
        values: { name: form.name, managed: form.managed, fields: shown, scopes: form.scopes },
      });
      return http.page(reply, e.status, page);
    }
  });

  c.get<{ Params: PC }>('/projects/:projectId/auth-configs/:configId', HIDE, async (req, reply) => {
    const x = await context(req, reply);
    if (!x) return;
    return http.page(reply, 200, renderAuthConfig(x.ctx, await svc.authConfig(x.scope.project.id, req.params.configId), { notice: notice(req) }));
  });

  const configUrl = (x: { ctx: Parameters<typeof configsPath>[0] }, id: string, done: string) => `${configsPath(x.ctx)}/${encodeURIComponent(id)}?done=${done}`;

  for (const [action, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    c.post<{ Params: PC }>(`/projects/:projectId/auth-configs/:configId/${action}`, HIDE, async (req, reply) => {
      const x = await context(req, reply, true);
      if (!x) return;
      await svc.setAuthConfigEnabled(x.scope, req.params.configId, enabled);
      return reply.redirect(configUrl(x, req.params.configId, enabled ? 'ac_enabled' : 'ac_disabled'), 303);
    });
  }

  c.post<{ Params: PC }>('/projects/:projectId/auth-configs/:configId/delete', HIDE, async (req, reply) => {
    const x = await context(req, reply, true);
    if (!x) return;
    if (body(req).confirm !== 'yes') throw new ApiError('ValidationFailed', 'Tick the box that confirms the deletion, then press Delete again.');
    await svc.deleteAuthConfig(x.scope, req.params.configId);
    return reply.redirect(`${configsPath(x.ctx)}?done=ac_deleted`, 303);
  });

  c.post<{ Params: PC }>('/projects/:projectId/auth-configs/:configId/scopes', HIDE, async (req, reply: FastifyReply) => {
    const x = await context(req, reply, true);
    if (!x) return;
    const scopes = body(req).scopes ?? '';
    if (scopes.length > 4096) throw new ApiError('ValidationFailed', 'The scopes must be at most 4096 characters.');
    try {
      await svc.setAuthConfigScopes(x.scope, req.params.configId, scopes);
    } catch (e) {
      if (!formRefusal(e)) throw e;
      const detail = await svc.authConfig(x.scope.project.id, req.params.configId);
      return http.page(reply, e.status, renderAuthConfig(x.ctx, detail, { error: formMessage(e) }));
    }
    return reply.redirect(configUrl(x, req.params.configId, 'ac_scopes'), 303);
  });
}
