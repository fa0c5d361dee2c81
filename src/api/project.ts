import { Type } from 'typebox';
import type { Services } from '../services/index.ts';
import { principalOf } from '../http/api-auth.ts';
import { updateProjectSettings } from '../services/project-settings.ts';
import { ApiError } from '../errors.ts';
import { errors, type ApiApp, type RouteOptions } from './types.ts';

const Settings = Type.Object({
  link_ttl_seconds: Type.Optional(Type.Integer({ description: 'Lifetime of new links (30 s to 24 h); default: the server setting' })),
  callback_url_allowlist: Type.Optional(
    Type.Array(Type.String({ maxLength: 2048 }), { maxItems: 100, description: 'Exact callback URLs allowed; empty = any http(s) URL' }),
  ),
  allow_credential_reveal: Type.Optional(
    Type.Boolean({
      description:
        'GET /connected_accounts/{id} returns secrets in clear (each reveal is audited). Read-only here: only the operator changes it (`authlink projects settings --allow-reveal`); a PATCH carrying it is refused',
    }),
  ),
  verify_callback_identity: Type.Optional(
    Type.Boolean({
      description:
        'A completed connection stays INITIATED; the callback URL gets a single-use session_uri, redeemed with POST /connected_accounts/complete_auth and the user id. Links then need a callback_url',
    }),
  ),
});

export function registerProjectRoutes(api: ApiApp, services: Services, opts: RouteOptions): void {
  const common = { hide: opts.hide, tags: ['project'] };
  api.get('/project/settings', { schema: { ...common, summary: "This project's settings", response: { 200: Settings, ...errors() } } }, async (req) => {
    const project = await services.store.projects.get(principalOf(req).projectId);
    if (!project) throw new ApiError('ProjectNotFound', 'Project not found');
    return project.settings;
  });
  api.patch(
    '/project/settings',
    { schema: { ...common, summary: "Change this project's settings", body: Settings, response: { 200: Settings, ...errors() } } },
    async (req) => {
      const p = principalOf(req);
      return updateProjectSettings(services.store, p.projectId, req.body, services.now(), { via: 'api', apiKeyId: p.apiKeyId, requestId: req.id });
    },
  );
}
