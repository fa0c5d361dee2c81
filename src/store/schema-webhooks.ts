// Row types of the webhook tables (migration 003).

export interface WebhookEndpointsTable {
  id: string;
  project_id: string;
  url: string;
  description: string | null;
  events: string; // JSON array of event types
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
  type: string;
  payload: string; // JSON body as sent
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
