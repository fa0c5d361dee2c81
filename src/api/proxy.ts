// POST /tools/execute/proxy (API.md "Tool-router sessions and proxy").
import { Type } from 'typebox';
import { principalOf } from '../http/api-auth.ts';
import { errors, StringEnum, type ApiApp, type RouteOptions } from './types.ts';
import type { Proxy } from '../proxy/execute.ts';
import { PROXY_METHODS } from '../proxy/types.ts';

const Parameter = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 256, description: 'Header or query parameter name' }),
  type: StringEnum(['header', 'query'], { description: 'Where the parameter goes' }),
  value: Type.String({ maxLength: 16_384 }),
});

const BinaryBody = Type.Union([
  Type.Object({ base64: Type.String({ description: 'The body, base64-encoded' }), content_type: Type.Optional(Type.String({ maxLength: 256 })) }),
  Type.Object({ url: Type.String({ description: 'Not supported by authlink: send base64' }), content_type: Type.Optional(Type.String({ maxLength: 256 })) }),
]);

export const ProxyBody = Type.Object({
  endpoint: Type.String({
    minLength: 1,
    maxLength: 8192,
    description: "A path relative to the toolkit's base URL (e.g. /user/repos), or a full URL under that base URL",
  }),
  method: StringEnum(PROXY_METHODS, { description: 'HTTP method' }),
  body: Type.Optional(
    Type.Unknown({
      description: 'Request body: objects and arrays are sent as JSON (form-encoded when content-type is application/x-www-form-urlencoded), a string as is',
    }),
  ),
  binary_body: Type.Optional(BinaryBody),
  connected_account_id: Type.String({ minLength: 1, maxLength: 64, description: 'The connected account whose credentials are applied' }),
  parameters: Type.Optional(
    Type.Array(Parameter, { maxItems: 100, description: 'Extra headers and query parameters; credentials, Host and hop-by-hop headers cannot be set' }),
  ),
});

export const ProxyResponse = Type.Object({
  status: Type.Integer({ description: "The provider's HTTP status (redirects are not followed)" }),
  data: Type.Unknown({ description: 'Parsed JSON, or text; null when there is no body or it is binary (see binary_data)' }),
  headers: Type.Record(Type.String(), Type.String(), { description: 'Provider response headers, without hop-by-hop headers and set-cookie' }),
  binary_data: Type.Optional(
    Type.Object(
      {
        url: Type.String({ description: 'Where to download the body: no API key needed, valid until expires_at (AUTHLINK_DOWNLOAD_TTL_SECONDS)' }),
        content_type: Type.String(),
        size: Type.Integer({ description: 'Body size in bytes' }),
        expires_at: Type.String({ description: 'ISO 8601: the URL answers 404 afterwards' }),
      },
      { description: 'Present when the provider answered a binary body' },
    ),
  ),
});

export interface ProxyRouteLimits {
  /** Request body cap for this route (binary_body uploads are base64: 4/3 of the file). Default: the app's bodyLimit. */
  bodyLimitBytes?: number;
}

export function registerProxyRoute(api: ApiApp, proxy: Pick<Proxy, 'execute'>, opts: RouteOptions, limits: ProxyRouteLimits = {}): void {
  api.post(
    '/tools/execute/proxy',
    {
      ...(limits.bodyLimitBytes ? { bodyLimit: limits.bodyLimitBytes } : {}),
      schema: {
        hide: opts.hide,
        tags: ['tools'],
        summary: "Call a toolkit's API with a connected account's credentials",
        body: ProxyBody,
        response: { 200: ProxyResponse, ...errors(403, 404, 409, 422, 502, 504) },
      },
    },
    async (req) => {
      const b = req.body;
      return proxy.execute(principalOf(req).projectId, {
        connectedAccountId: b.connected_account_id,
        endpoint: b.endpoint,
        method: b.method,
        body: b.body,
        binaryBody: b.binary_body,
        parameters: b.parameters,
      });
    },
  );
}
