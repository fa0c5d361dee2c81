import { Type } from 'typebox';
import type { Services } from '../services/index.ts';
import { principalOf } from '../http/api-auth.ts';
import { errors, StringEnum, type ApiApp, type RouteOptions } from './types.ts';

const AccountType = StringEnum(['PRIVATE', 'SHARED']);
export const AclConfig = Type.Object({
  allow_all_users: Type.Optional(Type.Boolean()),
  allowed_user_ids: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 1000 })),
  not_allowed_user_ids: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 1000 })),
});

const Body = Type.Object({
  auth_config_id: Type.String({ minLength: 1, maxLength: 64, description: 'The auth config id to create a link for' }),
  user_id: Type.String({ minLength: 1, maxLength: 256, description: 'The user id to create a link for' }),
  alias: Type.Optional(Type.String({ maxLength: 200, description: 'Unique per project + user_id + toolkit among live accounts' })),
  callback_url: Type.Optional(Type.String({ maxLength: 2048, description: 'Absolute http(s) URL the user returns to' })),
  connection_data: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), Type.Unknown(), { description: 'Pre-fills connection fields, e.g. subdomain' })),
  account_type: Type.Optional(AccountType),
  experimental: Type.Optional(Type.Object({ account_type: Type.Optional(AccountType), acl_config_for_shared: Type.Optional(AclConfig) })),
});

export const LinkResponse = Type.Object({
  link_token: Type.String(),
  redirect_url: Type.String(),
  expires_at: Type.String(),
  connected_account_id: Type.String(),
  account_type: AccountType,
  experimental: Type.Object({ account_type: AccountType }),
});

export function registerLinkRoute(api: ApiApp, services: Services, opts: RouteOptions): void {
  api.post(
    '/connected_accounts/link',
    {
      schema: {
        hide: opts.hide,
        tags: ['connected_accounts'],
        summary: 'Create an auth link session',
        body: Body,
        response: { 201: LinkResponse, ...errors(404, 409, 422) },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const result = await services.links.create(principalOf(req).projectId, {
        authConfigId: b.auth_config_id,
        userId: b.user_id,
        alias: b.alias,
        callbackUrl: b.callback_url,
        connectionData: b.connection_data,
        accountType: b.account_type,
        experimental: b.experimental,
      });
      reply.status(201);
      return { ...result, experimental: { account_type: result.account_type } };
    },
  );
}
