// One undici Agent for the life of the process: a keep-alive pool per upstream
// origin, so a proxied call usually rides an open connection (no DNS, TCP or
// TLS handshake). Every new connection resolves its host through
// guardedLookup, so the address checked is the address connected to.
// IP-literal origins never reach a lookup: whoever dispatches through this
// pool must check them first (execute.ts does, with assertLiteralHostAllowed).
import { Agent, type Dispatcher } from 'undici';
import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import { addressPolicy, guardedLookup, type Resolver } from './ssrf.ts';
import type { ProxyOptions } from './types.ts';

export interface UpstreamPool {
  readonly dispatcher: Dispatcher;
  /** Stops taking requests, lets in-flight ones finish (at most graceMs), then drops every socket. */
  close(graceMs?: number): Promise<void>;
}

export interface PoolTuning {
  /** Idle keep-alive before a socket is dropped (the server's Keep-Alive hint wins when shorter). */
  keepAliveMs?: number;
  /** Open connections per origin; further calls queue. */
  connectionsPerOrigin?: number;
  /** DNS for tests; the system resolver otherwise. */
  resolve?: Resolver;
}

export function createUpstreamPool(options: ProxyOptions, tuning: PoolTuning = {}): UpstreamPool {
  const policy = addressPolicy(options.allowPrivateNetworks);
  const agent = new Agent({
    keepAliveTimeout: tuning.keepAliveMs ?? 30_000,
    keepAliveMaxTimeout: 10 * 60_000,
    connections: tuning.connectionsPerOrigin ?? 64,
    pipelining: 1, // HTTP/1.1 pipelining is unsafe with arbitrary servers
    // Backstops: execute() enforces one overall deadline per attempt itself.
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connect: {
      timeout: Math.min(options.timeoutMs, 10_000),
      lookup: guardedLookup(policy, tuning.resolve),
    },
  });
  return {
    dispatcher: agent,
    async close(graceMs = 5_000) {
      let timer: NodeJS.Timeout | undefined;
      const grace = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), graceMs);
        timer.unref();
      });
      const closed = agent.close().then(() => 'closed' as const);
      const outcome = await Promise.race([closed, grace]);
      clearTimeout(timer);
      if (outcome === 'timeout') await agent.destroy();
    },
  };
}

/**
 * `dispatcher`, calling `onSent` when a request starts going out on a
 * connected socket: after the DNS lookup, the address check, TCP and TLS.
 * A failure before that says something about the network (a name that does
 * not resolve, an address refused, a port closed), one after it about the
 * receiver, so callers can word the two differently.
 */
export function watchSent(dispatcher: Dispatcher, onSent: () => void): Dispatcher {
  return dispatcher.compose((dispatch) => (opts, handler) => dispatch(opts, new SentWatch(handler, onSent)));
}

type Controller = Dispatcher.DispatchController;

/** Passes every callback on; tells onSent at the start of the request. */
class SentWatch implements Dispatcher.DispatchHandler {
  constructor(
    private readonly inner: Dispatcher.DispatchHandler,
    private readonly onSent: () => void,
  ) {}
  onRequestStart(controller: Controller, context: unknown): void {
    this.onSent();
    this.inner.onRequestStart?.(controller, context);
  }
  onRequestUpgrade(controller: Controller, statusCode: number, headers: IncomingHttpHeaders, socket: Duplex): void {
    this.inner.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }
  onResponseStart(controller: Controller, statusCode: number, headers: IncomingHttpHeaders, statusMessage?: string): void {
    this.inner.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }
  onResponseData(controller: Controller, chunk: Buffer): void {
    this.inner.onResponseData?.(controller, chunk);
  }
  onResponseEnd(controller: Controller, trailers: IncomingHttpHeaders): void {
    this.inner.onResponseEnd?.(controller, trailers);
  }
  onResponseError(controller: Controller, error: Error): void {
    this.inner.onResponseError?.(controller, error);
  }
}
