// Log redaction: no API key, authorization header, cookie, link token, OAuth
// code/state or credential field ever reaches a log line.
import type { FastifyReply, FastifyRequest } from 'fastify';
import pino, { type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config.ts';

const SECRET_QUERY = /([?&](?:code|state|token|link_token|session_uri|access_token|refresh_token|api_key|client_secret|password)=)[^&#]*/gi;
const SECRET_PATH = /\/(lt_|ak_|dl_)[A-Za-z0-9_-]+/g;

// Whether a URL can hold anything redactUrl would change (most request URLs cannot: a cheap test first).
const MAYBE_SECRET = /[?&]|\/(?:lt_|ak_|dl_)/;

export function redactUrl(url: string): string {
  if (!MAYBE_SECRET.test(url)) return url;
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

export interface Loggers {
  /** Fastify's logger (req.log and app.log): every object it logs goes through the redaction paths. */
  app: Logger;
  /** The one line per request (logRequest): built only from fields safe by construction, so it skips the redaction pass. */
  access: Logger;
}

/**
 * Both loggers write to one destination: the given stream (tests), or stdout
 * through pino's asynchronous SonicBoom, which pino flushes on exit.
 */
export function createLoggers(level: LogLevel, stream?: NodeJS.WritableStream): Loggers {
  const destination = (stream ?? pino.destination({ dest: 1, sync: false })) as DestinationStream;
  const app = pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: {
        req(req: { method: string; url: string; ip?: string }) {
          return { method: req.method, url: redactUrl(req.url), remoteAddress: req.ip };
        },
      },
    },
    destination,
  );
  return { app, access: pino({ level }, destination) };
}

/**
 * One line per request, written when the response is sent (fastify's own
 * request logging, two lines per request, is turned off in createApp): the
 * request id, method, redacted URL, client address, status and time taken.
 * A redaction pass over it would find nothing: the URL is redacted here and
 * no header or body is logged.
 */
export function requestLogger(access: Logger) {
  return (req: FastifyRequest, reply: FastifyReply, done: () => void): void => {
    access.info(
      {
        reqId: req.id,
        req: { method: req.method, url: redactUrl(req.url), remoteAddress: req.ip },
        res: { statusCode: reply.statusCode },
        responseTime: reply.elapsedTime,
      },
      'request completed',
    );
    done();
  };
}
