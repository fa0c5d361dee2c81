// Log redaction: no API key, authorization header, cookie, link token, OAuth
// code/state or credential field ever reaches a log line.
import type { FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import type { LogLevel } from '../config.ts';

const SECRET_QUERY = /([?&](?:code|state|token|link_token|session_uri|access_token|refresh_token|api_key|client_secret|password)=)[^&#]*/gi;
const SECRET_PATH = /\/(lt_|ak_|dl_)[A-Za-z0-9_-]+/g;

export function redactUrl(url: string): string {
  return url.replace(SECRET_PATH, '/$1[redacted]').replace(SECRET_QUERY, '$1[redacted]');
}

export const REDACT_PATHS = [
  'req.headers["x-api-key"]',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.access_token',
  '*.refresh_token',
  '*.client_secret',
  '*.api_key',
  '*.password',
  '*.token',
  '*.session_uri',
  '*.apiKey',
];

export function loggerOptions(level: LogLevel, stream?: NodeJS.WritableStream): FastifyServerOptions['logger'] {
  return {
    level,
    ...(stream ? { stream } : {}),
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req(req: { method: string; url: string; ip?: string; id?: string }) {
        return { method: req.method, url: redactUrl(req.url), remoteAddress: req.ip };
      },
    },
  } as FastifyServerOptions['logger'];
}

/**
 * One line per request, written when the response is sent (fastify's own
 * request logging, two lines per request, is turned off in createApp): the
 * method, the redacted URL, the status and the time taken.
 */
export function logRequest(req: FastifyRequest, reply: FastifyReply, done: () => void): void {
  req.log.info({ req, res: { statusCode: reply.statusCode }, responseTime: reply.elapsedTime }, 'request completed');
  done();
}
