// Served outside the API prefixes (no API key): registered by createApp beside /health.
// GET /logos/<toolkit slug>.svg: a built-in toolkit's logo (src/toolkits/logos.ts),
// what toolkit listings give as `meta.logo` / `logo`. Public brand marks, so
// cacheable by anyone; the SVG is built from generated path data, and served
// with a CSP that forbids it from running or loading anything.
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.ts';
import { LOGO_PATH, logoSvg, toolkitLogo } from '../toolkits/logos.ts';

export function registerLogoRoute(app: FastifyInstance, hasToolkit: (slug: string) => boolean): void {
  app.get<{ Params: { file: string } }>(`${LOGO_PATH}/:file`, { schema: { hide: true } }, async (req, reply) => {
    const slug = /^([a-z0-9_]{1,64})\.svg$/.exec(req.params.file)?.[1];
    const logo = slug && hasToolkit(slug) ? toolkitLogo(slug) : undefined;
    if (!logo) {
      throw new ApiError('NotFound', `No logo ${JSON.stringify(req.params.file.slice(0, 80))}`, {
        suggestedFix: 'Use the logo URL a toolkit listing gives (meta.logo); toolkits without one have no logo',
      });
    }
    reply.headers({
      'content-type': 'image/svg+xml; charset=utf-8',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'cache-control': 'public, max-age=86400',
    });
    return reply.send(logoSvg(logo));
  });
}
