// The proxy's seams: where credentials come from, how it is tuned, and the
// shapes of one proxied call in and out (API.md "Tool-router sessions and proxy").
import type { AuthConfigRow } from '../store/auth-configs.ts';
import type { AuthScheme, ToolkitDef } from '../toolkits/types.ts';

/** An auth config row with its toolkit, scheme and decrypted creation values: what services resolve and the proxy and OAuth code use. */
export interface ResolvedAuthConfig {
  row: AuthConfigRow;
  toolkit: ToolkitDef;
  scheme: AuthScheme;
  scopes: string[];
  values: Record<string, string>; // creation fields, secrets included (never send to a client)
  /** proxy_config, decrypted: calls with this config's accounts go through it. */
  proxy?: EgressProxy;
}

/** A connected account ready to be used on a request, secrets decrypted. */
export interface UsableAccount {
  accountId: string;
  projectId: string;
  toolkitSlug: string;
  resolved: ResolvedAuthConfig;
  /** Decrypted: access_token for OAUTH2; api_key, token, username, password... otherwise. */
  credentials: Record<string, unknown>;
  /** Connection fields, e.g. subdomain (fill the toolkit's base_url). */
  data: Record<string, string>;
}

export interface CredentialSource {
  /**
   * The account, with an about-to-expire OAuth token refreshed first.
   * Throws ApiError (404/409) when it is missing, disabled or not ACTIVE.
   */
  get(projectId: string, accountId: string): Promise<UsableAccount>;
  /**
   * Forced refresh after the provider answered 401. undefined when the account
   * cannot refresh (not OAUTH2, or no refresh token). May throw ApiError
   * (e.g. the refresh token was revoked): the proxy passes that on.
   */
  refreshAfter401(projectId: string, accountId: string): Promise<UsableAccount | undefined>;
  /** The account was used to reach the provider (recorded cheaply, best effort). */
  markUsed?(projectId: string, accountId: string): void;
}

/** Where an auth config's calls leave from (its proxy_config): the proxy, and the key it expects (Proxy-Authorization: Bearer). */
export interface EgressProxy {
  url: string;
  authKey?: string;
}

export interface ProxyOptions {
  /** Per upstream attempt: connect + headers + whole body. */
  timeoutMs: number;
  /** Cap on the upstream body, counted after decompression too. */
  maxResponseBytes: number;
  /**
   * Private, loopback, link-local... targets: false refuses them all, true allows
   * them all, a list allows the hosts, IPs and CIDR ranges it names
   * (e.g. ['127.0.0.1', '10.1.0.0/16', 'jira.internal']).
   */
  allowPrivateNetworks: boolean | string[];
}

export const PROXY_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'] as const;
export type ProxyMethod = (typeof PROXY_METHODS)[number];

export interface ProxyParameter {
  name: string;
  type: 'header' | 'query';
  value: string;
}

/** Composio's binary_body: only the base64 form is supported (a URL would be a second fetch target). */
export type BinaryBody = { base64: string; content_type?: string } | { url: string; content_type?: string };

export interface ProxyInput {
  connectedAccountId: string;
  endpoint: string;
  method: ProxyMethod;
  /** Objects, arrays, numbers and booleans go as JSON; a string goes as is. */
  body?: unknown;
  binaryBody?: BinaryBody;
  parameters?: ProxyParameter[];
  /**
   * The endpoint is a path built from a tool's arguments: always join it under
   * the base path, even when it happens to start with it (a relative endpoint
   * from a caller that already includes the base path is not prefixed twice).
   */
  joinUnderBase?: boolean;
  /** The account already checked and resolved by the caller (a tool call read it to choose it): not read again. */
  account?: UsableAccount;
}

/** Composio's binary_data: where to download a binary answer, for a while. */
export interface BinaryData {
  url: string;
  content_type: string;
  /** Bytes of the (decoded) body. */
  size: number;
  expires_at: string;
}

export interface SavedDownload {
  url: string;
  expires_at: string;
}

/** Keeps a binary answer behind a short-lived download URL (src/services/downloads.ts). */
export interface BinarySink {
  save(projectId: string, contentType: string, bytes: Buffer): Promise<SavedDownload>;
}

/** The 200 body of POST /tools/execute/proxy. */
export interface ProxyResult {
  /** The provider's HTTP status (3xx are returned as is, never followed). */
  status: number;
  /** Parsed JSON, or text; null when there is no body or it is binary (then binary_data says where to download it). */
  data: unknown;
  /** The provider's response headers, lower-cased, without hop-by-hop ones and set-cookie. */
  headers: Record<string, string>;
  binary_data?: BinaryData;
}

/** Headers a caller may not set: hop-by-hop, framing, or managed by authlink. */
export const MANAGED_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'http2-settings',
  'content-length',
  'expect',
  'accept-encoding',
]);
