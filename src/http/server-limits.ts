// Deadlines and a connection bound for the HTTP server, so a client that
// trickles its request (or sends nothing) cannot hold a socket for long.
// Fastify leaves requestTimeout and connectionTimeout at 0 (none); Node
// checks its header and request deadlines only every connectionsCheckingInterval
// (30 s by default), so the interval follows the shortest deadline.
//
// - headersTimeout / requestTimeout: the request head / the whole request must
//   have arrived in time, else Node raises ERR_HTTP_REQUEST_TIMEOUT and
//   clientErrorHandler answers 408 in the envelope. They bound receiving only,
//   not how long a handler may take.
// - keepAliveTimeout: idle time between two requests on one connection.
// - connectionTimeout: no traffic either way for this long closes the socket
//   (a client that stops reading its response); longer than any handler waits.
// - maxConnections: connections over the bound are closed as soon as they are
//   accepted, before a byte is read, so there is no request to answer.
import http from 'node:http';
import type { FastifyServerOptions } from 'fastify';
import type { Config } from '../config.ts';

type Limits = Pick<Config, 'requestTimeoutMs' | 'headersTimeoutMs' | 'keepAliveTimeoutMs' | 'connectionTimeoutMs' | 'maxConnections'>;

/** Fastify() options: a server factory that applies the limits. */
export function serverLimits(limits: Limits): Pick<FastifyServerOptions, 'serverFactory'> {
  return {
    serverFactory: (handler) => {
      const server = http.createServer(
        {
          requestTimeout: limits.requestTimeoutMs,
          headersTimeout: limits.headersTimeoutMs,
          connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4))),
        },
        handler,
      );
      server.keepAliveTimeout = limits.keepAliveTimeoutMs;
      server.setTimeout(limits.connectionTimeoutMs);
      server.maxConnections = limits.maxConnections;
      return server;
    },
  };
}
