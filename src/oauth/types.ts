// Inputs and outputs of the OAuth2 client. Everything here is plain data with
// URLs already filled in (the toolkit layer resolves {{field}} placeholders via
// src/toolkits/template.ts before calling us), so this folder never needs to
// know about toolkit files or connection fields.
import type { OAuth2Quirks, OAuth2Settings } from '../toolkits/types.ts';

export type TokenEndpointAuthMethod = OAuth2Settings['token_endpoint_auth_method'];

export interface OAuthProvider {
  /** Absent for the client credentials grant (no person signs in). */
  authorizationUrl?: string;
  tokenUrl: string;
  revocationUrl?: string;
  userinfoUrl?: string;
  issuer?: string; // RFC 9207: when set, the callback's `iss` must equal it
  scopeSeparator: string; // usually " "; joins scopes on the authorize URL
  scopeParam?: string; // default "scope" (Slack user scopes: "user_scope")
  authorizeParams?: Record<string, string>;
  pkce: boolean;
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  // Same shape as the toolkit definition so callers can pass `settings.quirks ?? {}` as is.
  quirks: OAuth2Quirks;
}

export interface OAuthClient {
  clientId: string;
  clientSecret: string;
}

export interface TokenSet {
  access_token: string;
  token_type: string; // lowercased, e.g. "bearer"
  refresh_token?: string; // undefined after a refresh = provider did not rotate; keep the old one
  expires_at?: string; // ISO-8601, from expires_in; undefined = provider gave no lifetime
  scope: string[]; // granted scopes (the requested ones when the provider omits `scope`)
  // Claims of an id_token, decoded WITHOUT signature/issuer validation (see id-token.ts):
  // only for showing who connected, never for an authorization decision.
  id_token_claims?: Record<string, unknown>;
  // Extra non-standard response fields (e.g. Slack team/app ids) with anything
  // secret-looking removed; safe to store in clear and return over the API.
  raw_extra?: Record<string, unknown>;
}

/** Options shared by every call that talks to the provider. */
export interface TransportOptions {
  // Replaces globalThis.fetch (tests, proxies, undici dispatchers).
  fetch?: typeof fetch;
  // false in production: any http:// provider URL is refused before a request is made.
  allowInsecure: boolean;
  // Per-request budget; a slow provider must not hold a connect flow or a refresh forever.
  timeoutMs?: number;
}
