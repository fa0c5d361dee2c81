// The console's pages of one project: /console/projects/:projectId/...
// Every URL names its project, and the service refuses (404) one the
// session may not see, so no page reads another project's data.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.ts';
import { ACCOUNT_STATUSES, type AccountStatus } from '../services/accounts.ts';
import type { ConsoleHttp } from './routes.ts';
import type { AccountFilters, ConsoleScope, ConsoleService } from './service.ts';
import type { ConsoleSession } from './sessions.ts';
import { renderOverview, renderProjects } from './views/overview.ts';
import { renderAccount, renderAccounts } from './views/accounts.ts';
import { renderKeys } from './views/keys.ts';
import { renderAudit } from './views/audit.ts';
import { renderSession, renderSessions } from './views/sessions.ts';
import { projectBase, type ShellContext } from './views/shell.ts';
import { formMessage, formRefusal, registerConfigPages } from './config-routes.ts';
import { registerWebhookPages } from './webhook-routes.ts';

const HIDE = { schema: { hide: true } } as const;

type P = { projectId: string };
type PA = P & { accountId: string };
type PK = P & { keyId: string };

/** Notices a redirect may ask a page to show: fixed texts, nothing from the URL is echoed. */
export const NOTICES: Record<string, string> = {
  enabled: 'The account is enabled.',
  disabled: 'The account is disabled.',
  deleted: 'The account was deleted.',
  revoked: 'The key was revoked.',
  ac_created: 'The auth config was created.',
  ac_enabled: 'The auth config is enabled.',
  ac_disabled: 'The auth config is disabled.',
  ac_deleted: 'The auth config was deleted.',
  ac_scopes: 'The scopes were saved.',
  sub_enabled: 'The subscription is enabled.',
  sub_disabled: 'The subscription is disabled.',
  sub_deleted: 'The subscription was deleted.',
  redelivered: 'The delivery is queued again.',
};

export function text(value: unknown, max: number, name: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || value.length > max) throw new ApiError('ValidationFailed', `The ${name} must be text of at most ${max} characters.`);
  return value.trim() || undefined;
}

function who(session: ConsoleSession): string {
  return session.actor.kind === 'operator' ? 'Signed in as the operator' : `Signed in with API key ${session.actor.apiKeyId}`;
}

export type PageContext = (
  req: FastifyRequest<{ Params: P }>,
  reply: FastifyReply,
  acting?: boolean,
) => Promise<{ session: ConsoleSession; ctx: ShellContext & { project: { id: string; name: string } }; scope: ConsoleScope } | undefined>;

export function registerProjectPages(c: FastifyInstance, svc: ConsoleService, http: ConsoleHttp): void {
  /** The session, the project it may see, and the page's shell context; undefined when a redirect was sent. */
  async function context(req: FastifyRequest<{ Params: P }>, reply: FastifyReply, acting = false) {
    const session = acting ? await http.acting(req, reply) : await http.session(req, reply);
    if (!session) return undefined;
    const project = await svc.projectFor(session.actor, req.params.projectId);
    const ctx = { who: who(session), csrf: session.csrf, operator: session.actor.kind === 'operator', project: { id: project.id, name: project.name } };
    const scope: ConsoleScope = { actor: session.actor, project, requestId: req.id };
    return { session, ctx, scope };
  }

  const notice = (req: FastifyRequest) => NOTICES[String((req.query as Record<string, unknown>).done ?? '')];
  registerConfigPages(c, svc, http, context, notice);
  registerWebhookPages(c, svc, http, context, notice);

  c.get('/projects', HIDE, async (req, reply) => {
    const session = await http.session(req, reply);
    if (!session) return;
    if (session.actor.kind === 'project') return reply.redirect(projectBase(session.actor.projectId), 303);
    const ctx: ShellContext = { who: who(session), csrf: session.csrf, operator: true };
    return http.page(reply, 200, renderProjects(ctx, await svc.listProjects()));
  });

  c.get<{ Params: P }>('/projects/:projectId', HIDE, async (req, reply) => {
    const x = await context(req, reply);
    if (x) return http.page(reply, 200, renderOverview(x.ctx, await svc.overview(x.scope.project.id)));
  });

  c.get<{ Params: P; Querystring: Record<string, unknown> }>('/projects/:projectId/accounts', HIDE, async (req, reply) => {
    const x = await context(req, reply);
    if (!x) return;
    const status = text(req.query.status, 20, 'status');
    if (status !== undefined && !ACCOUNT_STATUSES.includes(status as AccountStatus))
      throw new ApiError('ValidationFailed', `Unknown status; choose one of ${ACCOUNT_STATUSES.join(', ')}.`);
    const f: AccountFilters = {
      userId: text(req.query.user_id, 256, 'user id'),
      alias: text(req.query.alias, 100, 'alias'),
      toolkit: text(req.query.toolkit, 100, 'toolkit')?.toLowerCase(),
      status: status as AccountStatus | undefined,
      cursor: text(req.query.cursor, 1000, 'page cursor'),
    };
    return http.page(reply, 200, renderAccounts(x.ctx, f, await svc.listAccounts(x.scope.project.id, f), notice(req)));
  });

  c.get<{ Params: PA }>('/projects/:projectId/accounts/:accountId', HIDE, async (req, reply) => {
    const x = await context(req, reply);
    if (!x) return;
    return http.page(reply, 200, renderAccount(x.ctx, await svc.account(x.scope.project.id, req.params.accountId), { notice: notice(req) }));
  });

  c.post<{ Params: PA }>('/projects/:projectId/accounts/:accountId/reconnect-link', HIDE, async (req, reply) => {
    const x = await context(req, reply, true);
    if (!x) return;
    const raw = (req.body as Record<string, unknown>).redirect_url;
    const redirectUrl = typeof raw === 'string' ? raw.trim() : '';
    const id = req.params.accountId;
    if (!redirectUrl || redirectUrl.length > 2048) {
      const detail = await svc.account(x.scope.project.id, id);
      return http.page(
        reply,
        400,
        renderAccount(x.ctx, detail, { reconnect: { error: 'Give the URL to send the user to afterwards (at most 2048 characters).' } }),
      );
    }
    try {
      const started = await svc.reconnectLink(x.scope, id, redirectUrl);
      const detail = await svc.account(x.scope.project.id, id);
      // The link is on this response only (no-store): a reload or the back button cannot show it again.
      return http.page(reply, 201, renderAccount(x.ctx, detail, { reconnect: { created: { url: started.redirectUrl, expiresAt: started.expiresAt } } }));
    } catch (e) {
      if (!formRefusal(e)) throw e;
      const detail = await svc.account(x.scope.project.id, id);
      return http.page(reply, e.status, renderAccount(x.ctx, detail, { reconnect: { error: formMessage(e), redirectUrl } }));
    }
  });

  const accountUrl = (x: { scope: ConsoleScope }, id: string, done: string) =>
    `${projectBase(x.scope.project.id)}/accounts/${encodeURIComponent(id)}?done=${done}`;

  for (const [action, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    c.post<{ Params: PA }>(`/projects/:projectId/accounts/:accountId/${action}`, HIDE, async (req, reply) => {
      const x = await context(req, reply, true);
      if (!x) return;
      await svc.setAccountEnabled(x.scope, req.params.accountId, enabled);
      return reply.redirect(accountUrl(x, req.params.accountId, enabled ? 'enabled' : 'disabled'), 303);
    });
  }

  c.post<{ Params: PA }>('/projects/:projectId/accounts/:accountId/delete', HIDE, async (req, reply) => {
    const x = await context(req, reply, true);
    if (!x) return;
    if ((req.body as Record<string, unknown>).confirm !== 'yes')
      throw new ApiError('ValidationFailed', 'Tick the box that confirms the deletion, then press Delete again.');
    await svc.deleteAccount(x.scope, req.params.accountId);
    return reply.redirect(`${projectBase(x.scope.project.id)}/accounts?done=deleted`, 303);
  });

  c.get<{ Params: P; Querystring: Record<string, unknown> }>('/projects/:projectId/sessions', HIDE, async (req, reply) => {
    const x = await context(req, reply);
    if (!x) return;
    const f = { userId: text(req.query.user_id, 256, 'user id'), cursor: text(req.query.cursor, 1000, 'page cursor') };
    return http.page(reply, 200, renderSessions(x.ctx, await svc.listSessions(x.scope.project.id, f), f));
  });

  c.get<{ Params: P & { sessionId: string } }>('/projects/:projectId/sessions/:sessionId', HIDE, async (req, reply) => {
    const x = await context(req, reply);
    if (!x) return;
    return http.page(reply, 200, renderSession(x.ctx, await svc.session(x.scope.project.id, req.params.sessionId)));
  });

  const currentKey = (s: ConsoleSession) => (s.actor.kind === 'project' ? s.actor.apiKeyId : undefined);

  c.get<{ Params: P }>('/projects/:projectId/keys', HIDE, async (req, reply) => {
    const x = await context(req, reply);
    if (!x) return;
    const keys = await svc.listKeys(x.scope.project.id);
    return http.page(reply, 200, renderKeys(x.ctx, keys, { notice: notice(req), currentKeyId: currentKey(x.session) }));
  });

  c.post<{ Params: P }>('/projects/:projectId/keys', HIDE, async (req, reply) => {
    const x = await context(req, reply, true);
    if (!x) return;
    const raw = (req.body as Record<string, unknown>).name;
    const name = typeof raw === 'string' ? raw.trim() : '';
    if (!name || name.length > 100) {
      const keys = await svc.listKeys(x.scope.project.id);
      return http.page(reply, 400, renderKeys(x.ctx, keys, { error: 'Give the key a name of 1 to 100 characters.', currentKeyId: currentKey(x.session) }));
    }
    const created = await svc.createKey(x.scope, name);
    const keys = await svc.listKeys(x.scope.project.id);
    // Shown on this response only (no-store): a reload or the back button cannot show it again.
    return http.page(reply, 201, renderKeys(x.ctx, keys, { created: { name, apiKey: created.apiKey }, currentKeyId: currentKey(x.session) }));
  });

  c.post<{ Params: PK }>('/projects/:projectId/keys/:keyId/revoke', HIDE, async (req, reply) => {
    const x = await context(req, reply, true);
    if (!x) return;
    await svc.revokeKey(x.scope, req.params.keyId);
    // Revoking the key this session signed in with ends the session: the next page is the sign-in page.
    return reply.redirect(`${projectBase(x.scope.project.id)}/keys?done=revoked`, 303);
  });

  c.get<{ Params: P; Querystring: Record<string, unknown> }>('/projects/:projectId/audit', HIDE, async (req, reply) => {
    const x = await context(req, reply);
    if (!x) return;
    const cursor = text(req.query.cursor, 1000, 'page cursor');
    return http.page(reply, 200, renderAudit(x.ctx, await svc.auditPage(x.scope.project.id, cursor), !cursor));
  });
}
