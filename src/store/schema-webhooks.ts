// Row types of the webhook tables (migration 003; 010 rewrote their data to
// Composio's V3 names and payloads). An endpoint row is what the API calls a
// webhook subscription (/webhook_subscriptions).

export interface WebhookEndpointsTable {
  id: string;
  project_id: string;
  url: string;
  description: string | null;
  events: string; // JSON array of wire event types (composio.…) or "*"
  enabled: number;
  secret_enc: string; // encrypted: needed in clear to sign
  previous_secret_enc: string | null; // still signs until previous_secret_until (rotation overlap)
  previous_secret_until: string | null;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface WebhookEventsTable {
  id: string; // msg_..., the webhook-id header
  project_id: string;
  type: string; // the wire type, composio.…
  payload: string; // JSON body as sent (Composio's V3 envelope)
  created_at: string;
}

export interface WebhookDeliveriesTable {
  id: string;
  project_id: string;
  endpoint_id: string;
  event_id: string;
  status: string; // pending | succeeded | dead
  attempts: number;
  next_attempt_at: string;
  lease_owner: string | null;
  lease_until: string | null;
  last_status: number | null;
  last_error: string | null;
  delivered_at: string | null;
  created_at: string;
  updated_at: string;
}
