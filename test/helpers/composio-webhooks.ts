// What a receiver built on @composio/core does with a delivery: verify it with
// the SDK's own `composio.triggers.verifyWebhook()` (not a re-implementation)
// and parse it with the SDK's V3 payload schema.
import { Composio, WebhookPayloadV3Schema } from '@composio/core';
import type { Received } from './receiver.ts';

/** A core client: only verifyWebhook is used, which needs no server (it makes no request). */
export function coreClient(baseURL = 'http://127.0.0.1:9'): Composio {
  return new Composio({ apiKey: 'ak_unused', baseURL, allowTracking: false, disableVersionCheck: true });
}

/** `composio.triggers.verifyWebhook()` on a received request; rejects when the signature or timestamp is not accepted. */
export function coreVerify(core: Composio, secret: string, r: Received) {
  return core.triggers.verifyWebhook({
    id: String(r.headers['webhook-id']),
    timestamp: String(r.headers['webhook-timestamp']),
    signature: String(r.headers['webhook-signature']),
    payload: r.body,
    secret,
  });
}

/** The body parsed by core's WebhookPayloadV3Schema; throws when it does not parse. */
export function v3Payload(r: Received) {
  return WebhookPayloadV3Schema.parse(JSON.parse(r.body));
}
