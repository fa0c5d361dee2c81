// The hosted connect page: /link/<token> (open), /link (the page), its three
// form posts, and the OAuth redirect URI operators register with providers:
// <AUTHLINK_PUBLIC_URL>/api/v3.1/toolkits/auth/callback. GETs change nothing;
// the first POST binds the link to its browser (see hosted-flow.ts).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../services/index.ts';
import { linkCookieName, type FlowContext, type Outcome, type Stop } from '../services/hosted-flow.ts';
import { outcomeUrl, type OutcomeParams } from '../services/callback-url.ts';
import { oauth1EndpointsFor, oauthProviderFor } from '../services/oauth-provider.ts';
import { isRedirectFlow } from '../toolkits/modes.ts';
import { renderConsent, renderCredentialForm, renderResult } from './views/pages.ts';
import { contentSecurityPolicy, securityHeaders } from '../views/csp.ts';
import { STYLESHEET, STYLESHEET_PATH } from './views/style.ts';

const STOP_STATUS: Record<Stop, number> = { invalid: 404, used: 409, elsewhere: 409, expired: 410 };
const STOP_MESSAGE: Record<Stop, string | undefined> = {
  invalid: undefined,
  used: undefined,
  expired: undefined,
  elsewhere: 'This link was already opened in another browser. Ask the app for a new link.',
};

export function registerLinkRoutes(app: FastifyInstance, services: Services): void {
  const flow = services.hostedFlow;
  const secureCookie = services.config.publicUrl.startsWith('https://');
  const COOKIE = linkCookieName(services.config.publicUrl);
  const cookieOptions = { httpOnly: true, sameSite: 'lax', secure: secureCookie, path: '/' } as const;

  function page(reply: FastifyReply, status: number, html: string, formActions: string[] = []) {
    reply.headers(securityHeaders(contentSecurityPolicy({ formActions })));
    return reply.status(status).type('text/html; charset=utf-8').send(html);
  }

  function stopPage(reply: FastifyReply, stop: Stop) {
    return page(reply, STOP_STATUS[stop], renderResult({ kind: stop === 'elsewhere' ? 'used' : stop, message: STOP_MESSAGE[stop] }));
  }

  function finish(reply: FastifyReply, result: Outcome | Stop) {
    if (typeof result === 'string') return stopPage(reply, result);
    reply.clearCookie(COOKIE, cookieOptions);
    if (result.callbackUrl) {
      // A verified completion tells the app nothing but the session_uri to redeem.
      const params: OutcomeParams =
        result.kind === 'verify' ? { session_uri: result.sessionUri } : { status: result.kind, connected_account_id: result.accountId, error: result.error };
      const back = outcomeUrl(result.callbackUrl, params);
      if (result.explain && result.kind === 'failed') {
        // The person must learn why (e.g. they signed in as someone else); the button takes them, and the outcome, to the app.
        return page(
          reply,
          400,
          renderResult({ kind: 'failed', projectName: result.projectName, toolkitName: result.toolkitName, message: result.message, continueUrl: back }),
        );
      }
      reply.headers(securityHeaders(contentSecurityPolicy({ formActions: [] })));
      return reply.redirect(back, 303);
    }
    // ('verify' always has a callback URL: hosted-flow fails it otherwise.)
    const kind = result.kind === 'verify' ? 'success' : result.kind;
    return page(
      reply,
      kind === 'success' ? 200 : 400,
      renderResult({ kind, projectName: result.projectName, toolkitName: result.toolkitName, message: result.message }),
    );
  }

  /** The page's context from the cookie, or the stop page already sent. */
  async function pageContext(req: FastifyRequest, reply: FastifyReply): Promise<FlowContext | undefined> {
    const ctx = await flow.fromCookie(req.cookies[COOKIE], false);
    if (typeof ctx !== 'string') return ctx;
    await stopPage(reply, ctx);
    return undefined;
  }

  /**
   * A form post: the context, its form token checked, and the link bound to
   * this browser if it was not yet (the person acted). Otherwise the refusal
   * page, already sent.
   */
  async function actingContext(req: FastifyRequest, reply: FastifyReply): Promise<FlowContext | undefined> {
    const ctx = await flow.fromCookie(req.cookies[COOKIE], true);
    if (typeof ctx === 'string') {
      await stopPage(reply, ctx);
      return undefined;
    }
    if (!flow.checkCsrf(ctx, (req.body as Record<string, unknown> | undefined)?.csrf)) {
      await page(reply, 403, renderResult({ kind: 'invalid', message: 'This form expired or did not come from this page. Go back and try again.' }));
      return undefined;
    }
    const bound = await flow.bind(ctx);
    if (typeof bound === 'string') {
      await stopPage(reply, bound);
      return undefined;
    }
    if (!ctx.bound) reply.setCookie(COOKIE, bound.cookie, { ...cookieOptions, maxAge: 24 * 3600 });
    return bound;
  }

  function formActionsFor(ctx: FlowContext, extra: string[] = []): string[] {
    return [...extra, ...(ctx.link.callback_url ? [ctx.link.callback_url] : [])];
  }

  function showPage(reply: FastifyReply, ctx: FlowContext, errors?: string[], status = 200) {
    const common = {
      projectName: ctx.project.name,
      toolkit: { slug: ctx.resolved.toolkit.slug, name: ctx.resolved.toolkit.name, description: ctx.resolved.toolkit.description },
      userId: ctx.account.user_id,
      alias: ctx.account.alias,
      accountType: ctx.account.account_type as 'PRIVATE' | 'SHARED',
      csrfToken: flow.csrfFor(ctx.cookie),
      cancelAction: '/link/cancel',
      reconnect: ctx.link.reconnect === 1,
    };
    if (isRedirectFlow(ctx.resolved.scheme.mode)) {
      // Chrome applies form-action to the redirect that follows the consent POST.
      // (A client-credentials account never has a link: src/services/server-grant.ts.)
      const data = JSON.parse(ctx.account.data);
      const provider =
        ctx.resolved.scheme.mode === 'OAUTH1' ? oauth1EndpointsFor(ctx.resolved, data).authorizationUrl : oauthProviderFor(ctx.resolved, data).authorizationUrl;
      return page(
        reply,
        status,
        renderConsent({ ...common, scopes: ctx.resolved.scopes, action: '/link/authorize', errors }),
        formActionsFor(ctx, provider ? [provider] : []),
      );
    }
    return page(
      reply,
      status,
      renderCredentialForm({ ...common, schemeName: ctx.resolved.scheme.name, fields: flow.formFields(ctx), action: '/link/submit', errors }),
      formActionsFor(ctx),
    );
  }

  app.get(STYLESHEET_PATH, { schema: { hide: true } }, async (_req, reply) => {
    reply.header('cache-control', 'public, max-age=3600').type('text/css; charset=utf-8');
    return STYLESHEET;
  });

  // Open: trade the token in the URL for a cookie (nothing is written), then drop the token from the URL.
  app.get<{ Params: { token: string } }>('/link/:token', { schema: { hide: true } }, async (req, reply) => {
    const opened = await flow.open(req.params.token, req.cookies[COOKIE]);
    if ('stop' in opened) return stopPage(reply, opened.stop);
    if (opened.cookie) reply.setCookie(COOKIE, opened.cookie, { ...cookieOptions, maxAge: 24 * 3600 });
    reply.header('referrer-policy', 'no-referrer').header('cache-control', 'no-store');
    return reply.redirect('/link', 303);
  });

  app.get('/link', { schema: { hide: true } }, async (req, reply) => {
    const ctx = await pageContext(req, reply);
    if (ctx) return showPage(reply, ctx);
  });

  app.post('/link/authorize', { schema: { hide: true } }, async (req, reply) => {
    const ctx = await actingContext(req, reply);
    if (!ctx) return;
    if (!isRedirectFlow(ctx.resolved.scheme.mode)) return showPage(reply, ctx, undefined, 400);
    const url = await flow.startOAuth(ctx);
    if (typeof url !== 'string') return showPage(reply, ctx, url.errors, 502);
    reply.headers(securityHeaders(contentSecurityPolicy({ formActions: [url] })));
    return reply.redirect(url, 303);
  });

  app.post('/link/submit', { schema: { hide: true } }, async (req, reply) => {
    const ctx = await actingContext(req, reply);
    if (!ctx) return;
    if (isRedirectFlow(ctx.resolved.scheme.mode)) return showPage(reply, ctx, undefined, 400);
    const result = await flow.submitCredentials(ctx, (req.body ?? {}) as Record<string, unknown>);
    if (typeof result === 'object' && 'errors' in result) return showPage(reply, ctx, result.errors, 400);
    return finish(reply, result);
  });

  app.post('/link/cancel', { schema: { hide: true } }, async (req, reply) => {
    const ctx = await actingContext(req, reply);
    if (ctx) return finish(reply, await flow.cancel(ctx));
  });

  // Registered outside the API plugin: the provider's redirect carries no API key.
  app.get('/api/v3.1/toolkits/auth/callback', { schema: { hide: true } }, async (req, reply) => {
    const url = new URL(req.url, flow.redirectUri);
    return finish(reply, await flow.finishOAuth(url, req.cookies[COOKIE]));
  });
}
