// The operator console at /console (issue #19): server-rendered pages behind
// a session cookie. This file holds the plugin: its HTML error pages, the
// stylesheet, sign-in and sign-out, and the session/CSRF checks every page
// uses; the project's pages are in project-routes.ts.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.ts';
import type { Services } from '../services/index.ts';
import { contentSecurityPolicy, securityHeaders } from '../views/csp.ts';
import { ABSOLUTE_SECONDS, type ConsoleSession, consoleCookieName, createConsoleSessions } from './sessions.ts';
import { createConsoleService } from './service.ts';
import { renderErrorPage, renderSignIn } from './views/sign-in.ts';
import { CONSOLE_STYLESHEET, CONSOLE_STYLESHEET_PATH } from './views/style.ts';
import { registerProjectPages } from './project-routes.ts';

/** Sign-in attempts per minute from one address. */
export const SIGN_IN_PER_MINUTE = 10;

const HIDE = { schema: { hide: true } } as const;

export interface ConsoleHttp {
  /** Sends an HTML page with the console's security headers. */
  page(reply: FastifyReply, status: number, html: string): FastifyReply;
  /** The signed-in session, or undefined after redirecting to the sign-in page. */
  session(req: FastifyRequest, reply: FastifyReply): Promise<ConsoleSession | undefined>;
  /** A form post's session with its form token checked, or undefined after the refusal was sent. */
  acting(req: FastifyRequest, reply: FastifyReply): Promise<ConsoleSession | undefined>;
}

function form(req: FastifyRequest): Record<string, unknown> {
  const body = req.body;
  return body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
}

export async function registerConsoleRoutes(app: FastifyInstance, services: Services): Promise<void> {
  const { config } = services;
  const sessions = createConsoleSessions({ store: services.store, apiKeys: services.apiKeys, operatorToken: config.consoleToken, now: services.now });
  const consoleService = createConsoleService(services, sessions);
  const COOKIE = consoleCookieName(config.publicUrl);
  const cookieOptions = { httpOnly: true, sameSite: 'strict', secure: config.publicUrl.startsWith('https://'), path: '/' } as const;
  const publicOrigin = new URL(config.publicUrl).origin;

  function page(reply: FastifyReply, status: number, html: string): FastifyReply {
    reply.headers(securityHeaders(contentSecurityPolicy({ formActions: [] })));
    return reply.status(status).type('text/html; charset=utf-8').send(html);
  }

  function errorPage(req: FastifyRequest, reply: FastifyReply, status: number, title: string, message: string): FastifyReply {
    return page(reply, status, renderErrorPage({ title, message, signedIn: req.cookies[COOKIE] !== undefined }));
  }

  const http: ConsoleHttp = {
    page,
    async session(req, reply) {
      const session = await sessions.resume(req.cookies[COOKIE]);
      if (session) return session;
      if (req.cookies[COOKIE] !== undefined) reply.clearCookie(COOKIE, cookieOptions);
      reply.headers(securityHeaders(contentSecurityPolicy({ formActions: [] })));
      await reply.redirect('/console/sign-in', 303);
      return undefined;
    },
    async acting(req, reply) {
      // A cross-site form never gets here with the cookie (SameSite=Strict); the form token also binds the post to a page of this session.
      const session = await http.session(req, reply);
      if (!session) return undefined;
      if (!sessions.checkCsrf(session, form(req).csrf)) {
        await errorPage(
          req,
          reply,
          403,
          'Form expired',
          'This form expired or did not come from this console. Nothing was changed. Go back, reload the page and try again.',
        );
        return undefined;
      }
      return session;
    },
  };

  await app.register(
    async (c) => {
      c.setErrorHandler((err: FastifyError, req, reply) => {
        const status = err instanceof ApiError ? err.status : err.statusCode === 429 ? 429 : (err.statusCode ?? 500);
        if (status === 404) return errorPage(req, reply, 404, 'Not found', 'There is nothing here, or it is not in a project you can see.');
        if (status === 429) return errorPage(req, reply, 429, 'Too many attempts', 'Too many sign-in attempts from this address. Wait a minute and try again.');
        if (status >= 400 && status < 500) {
          const message = err instanceof ApiError ? err.message : 'The request could not be read.';
          return errorPage(req, reply, status, 'Request refused', `${message.replace(/\.?$/, '.')} Nothing was changed.`);
        }
        req.log.error({ err }, 'console error');
        return errorPage(req, reply, 500, 'Something went wrong', `Something went wrong on our side. Report request id ${req.id} if it persists.`);
      });
      c.setNotFoundHandler((req, reply) => errorPage(req, reply, 404, 'Not found', 'There is nothing here, or it is not in a project you can see.'));

      // Refuses a post another site's page made (also sign-in, which has no session yet: no signing a browser into someone
      // else's project). Browsers say where a request came from in Sec-Fetch-Site; older ones only in Origin, which is
      // "null" under this console's no-referrer policy, so "null" alone proves nothing either way.
      c.addHook('preHandler', async (req, reply) => {
        if (req.method !== 'POST') return;
        const site = req.headers['sec-fetch-site'];
        const origin = req.headers.origin;
        const foreign = site !== undefined ? site !== 'same-origin' && site !== 'none' : origin !== undefined && origin !== 'null' && origin !== publicOrigin;
        if (foreign) {
          return errorPage(req, reply, 403, 'Form refused', 'This form came from another site. Nothing was changed.');
        }
      });

      c.get(CONSOLE_STYLESHEET_PATH.slice('/console'.length), HIDE, async (_req, reply) => {
        reply.header('cache-control', 'public, max-age=3600').type('text/css; charset=utf-8');
        return CONSOLE_STYLESHEET;
      });

      c.get('', HIDE, async (req, reply) => {
        const session = await http.session(req, reply);
        if (!session) return;
        const to = session.actor.kind === 'project' ? `/console/projects/${encodeURIComponent(session.actor.projectId)}` : '/console/projects';
        return reply.redirect(to, 303);
      });

      c.get<{ Querystring: { signed_out?: string } }>('/sign-in', HIDE, async (req, reply) =>
        page(reply, 200, renderSignIn({ operatorEnabled: sessions.operatorEnabled, notice: req.query.signed_out ? 'You are signed out.' : undefined })),
      );

      const signInLimit = c.rateLimit({
        max: SIGN_IN_PER_MINUTE,
        timeWindow: 60_000,
        keyGenerator: (req) => `console-sign-in:${req.ip}`,
        errorResponseBuilder: () => Object.assign(new Error('Too many sign-in attempts'), { statusCode: 429 }),
      });
      c.post('/sign-in', { ...HIDE, preHandler: signInLimit }, async (req, reply) => {
        const secret = form(req).secret;
        const signedIn = typeof secret === 'string' && secret.length <= 512 ? await sessions.signIn(secret) : undefined;
        if (!signedIn) {
          const error = sessions.operatorEnabled ? 'That API key or operator token is not valid.' : 'That API key is not valid (or has been revoked).';
          return page(reply, 401, renderSignIn({ operatorEnabled: sessions.operatorEnabled, error }));
        }
        await sessions.signOut(req.cookies[COOKIE]);
        reply.setCookie(COOKIE, signedIn.cookie, { ...cookieOptions, maxAge: ABSOLUTE_SECONDS });
        return reply.redirect('/console', 303);
      });

      c.post('/sign-out', HIDE, async (req, reply) => {
        const session = await http.acting(req, reply);
        if (!session) return;
        await sessions.signOut(req.cookies[COOKIE]);
        reply.clearCookie(COOKIE, cookieOptions);
        return reply.redirect('/console/sign-in?signed_out=1', 303);
      });

      registerProjectPages(c, consoleService, http);
    },
    { prefix: '/console' },
  );
}
