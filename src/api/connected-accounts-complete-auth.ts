import { Type } from 'typebox';
import type { Services } from '../services/index.ts';
import { principalOf } from '../http/api-auth.ts';
import { errors, type ApiApp, type RouteOptions } from './types.ts';

const Body = Type.Object({
  session_uri: Type.String({ minLength: 1, maxLength: 512, description: 'The single-use session_uri your callback URL received' }),
  user_id: Type.String({ minLength: 1, maxLength: 256, description: 'The user your app authenticated; must be the user the link was made for' }),
});

const Response = Type.Object({
  connected_account_id: Type.String({ description: 'The connection that is now ACTIVE' }),
  toolkit_slug: Type.String(),
});

export function registerCompleteAuthRoute(api: ApiApp, services: Services, opts: RouteOptions): void {
  api.post(
    '/connected_accounts/complete_auth',
    {
      schema: {
        hide: opts.hide,
        tags: ['connected_accounts'],
        summary: 'Complete a connection after verifying who connected (projects with verify_callback_identity)',
        body: Body,
        response: { 200: Response, ...errors(403, 404) },
      },
    },
    async (req) => services.completeAuth.complete(principalOf(req).projectId, req.body),
  );
}
