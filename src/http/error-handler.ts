// Maps every failure to the wire envelope. What the client sees is decided
// here; a 5xx never shows a stack, SQL or secret (it is logged instead).
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, envelope } from '../errors.ts';
import { redactUrl } from './log.ts';

interface AjvIssue {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

function describeIssue(context: string, issue: AjvIssue): string {
  const where = (issue.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
  const field = where || context;
  let msg = issue.message ?? 'is invalid';
  if (issue.keyword === 'required' && issue.params?.missingProperty) {
    const missing = String(issue.params.missingProperty);
    return `${where ? `${where}.` : ''}${missing}: is required`;
  }
  if (issue.keyword === 'additionalProperties' && issue.params?.additionalProperty) {
    msg = `unknown field ${String(issue.params.additionalProperty)}`;
  }
  if (issue.keyword === 'enum' && Array.isArray(issue.params?.allowedValues)) {
    msg = `must be one of ${(issue.params!.allowedValues as unknown[]).join(', ')}`;
  }
  return `${field}: ${msg}`;
}

export function toApiError(err: FastifyError & { validation?: AjvIssue[]; validationContext?: string }): ApiError | undefined {
  if (err instanceof ApiError) return err;
  if (err.validation) {
    const errors = [...new Set(err.validation.map((i) => describeIssue(err.validationContext ?? 'body', i)))];
    return new ApiError('ValidationFailed', `Invalid request: ${errors.join('; ')}`, { errors });
  }
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError('MalformedJson', 'The request body is not valid JSON', { suggestedFix: 'Send a JSON object with content-type: application/json' });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('UnsupportedMediaType', 'Unsupported content type', { suggestedFix: 'Send the body as application/json' });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('PayloadTooLarge', 'The request body is too large');
  }
  if (err.statusCode === 429) return new ApiError('RateLimited', 'Too many requests for this API key', { suggestedFix: 'Wait for the number of seconds in the retry-after header' });
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    // Fastify's own client errors (bad URL encoding, etc.): the message is safe.
    return new ApiError('BadRequest', err.message);
  }
  return undefined;
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    const apiError = toApiError(err);
    if (!apiError) {
      req.log.error({ err }, 'unhandled error');
      const internal = new ApiError('Internal', 'Internal server error', { suggestedFix: `Retry later; report request id ${req.id} if it persists` });
      return reply.status(500).send(envelope(internal, req.id));
    }
    if (apiError.status >= 500) req.log.error({ err }, apiError.message);
    for (const [k, v] of Object.entries(apiError.options.headers ?? {})) reply.header(k, v);
    return reply.status(apiError.status).send(envelope(apiError, req.id));
  });
  app.setNotFoundHandler((req, reply) => {
    const err = new ApiError('NotFound', `No route ${req.method} ${redactUrl(req.url.split('?')[0])}`, { suggestedFix: 'See /api/v3.1/openapi.json for the available routes' });
    return reply.status(404).send(envelope(err, req.id));
  });
}
