// x-api-key check for every /api route (and the API's own 404s).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../errors.ts';
import type { ApiKeyService, Principal } from '../services/api-keys.ts';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

export function apiKeyHook(keys: ApiKeyService) {
  return async function authenticate(req: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const header = req.headers['x-api-key'];
    const principal = await keys.authenticate(typeof header === 'string' ? header : undefined);
    if (!principal) {
      throw new ApiError('Unauthorized', header ? 'The API key is invalid or revoked' : 'Missing x-api-key header', {
        suggestedFix: 'Send a project API key in the x-api-key header (create one with `authlink keys create --project <id>`)',
      });
    }
    req.principal = principal;
  };
}

/** The authenticated principal; routes behind apiKeyHook always have one. */
export function principalOf(req: FastifyRequest): Principal {
  if (!req.principal) throw new ApiError('Unauthorized', 'Missing x-api-key header');
  return req.principal;
}
