// Shape of a tool definition file (src/tools/builtin/<toolkit>.json, or an
// operator's AUTHLINK_TOOLS_DIR). docs/tool.schema.json is the published JSON
// Schema for the same shape; keep the two in step. docs/tools.md explains it.
//
// A tool is one named provider action an agent can call: a JSON Schema for its
// arguments, and a declarative HTTP request that turns those arguments into one
// call through the proxy (same SSRF guard, credentials, refresh, caps).

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A JSON Schema (draft 2020-12) object, kept as data. */
export type JsonSchema = { [key: string]: Json };

/** One file: the tools of one toolkit. */
export interface ToolFile {
  $schema?: string;
  /** Slug of the toolkit whose accounts the tools use (must be in the toolkit catalog). */
  toolkit: string;
  tools: ToolDef[];
}

/** The MCP tool annotations (readOnlyHint, destructiveHint, idempotentHint, openWorldHint); every tool states all four. */
export interface ToolHints {
  read_only: boolean;
  destructive: boolean;
  idempotent: boolean;
  open_world: boolean;
}

export interface ToolDef {
  /** `<TOOLKIT>_<VERB>_<NOUN>`, upper case; Composio's slug where Composio has the same action. */
  slug: string;
  name: string;
  /** What the tool does, when to use it, and what it returns: written for an LLM choosing a tool. */
  description: string;
  /** The provider's API reference page for this endpoint: where the request below was taken from. */
  docs_url: string;
  /** Free lower-case tags (e.g. "issues"); the hint tags are added by authlink from `hints`. */
  tags: string[];
  hints: ToolHints;
  /** OAuth scopes the call needs (all of them); [] when the toolkit's API keys need none. */
  scopes: string[];
  /** JSON Schema 2020-12 of the arguments: type object, every property described. */
  input_parameters: JsonSchema;
  /** JSON Schema of `data` in the execution result (after `response` projection). */
  output_parameters: JsonSchema;
  request: ToolRequest;
  response?: ToolResponse;
  /** At least one: the contract test executes each and checks the request it produces. */
  examples: ToolExample[];
  deprecated?: boolean;
  /** One of the toolkit's most used tools: listed by `important=true` (what Composio's SDK asks for by default). */
  important?: boolean;
}

/**
 * Where a request value comes from:
 * - "name": the argument `name` (left out when the argument is absent);
 * - { arg, default?, join? }: the argument, `default` when absent; in a query
 *   or header, an array argument is joined with `join` (a query repeats the
 *   name once per item without it);
 * - { value }: a constant;
 * - { builder, args }: a value computed by a named builder from several
 *   arguments (see BUILDERS), e.g. an RFC 2822 message for Gmail.
 */
export type ValueSource = string | { arg: string; default?: Json; join?: string } | { value: Json } | { builder: BuilderName; args: Record<string, string> };

/** Named builders for what a provider needs but no mapping can express. */
export const BUILDERS = ['email_rfc2822_base64url'] as const;
export type BuilderName = (typeof BUILDERS)[number];

export type ToolMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface ToolRequest {
  method: ToolMethod;
  /**
   * Joined under the toolkit's base_url. `{{arg}}` is one path segment (the
   * value percent-encoded, so "/" cannot add segments); `{{+arg}}` may span
   * segments ("/" kept, each segment encoded, "." and ".." refused).
   */
  path: string;
  /** Query parameter name -> value. */
  query?: Record<string, ValueSource>;
  /** Header name -> value. Credential, Host and hop-by-hop headers cannot be set. */
  headers?: Record<string, ValueSource>;
  body?: ToolBody;
}

export interface ToolBody {
  /** json: a JSON document; form: application/x-www-form-urlencoded, nested objects and arrays in bracket notation (a[b]=1, a[]=1). */
  encoding: 'json' | 'form';
  /** Body path -> value. A dotted path ("start.dateTime") builds nested objects. */
  fields?: Record<string, ValueSource>;
  /** An argument whose object value is the body; `fields` are then set on top of it. */
  from?: string;
}

export interface ToolResponse {
  /** Dotted path into the JSON body: what `data` holds (the whole body when absent). */
  select?: string;
  /** A result that is not an object is returned as { [wrap_as]: value } (default "items" for arrays, "value" otherwise). */
  wrap_as?: string;
  /** A 2xx body that still means failure, e.g. Slack's { "ok": false }. */
  error_when?: { path: string; equals: Json };
  /** Dotted paths tried in order for the provider's error message (default: message, error.message, error_description, error, errors.0.message). */
  error_message?: string[];
}

export interface ToolExample {
  description?: string;
  arguments: { [name: string]: Json };
  /** Connection fields of the account (fill a templated base_url, e.g. { "subdomain": "acme" }). */
  connection?: Record<string, string>;
  /** What the provider must receive, as its documentation shows it. */
  request: {
    method: ToolMethod;
    /** The full path on the provider's host (base path included), percent-encoded as sent. */
    path: string;
    /** Exactly the query sent (credential query parameters excluded). */
    query?: Record<string, string | string[]>;
    /** Headers that must be present with these values (credential headers excluded). */
    headers?: Record<string, string>;
    /** json: the document; form: name -> value(s) as decoded from the form. */
    body?: Json;
  };
  /** What the provider answers, in its documented shape. */
  response: { status: number; body?: Json; headers?: Record<string, string> };
}
