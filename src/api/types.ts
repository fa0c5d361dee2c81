import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

export type ApiApp = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, TypeBoxTypeProvider>;

export interface RouteOptions {
  /** Hide from the OpenAPI document (the /api/v3 alias of every route). */
  hide: boolean;
}

export const ErrorEnvelope = Type.Object(
  {
    error: Type.Object({
      message: Type.String(),
      code: Type.Integer(),
      slug: Type.String(),
      status: Type.Integer(),
      request_id: Type.String(),
      suggested_fix: Type.Optional(Type.String()),
      errors: Type.Optional(Type.Array(Type.String())),
    }),
  },
  { $id: undefined, description: 'Error envelope' },
);

/** Error responses every authenticated route documents. */
export function errors(...statuses: number[]): Record<number, typeof ErrorEnvelope> {
  return Object.fromEntries([400, 401, 429, ...statuses].map((s) => [s, ErrorEnvelope]));
}

export const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 20 }));
export const Cursor = Type.Optional(Type.String({ maxLength: 512 }));

/** A string enum as `{type: string, enum: [...]}`: one clear validation error ("must be one of ..."). */
export function StringEnum<const T extends readonly string[]>(values: T, options: { description?: string; default?: T[number] } = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}
