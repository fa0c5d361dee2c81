// Maps every failure to the wire envelope. What the client sees is decided
// here; a 5xx never shows a stack, SQL or secret (it is logged instead).
// The hosted connect page (/link..., the OAuth callback) is read by people in
// a browser, so its failures are HTML pages with the page's security headers,
// not JSON.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { ApiError, envelope } from '../errors.ts';
import { newId } from '../crypto/tokens.ts';
import { redactUrl } from './log.ts';
import { renderResult } from '../link/views/pages.ts';
import { contentSecurityPolicy, securityHeaders } from '../views/csp.ts';

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

/**
 * PostgreSQL refuses text it cannot store (a NUL character, bytes that are not
 * UTF-8) with these SQLSTATEs. That is always the caller's input, never a
 * server fault: 400, not 500. (Schema validation refuses such strings first;
 * this covers the values no schema sees, e.g. the hosted page's cookie.)
 */
const PG_BAD_TEXT = new Set(['22021', '22P05']);

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
      return new ApiError('UnsupportedMediaType', 'Unsupported content type', { suggestedFix: 'Send the body as application/json' });
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('BadRequest', 'The request body does not match its content-length header');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('PayloadTooLarge', 'The request body is too large');
    case 'FST_ERR_BAD_URL':
      // Fastify's message echoes the raw path; say what is wrong without it.
      return new ApiError('BadRequest', 'The URL is not valid: a path segment has a malformed percent-encoding', {
        suggestedFix: 'Percent-encode path segments as UTF-8 (encodeURIComponent)',
      });
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new ApiError('ValidationFailed', 'Invalid request: a path parameter is longer than 100 characters', {
        errors: ['params: a path parameter is longer than 100 characters'],
      });
  }
  if (typeof err.code === 'string' && PG_BAD_TEXT.has(err.code)) {
    return new ApiError('BadRequest', 'The request contains text that cannot be stored (a NUL character or invalid UTF-8)', {
      suggestedFix: 'Remove NUL characters and send UTF-8 text',
    });
  }
  if (err.statusCode === 429)
    return new ApiError('RateLimited', 'Too many requests for this API key', { suggestedFix: 'Wait for the number of seconds in the retry-after header' });
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    // Fastify's own client errors (bad URL encoding, etc.): the message is safe.
    return new ApiError('BadRequest', err.message);
  }
  return undefined;
}

const CALLBACK_PATH = '/api/v3.1/toolkits/auth/callback';

/** True for the hosted page's URLs: its failures are shown to a person, as HTML. */
export function isHostedPagePath(url: string): boolean {
  const path = url.split('?')[0];
  return path === '/link' || path.startsWith('/link/') || path === CALLBACK_PATH;
}

const HOSTED_MESSAGES: Partial<Record<number, string>> = {
  400: 'The request could not be read. Go back to the app and try again.',
  404: undefined,
  413: 'What was sent is too large. Go back and try again.',
  415: 'The form was sent in a format this page does not accept. Go back and try again.',
  429: 'Too many attempts. Wait a moment and try again.',
};

function sendHostedError(reply: FastifyReply, status: number): FastifyReply {
  const kind = status >= 500 ? ('failed' as const) : ('invalid' as const);
  const message = status >= 500 ? 'Something went wrong on our side. Go back to the app and try again.' : (HOSTED_MESSAGES[status] ?? HOSTED_MESSAGES[400]);
  reply.headers(securityHeaders(contentSecurityPolicy({ formActions: [] })));
  return reply.status(status).type('text/html; charset=utf-8').send(renderResult({ kind, message }));
}

function sendError(err: FastifyError, req: FastifyRequest, reply: FastifyReply): FastifyReply {
  const apiError = toApiError(err);
  if (!apiError) {
    req.log.error({ err }, 'unhandled error');
    if (isHostedPagePath(req.url)) return sendHostedError(reply, 500);
    const internal = new ApiError('Internal', 'Internal server error', { suggestedFix: `Retry later; report request id ${req.id} if it persists` });
    return reply.status(500).send(envelope(internal, req.id));
  }
  if (apiError.status >= 500) req.log.error({ err }, apiError.message);
  for (const [k, v] of Object.entries(apiError.options.headers ?? {})) reply.header(k, v);
  if (isHostedPagePath(req.url)) return sendHostedError(reply, apiError.status);
  return reply.status(apiError.status).send(envelope(apiError, req.id));
}

/**
 * Fastify's `frameworkErrors` option: failures found before routing (a path
 * with malformed percent-encoding, a path parameter over 100 characters),
 * which otherwise bypass the error handler and get Fastify's own JSON with
 * the raw path in it. Pass it to Fastify({ frameworkErrors }).
 */
export function frameworkErrors(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', req.id);
  void sendError(err, req, reply);
}

/**
 * Fastify's `clientErrorHandler`: requests Node's HTTP parser refuses before
 * there is a request at all (headers over the size limit, a malformed request
 * line, a client too slow to send its headers). They get the envelope too,
 * with a fresh request id, then the connection is closed.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const apiError =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? new ApiError('HeadersTooLarge', 'The request headers are too large', { suggestedFix: 'Send fewer or smaller headers (cookies included)' })
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? new ApiError('RequestTimeout', 'The request was not received in time')
        : new ApiError('BadRequest', 'The request is not valid HTTP');
  const requestId = newId('req');
  const body = JSON.stringify(envelope(apiError, requestId));
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${apiError.status} ${STATUS_CODES[apiError.status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nx-request-id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req: FastifyRequest, reply: FastifyReply) => sendError(err, req, reply));
  app.setNotFoundHandler((req, reply) => {
    if (isHostedPagePath(req.url)) return sendHostedError(reply, 404);
    const err = new ApiError('NotFound', `No route ${req.method} ${redactUrl(req.url.split('?')[0])}`, {
      suggestedFix: 'See /api/v3.1/openapi.json for the available routes',
    });
    return reply.status(404).send(envelope(err, req.id));
  });
}
