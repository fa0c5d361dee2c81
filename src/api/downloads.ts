// Served outside the API prefixes (no API key): registered by createApp beside /health.
// GET /downloads/<token>: a binary answer of a proxied call (Composio's
// binary_data.url). No API key: the unguessable token is the capability, as
// with a presigned URL. The body is the provider's, so it is served as an
// attachment that no browser renders or sniffs on authlink's origin.
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.ts';
import { DOWNLOAD_PATH, type Downloads } from '../services/downloads.ts';

export function registerDownloadRoute(app: FastifyInstance, downloads: Pick<Downloads, 'open'>): void {
  app.get<{ Params: { token: string } }>(`${DOWNLOAD_PATH}/:token`, { schema: { hide: true } }, async (req, reply) => {
    const found = await downloads.open(req.params.token);
    if (!found) {
      throw new ApiError('NotFound', 'No such download, or it expired', {
        suggestedFix: 'Downloads last AUTHLINK_DOWNLOAD_TTL_SECONDS: call the provider again through the proxy for a new URL',
      });
    }
    reply.headers({
      'content-type': found.contentType,
      'content-length': String(found.bytes.length),
      'content-disposition': 'attachment',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'cache-control': 'private, no-store',
      'referrer-policy': 'no-referrer',
    });
    return reply.send(found.bytes);
  });
}
