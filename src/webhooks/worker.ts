// Delivers outbox rows. Each worker leases a batch of due deliveries (several
// workers and processes are safe: PostgreSQL skips rows others hold), signs and
// POSTs each one, and records the outcome only while it still holds the lease.
// Failures retry with growing delays; after the last one the delivery is dead
// (visible in GET .../deliveries, redeliverable). Targets are SSRF-guarded like
// the proxy: private addresses are refused unless the operator allows them.
import { request } from 'undici';
import { newId } from '../crypto/tokens.ts';
import type { KeyRing } from '../crypto/keyring.ts';
import { ENCRYPTED_FIELDS } from '../crypto/fields.ts';
import type { Store } from '../store/store.ts';
import type { WebhookDeliveryRow, WebhookEndpointRow } from '../store/webhooks.ts';
import { createUpstreamPool } from '../proxy/pool.ts';
import { signatureHeader } from './signing.ts';
import type { Metrics } from '../metrics/types.ts';

export interface WebhookWorkerOptions {
  timeoutMs: number;
  allowPrivateNetworks: boolean | string[];
  retryDelaysMs: number[]; // delay before attempt 2, 3, ...; attempts = length + 1
  leaseMs: number;
  batchSize: number;
}

/** The secrets that sign now: the current one, and the previous one during its overlap window. */
export function signingSecrets(keyRing: KeyRing, e: WebhookEndpointRow, now: Date): string[] {
  const secrets = [keyRing.decrypt(e.secret_enc, ENCRYPTED_FIELDS.webhookSecret.aad(e))];
  if (e.previous_secret_enc && e.previous_secret_until && e.previous_secret_until > now.toISOString()) {
    secrets.push(keyRing.decrypt(e.previous_secret_enc, ENCRYPTED_FIELDS.webhookPreviousSecret.aad(e)));
  }
  return secrets;
}

export function createWebhookWorker(deps: { store: Store; keyRing: KeyRing; now: () => Date; options: WebhookWorkerOptions; metrics?: Metrics }) {
  const { store, options } = deps;
  const owner = newId('wkr');
  const pool = createUpstreamPool({ timeoutMs: options.timeoutMs, maxResponseBytes: 64 * 1024, allowPrivateNetworks: options.allowPrivateNetworks });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;
  let stopping: Promise<void> | undefined;

  async function attempt(d: WebhookDeliveryRow): Promise<{ ok: boolean; status: number | null; error: string | null; gone?: boolean }> {
    const [endpoint, event] = await Promise.all([store.webhooks.getEndpoint(d.project_id, d.endpoint_id), store.webhooks.getEvent(d.event_id)]);
    if (!endpoint || !event) return { ok: false, status: null, error: 'endpoint deleted', gone: true };
    if (!endpoint.enabled) return { ok: false, status: null, error: 'endpoint disabled', gone: true };
    const now = deps.now();
    const ts = Math.floor(now.getTime() / 1000);
    try {
      const res = await request(endpoint.url, {
        method: 'POST',
        dispatcher: pool.dispatcher,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'authlink-webhooks/1',
          'webhook-id': event.id,
          'webhook-timestamp': String(ts),
          'webhook-signature': signatureHeader(signingSecrets(deps.keyRing, endpoint, now), event.id, ts, event.payload),
        },
        body: event.payload,
        headersTimeout: options.timeoutMs,
        bodyTimeout: options.timeoutMs,
      });
      await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
      const ok = res.statusCode >= 200 && res.statusCode < 300;
      return { ok, status: res.statusCode, error: ok ? null : `receiver answered ${res.statusCode}` };
    } catch (e) {
      return { ok: false, status: null, error: `delivery failed: ${(e as Error).message}`.slice(0, 300) };
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

  async function runOnce(): Promise<number> {
    const now = deps.now();
    const due = await store.webhooks.leaseDue(owner, now.toISOString(), new Date(now.getTime() + options.leaseMs).toISOString(), options.batchSize);
    await Promise.all(due.map(deliver));
    return due.length;
  }

  return {
    owner,
    /** One pass; resolves with the number of deliveries attempted. */
    runOnce(): Promise<number> {
      running ??= runOnce().finally(() => (running = undefined));
      return running;
    },
    start(intervalMs: number) {
      timer = setInterval(() => void this.runOnce().catch(() => undefined), intervalMs);
      timer.unref();
    },
    /** No new batch; resolves once the batch in flight is delivered and recorded (idempotent: shutdown and the app's onClose both call it). */
    stop(): Promise<void> {
      if (timer) clearInterval(timer);
      stopping ??= (async () => {
        await running?.catch(() => undefined);
        await pool.close();
      })();
      return stopping;
    },
  };
}

export type WebhookWorker = ReturnType<typeof createWebhookWorker>;
