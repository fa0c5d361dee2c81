// Signatures in Standard Webhooks' headers (https://www.standardwebhooks.com),
// keyed the way Composio keys them, so @composio/core's
// `composio.triggers.verifyWebhook()` accepts them:
//   webhook-id: msg_...            (the event id; stable across retries)
//   webhook-timestamp: <unix seconds>
//   webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>
// The key is the secret string as given, UTF-8 encoded, `whsec_` prefix
// included (verifyWebhook imports `new TextEncoder().encode(secret)` as the
// HMAC key). Standard Webhooks libraries base64-decode the part after
// `whsec_` instead, unless told the key is raw (`{ format: 'raw' }`).
// During a secret rotation both the new and the previous secret sign
// (space-separated signatures; verifyWebhook accepts any `v1,` one that
// matches), so receivers can switch at their pace.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

export function signature(secret: string, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', Buffer.from(secret, 'utf8')).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export function signatureHeader(secrets: string[], id: string, timestamp: number, body: string): string {
  return secrets.map((s) => signature(s, id, timestamp, body)).join(' ');
}

export class WebhookVerificationError extends Error {}

/**
 * Receiver side, for receivers without @composio/core: checks one of the
 * signatures and that the timestamp is within `toleranceSeconds` (replay
 * protection). Returns the parsed payload.
 */
export function verifyWebhook(
  secret: string,
  headers: Record<string, string | undefined>,
  body: string,
  opts: { toleranceSeconds?: number; now?: number } = {},
): unknown {
  const id = headers['webhook-id'];
  const ts = Number(headers['webhook-timestamp']);
  const sigs = headers['webhook-signature'];
  if (!id || !Number.isInteger(ts) || !sigs) throw new WebhookVerificationError('missing webhook-id, webhook-timestamp or webhook-signature');
  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  if (Math.abs(now - ts) > (opts.toleranceSeconds ?? 300)) throw new WebhookVerificationError('timestamp outside the tolerance window');
  const expected = Buffer.from(signature(secret, id, ts, body));
  const ok = sigs.split(' ').some((s) => {
    const given = Buffer.from(s);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!ok) throw new WebhookVerificationError('no signature matches');
  return JSON.parse(body);
}
