// Schema validation. Bodies are validated strictly (no type coercion: a number
// is not silently accepted as a string); query strings and path parameters
// arrive as text, so they are coerced to the schema's types.
import { Ajv, type Options } from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

const common: Options = { allErrors: true, removeAdditional: true, useDefaults: true, strict: false };

export function validatorCompiler(): FastifySchemaCompiler<unknown> {
  const strict = new Ajv({ ...common, coerceTypes: false });
  const coercing = new Ajv({ ...common, coerceTypes: 'array' });
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema as object);
}
