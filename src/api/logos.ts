// Served outside the API prefixes (no API key): registered by createApp beside /health.
// GET /logos/<toolkit slug>.svg: every toolkit's logo (src/toolkits/logos.ts) —
// its brand's from Simple Icons, or the generated initials tile — what toolkit
// listings give as `meta.logo` / `logo` when the toolkit file sets none.
// Public, so cacheable by anyone; the SVG is built from generated path data or
// escaped toolkit names, and served with a CSP that forbids it from running or
// loading anything.
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.ts';
import { LOGO_PATH, toolkitLogoSvg } from '../toolkits/logos.ts';

export function registerLogoRoute(app: FastifyInstance, toolkitOf: (slug: string) => { slug: string; name: string } | undefined): void {
  app.get<{ Params: { file: string } }>(`${LOGO_PATH}/:file`, { schema: { hide: true } }, async (req, reply) => {
    const slug = /^([a-z0-9_]{1,64})\.svg$/.exec(req.params.file)?.[1];
    const toolkit = slug ? toolkitOf(slug) : undefined;
    if (!toolkit) {
      throw new ApiError('NotFound', `No logo ${JSON.stringify(req.params.file.slice(0, 80))}`, {
        suggestedFix: 'Use the logo URL a toolkit listing gives (meta.logo): /logos/<toolkit slug>.svg',
      });
    }
    reply.headers({
      'content-type': 'image/svg+xml; charset=utf-8',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'cache-control': 'public, max-age=86400',
    });
    return reply.send(toolkitLogoSvg(toolkit));
  });
}
