// Delivers outbox rows. Each worker leases due deliveries (several workers and
// processes are safe: PostgreSQL skips rows others hold), signs and POSTs each
// one, and records the outcome only while it still holds the lease. Failures
// retry with growing delays; after the last one the delivery is dead (visible
// in GET .../deliveries, redeliverable). Targets are SSRF-guarded like the
// proxy: private addresses are refused unless the operator allows them.
//
// One tenant's slow receiver must not hold back the others (issue #20):
// - an attempt has one deadline, from connecting to the status line, and the
//   receiver's body is never read: the status is the answer;
// - the poller does not wait for attempts: each tick leases and starts what
//   the bounds allow (in flight per process, and per project), so a slow
//   delivery only ever takes its own slot. A lease outlasts its attempt.
//
// What the tenant sees (last_error) tells a receiver's HTTP status and "did
// not answer in time" apart from everything else, which is one generic
// "could not be reached": DNS answers, refused addresses and connection errors
// would otherwise map the operator's network. The reason goes to the log.
import { request } from 'undici';
import { newId } from '../crypto/tokens.ts';
import type { KeyRing } from '../crypto/keyring.ts';
import { ENCRYPTED_FIELDS } from '../crypto/fields.ts';
import type { Store } from '../store/store.ts';
import type { WebhookDeliveryRow, WebhookEndpointRow } from '../store/webhooks.ts';
import { createUpstreamPool, watchSent } from '../proxy/pool.ts';
import { addressPolicy, assertLiteralHostAllowed, ForbiddenAddressError } from '../proxy/ssrf.ts';
import { ProxyError } from '../proxy/errors.ts';
import { signatureHeader } from './signing.ts';
import type { Metrics } from '../metrics/types.ts';

export interface WebhookWorkerOptions {
  /** The deadline of one attempt: connect, send, and the receiver's status line. */
  timeoutMs: number;
  allowPrivateNetworks: boolean | string[];
  retryDelaysMs: number[]; // delay before attempt 2, 3, ...; attempts = length + 1
  /** How long a leased delivery stays this worker's: more than timeoutMs plus the store reads and writes around an attempt. */
  leaseMs: number;
  /** Rows leased per query. */
  batchSize: number;
  /** Attempts in flight at once in this process, all projects together. */
  maxInFlight: number;
  /** ...and of one project. */
  maxInFlightPerProject: number;
}

/** Where the worker tells the operator what went wrong (the app's logger). */
export interface WorkerLog {
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}

/** The tenant-visible error of every failure short of an answer from the receiver. */
export const UNREACHABLE = 'the receiver could not be reached';

interface Outcome {
  ok: boolean;
  status: number | null;
  /** What the tenant sees. */
  error: string | null;
  gone?: boolean;
  /** What the operator's log gets. */
  reason?: string;
  host?: string;
}

/** The secrets that sign now: the current one, and the previous one during its overlap window. */
export function signingSecrets(keyRing: KeyRing, e: WebhookEndpointRow, now: Date): string[] {
  const secrets = [keyRing.decrypt(e.secret_enc, ENCRYPTED_FIELDS.webhookSecret.aad(e))];
  if (e.previous_secret_enc && e.previous_secret_until && e.previous_secret_until > now.toISOString()) {
    secrets.push(keyRing.decrypt(e.previous_secret_enc, ENCRYPTED_FIELDS.webhookPreviousSecret.aad(e)));
  }
  return secrets;
}

/** The operator's reason for a failed attempt: the refusal, or the error code and message (which may name an address). */
function reasonOf(e: unknown): string {
  const cause = (e as { cause?: unknown } | undefined)?.cause;
  const refused = [e, cause].find((x) => x instanceof ForbiddenAddressError || x instanceof ProxyError) as Error | undefined;
  if (refused) return refused.message;
  const code = [e, cause].map((x) => (x as { code?: unknown } | undefined)?.code).find((c) => typeof c === 'string');
  const message = [e, cause].map((x) => (x as Error | undefined)?.message).find(Boolean) ?? String(e);
  return `${code ? `${code}: ` : ''}${message}`.slice(0, 300);
}

export function createWebhookWorker(deps: {
  store: Store;
  keyRing: KeyRing;
  now: () => Date;
  options: WebhookWorkerOptions;
  log?: WorkerLog;
  metrics?: Metrics;
}) {
  const { store, options } = deps;
  const owner = newId('wkr');
  const policy = addressPolicy(options.allowPrivateNetworks);
  const pool = createUpstreamPool({ timeoutMs: options.timeoutMs, maxResponseBytes: 64 * 1024, allowPrivateNetworks: options.allowPrivateNetworks });
  const inFlight = new Map<string, Promise<void>>(); // by delivery id
  const perProject = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let filling: Promise<Promise<void>[]> | undefined;
  let stopped = false;
  let stopping: Promise<void> | undefined;
  // More was due than the bounds let start. While the worker polls, a finished
  // attempt then leases the next at once instead of waiting for the next poll:
  // otherwise one project drained at most maxInFlightPerProject deliveries per
  // poll interval (8 a second by default), and a busier project's backlog grew
  // without end (issue #18's webhook-subscribed link benchmark).
  let backlog = false;
  const onTick = (err: unknown) => deps.log?.error({ err }, 'leasing webhook deliveries failed');

  async function attempt(d: WebhookDeliveryRow): Promise<Outcome> {
    const [endpoint, event] = await Promise.all([store.webhooks.getEndpoint(d.project_id, d.endpoint_id), store.webhooks.getEvent(d.event_id)]);
    if (!endpoint || !event) return { ok: false, status: null, error: 'subscription deleted', gone: true };
    if (!endpoint.enabled) return { ok: false, status: null, error: 'subscription disabled', gone: true };
    const now = deps.now();
    const ts = Math.floor(now.getTime() / 1000);
    const url = new URL(endpoint.url);
    const controller = new AbortController();
    let sent = false;
    let timedOut = false;
    const deadline = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, options.timeoutMs);
    try {
      // IP literals never reach the guarded lookup; the policy may also have changed since the URL was saved.
      assertLiteralHostAllowed(url, policy);
      const res = await request(url, {
        method: 'POST',
        dispatcher: watchSent(pool.dispatcher, () => (sent = true)),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'authlink-webhooks/1',
          'webhook-id': event.id,
          'webhook-timestamp': String(ts),
          'webhook-signature': signatureHeader(signingSecrets(deps.keyRing, endpoint, now), event.id, ts, event.payload),
        },
        body: event.payload,
        signal: controller.signal,
      });
      // The status is the answer. Dropping the body closes the connection,
      // unless it has already arrived in full (then the socket is reused);
      // undici reports the drop as an abort error, which is expected here.
      res.body.on('error', () => undefined).destroy();
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      return { ok, status: res.statusCode, error: ok ? null : `receiver answered ${res.statusCode}` };
    } catch (e) {
      // undici's own headers timeout is a backstop that ours, started earlier, normally beats.
      if (sent && (timedOut || (e as { code?: unknown }).code === 'UND_ERR_HEADERS_TIMEOUT')) {
        const error = `the receiver did not answer within ${options.timeoutMs} ms`;
        return { ok: false, status: null, error, reason: error, host: url.host };
      }
      const reason = timedOut ? `not connected within ${options.timeoutMs} ms` : reasonOf(e);
      return { ok: false, status: null, error: UNREACHABLE, reason, host: url.host };
    } finally {
      clearTimeout(deadline);
    }
  }

  async function deliver(d: WebhookDeliveryRow): Promise<void> {
    const lagSeconds = (deps.now().getTime() - Date.parse(d.next_attempt_at)) / 1000;
    const r = await attempt(d);
    const now = deps.now();
    const attempts = d.attempts + 1;
    const ts = now.toISOString();
    if (r.ok) {
      await store.webhooks.finishDelivery(d.id, owner, {
        status: 'succeeded',
        attempts,
        last_status: r.status,
        last_error: null,
        delivered_at: ts,
        updated_at: ts,
      });
      deps.metrics?.webhookDelivery('succeeded', lagSeconds);
      return;
    }
    if (r.reason) {
      // The host, never the URL: its path or query may hold the receiver's own secret.
      deps.log?.warn(
        { delivery_id: d.id, endpoint_id: d.endpoint_id, project_id: d.project_id, host: r.host, attempt: attempts, reason: r.reason },
        'webhook delivery failed',
      );
    }
    const delay = options.retryDelaysMs[attempts - 1];
    const dead = r.gone || delay === undefined;
    await store.webhooks.finishDelivery(d.id, owner, {
      status: dead ? 'dead' : 'pending',
      attempts,
      last_status: r.status,
      last_error: r.error,
      next_attempt_at: dead ? d.next_attempt_at : new Date(now.getTime() + delay).toISOString(),
      updated_at: ts,
    });
    deps.metrics?.webhookDelivery(dead ? 'dead' : 'retry', lagSeconds);
  }

  function begin(d: WebhookDeliveryRow): Promise<void> {
    perProject.set(d.project_id, (perProject.get(d.project_id) ?? 0) + 1);
    const done = deliver(d)
      .catch((err) => deps.log?.error({ err, delivery_id: d.id }, 'webhook delivery outcome not recorded; it is retried when its lease ends'))
      .finally(() => {
        inFlight.delete(d.id);
        const left = (perProject.get(d.project_id) ?? 1) - 1;
        if (left > 0) perProject.set(d.project_id, left);
        else perProject.delete(d.project_id);
        if (backlog && timer && !stopped) void tick().catch(onTick);
      });
    inFlight.set(d.id, done);
    return done;
  }

  /** Leases due deliveries as far as the bounds allow and starts them; resolves once started, not finished. */
  async function fill(): Promise<Promise<void>[]> {
    const started: Promise<void>[] = [];
    // A project at its bound is left out of the lease; rows of a project that
    // reached it within one batch go back at once, and the next round leases
    // without it, so one project's backlog never fills a batch.
    for (let round = 0; round < 4 && !stopped; round++) {
      const room = options.maxInFlight - inFlight.size;
      backlog = room <= 0;
      if (backlog) break;
      const limit = Math.min(options.batchSize, room);
      const full = [...perProject].filter(([, n]) => n >= options.maxInFlightPerProject).map(([p]) => p);
      const now = deps.now();
      const due = await store.webhooks.leaseDue(owner, now.toISOString(), new Date(now.getTime() + options.leaseMs).toISOString(), limit, full);
      const surplus: string[] = [];
      for (const d of due) {
        if (stopped || (perProject.get(d.project_id) ?? 0) >= options.maxInFlightPerProject) surplus.push(d.id);
        else started.push(begin(d));
      }
      if (surplus.length) await store.webhooks.releaseLeases(owner, surplus);
      const more = due.length >= limit || surplus.length > 0;
      // A project left out at its bound may have more due: look again when one of its attempts ends.
      backlog = more || full.length > 0;
      if (!more) break;
    }
    return started;
  }

  function tick(): Promise<Promise<void>[]> {
    filling ??= fill().finally(() => (filling = undefined));
    return filling;
  }

  return {
    owner,
    /** One pass: starts what is due and resolves, with how many it started, when those have finished. */
    async runOnce(): Promise<number> {
      const started = await tick();
      await Promise.all(started);
      return started.length;
    },
    /** Polls every intervalMs; a poll starts deliveries and does not wait for them. */
    start(intervalMs: number) {
      timer = setInterval(() => void tick().catch(onTick), intervalMs);
      timer.unref();
    },
    /** Stops polling and waits for the attempts in flight (each ends by its deadline), then closes the connections. */
    stop(): Promise<void> {
      stopping ??= (async () => {
        stopped = true;
        if (timer) clearInterval(timer);
        await filling?.catch(() => undefined);
        let grace: NodeJS.Timeout | undefined;
        await Promise.race([
          Promise.allSettled([...inFlight.values()]),
          new Promise((resolve) => {
            grace = setTimeout(resolve, options.timeoutMs + 5_000);
            grace.unref();
          }),
        ]);
        clearTimeout(grace);
        await pool.close();
      })();
      return stopping;
    },
  };
}

export type WebhookWorker = ReturnType<typeof createWebhookWorker>;
