// Issue #8, bad input on every endpoint. The routes, their parameters and
// body schemas come from the OpenAPI document the app generates; fast-check
// (fixed seed, a bounded number of runs per route) builds requests from them:
//
// - "invalid": one schema violation (wrong type, too long, too many items,
//   missing field, value outside an enum or range), malformed JSON, a
//   non-object body or a foreign content type, on top of hostile values
//   everywhere else. Each must be a 4xx in the error envelope.
// - "hostile": schema-valid requests whose every string is hostile (SQL/NoSQL
//   injection, traversal, markup, NUL, lone surrogates, RTL, emoji, huge) and
//   whose ids are often real ones, so they reach the handlers. Any status but
//   a 5xx, and a 4xx is in the envelope.
//
// Every request carries a valid API key, hostile headers, and a deadline
// (never a hang); after every 4xx the whole database must be exactly as before.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import Fastify from 'fastify';
import { forEachBackend } from '../helpers/backends.ts';
import { frameworkErrors, installErrorHandling } from '../../src/http/error-handler.ts';
import { api, startTestApp, type TestApp } from '../helpers/test-app.ts';
import { apiKeyToolkit, writeToolkitsDir } from '../helpers/toolkits.ts';
import {
  HOSTILE_HEADER_VALUES,
  SEED,
  assertEnvelope,
  installChangeLog,
  hostileText,
  send,
  startQuietUpstream,
  assertProperty,
  type Answer,
} from './support.ts';

const RUNS_INVALID = 30;
const RUNS_HOSTILE = 40;
const RUNS_HOSTED_PAGE = 300;

// ---------------------------------------------------------------------------
// The OpenAPI document as data

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  enum?: unknown[];
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  additionalProperties?: Schema | boolean;
}

interface Param {
  name: string;
  in: 'path' | 'query';
  required?: boolean;
  schema: Schema;
}

interface Op {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
  path: string;
  params: Param[];
  body?: Schema;
  label: string;
  /** Documents a 501 answer. */
  notImplemented: boolean;
}

function operations(doc: {
  paths: Record<
    string,
    Record<string, { parameters?: Param[]; requestBody?: { content: Record<string, { schema: Schema }> }; responses?: Record<string, unknown> }>
  >;
}): Op[] {
  const ops: Op[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const m = method.toUpperCase() as Op['method'];
      ops.push({
        method: m,
        path,
        params: (op.parameters ?? []).filter((p) => p.in === 'path' || p.in === 'query'),
        body: op.requestBody?.content['application/json']?.schema,
        label: `${m} ${path}`,
        notImplemented: '501' in (op.responses ?? {}),
      });
    }
  }
  return ops;
}

// ---------------------------------------------------------------------------
// Requests

interface Req {
  path: Record<string, string>;
  query: Record<string, string | string[]>;
  /** Query text appended as is (bad percent-encodings and the like). */
  rawQuery?: string;
  body?: unknown;
  /** Sent instead of JSON.stringify(body). */
  rawBody?: string;
  contentType?: string;
  headers: Record<string, string>;
}

const LONE_SURROGATES = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** encodeURIComponent cannot encode a lone surrogate; those go in bodies (and in the test for raw bad encodings). */
const enc = (s: string) => encodeURIComponent(s.replace(LONE_SURROGATES, '\ufffd'));

function toInject(op: Op, req: Req, apiKey: string): InjectOptions {
  const url = op.path.replace(/\{(\w+)\}/g, (_, n: string) => enc(req.path[n] ?? 'x'));
  const parts: string[] = [];
  for (const [k, v] of Object.entries(req.query)) for (const one of ([] as string[]).concat(v)) parts.push(`${enc(k)}=${enc(one)}`);
  if (req.rawQuery) parts.push(req.rawQuery);
  const headers: Record<string, string> = { ...req.headers, 'x-api-key': apiKey };
  const opts: InjectOptions = { method: op.method, url: parts.length ? `${url}?${parts.join('&')}` : url, headers };
  if (req.rawBody !== undefined || req.body !== undefined) {
    headers['content-type'] = req.contentType ?? 'application/json';
    opts.payload = req.rawBody ?? JSON.stringify(req.body).replace(JSON.stringify(DEPTH_BOMB), DEPTH_BOMB_TEXT);
  }
  return opts;
}

// ---------------------------------------------------------------------------
// Schema-valid hostile values

type Known = Record<string, string[]>;

function typesOf(s: Schema): string[] {
  return s.type === undefined ? [] : ([] as string[]).concat(s.type);
}

function arbFor(s: Schema, name: string, known: Known): fc.Arbitrary<unknown> {
  if (s.anyOf) return fc.oneof(...s.anyOf.map((b) => arbFor(b, name, known)));
  if (s.enum) return fc.constantFrom(...s.enum);
  const [type] = typesOf(s);
  switch (type) {
    case 'string': {
      // Mostly plausible values (real ids, a plain word), so that the hostile one in a request gets past the others and reaches the store.
      const hostile = hostileText(s.minLength ?? 0, s.maxLength ?? 4096);
      const plausible = known[name] ? fc.constantFrom(...known[name]) : fc.constant('fuzz-value'.slice(0, s.maxLength ?? 100).padEnd(s.minLength ?? 0, 'x'));
      return fc.oneof({ weight: 3, arbitrary: plausible }, { weight: 2, arbitrary: hostile });
    }
    case 'integer':
      return fc.oneof(fc.integer({ min: s.minimum ?? -1_000_000, max: s.maximum ?? 1_000_000 }), fc.constantFrom(s.minimum ?? 0, s.maximum ?? 2 ** 31));
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'array': {
      const item = arbFor(s.items ?? {}, name, known);
      const small = fc.array(item, { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 4, 4) });
      const full = item.map((v) => Array.from({ length: Math.min(s.maxItems ?? 200, 1000) }, () => v));
      return fc.oneof({ weight: 9, arbitrary: small }, { weight: 1, arbitrary: full });
    }
    case 'object': {
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(s.properties ?? {})) model[k] = arbFor(v, k, known);
      const fixed = fc.record(model, { requiredKeys: (s.required ?? []).filter((k) => k in model) });
      const extraValue = typeof s.additionalProperties === 'object' ? arbFor(s.additionalProperties, name, known) : fc.jsonValue({ maxDepth: 2 });
      const extras = fc.dictionary(hostileText(0, 100), extraValue, { maxKeys: 3 });
      return fc.tuple(fixed, extras).map(([f, e]) => ({ ...e, ...f }));
    }
    default:
      // No type: anything JSON, hostile strings included.
      return fc.oneof(fc.jsonValue({ maxDepth: 3 }), hostileText());
  }
}

const headerArb: fc.Arbitrary<Record<string, string>> = fc.dictionary(
  fc.constantFrom(
    'x-request-id',
    'accept',
    'accept-language',
    'user-agent',
    'referer',
    'origin',
    'cookie',
    'x-forwarded-for',
    'x-forwarded-host',
    'x-forwarded-proto',
    'forwarded',
    'if-none-match',
    'range',
    'accept-encoding',
  ),
  fc.constantFrom(...HOSTILE_HEADER_VALUES, 'x'.repeat(4000), '*/*', 'application/xml', '../../etc/passwd'),
  { maxKeys: 4 },
);

function reqArb(op: Op, known: Known, pathKnown: (name: string) => string): fc.Arbitrary<Req> {
  const path: Record<string, fc.Arbitrary<string>> = {};
  const query: Record<string, fc.Arbitrary<unknown>> = {};
  for (const p of op.params) {
    if (p.in === 'path') {
      const hostile = p.schema.enum ? fc.constantFrom(...(p.schema.enum as string[])) : hostileText(1, Math.min(p.schema.maxLength ?? 100, 100));
      path[p.name] = fc.oneof({ weight: 3, arbitrary: fc.constant(pathKnown(p.name)) }, { weight: 2, arbitrary: hostile });
    } else query[p.name] = arbFor(p.schema, p.name, known).map((v) => (Array.isArray(v) ? v.map(String) : String(v)));
  }
  return fc.record({
    path: fc.record(path),
    query: fc.record(query, { requiredKeys: [] }) as fc.Arbitrary<Record<string, string | string[]>>,
    rawQuery: fc.option(fc.constantFrom('a=%zz', '%ff=%fe', 'limit=%00', '&&&=', 'x[y]=1', 'cursor=%', '__proto__[a]=1', 'constructor=1'), { nil: undefined }),
    body: op.body ? arbFor(op.body, '', known) : fc.constant(undefined),
    headers: headerArb,
  });
}

// ---------------------------------------------------------------------------
// Violations: each makes a valid request invalid, whatever else it carries

const REMOVE = Symbol('remove');
type Where = 'body' | 'query' | 'path';
interface Violation {
  where: Where;
  at: (string | number)[];
  value: unknown;
  why: string;
  /** Sent once in the systematic pass; the others only when the random runs pick them. */
  core?: boolean;
}

function sample(s: Schema): unknown {
  if (s.anyOf) return sample(s.anyOf[0]);
  if (s.enum) return s.enum[0];
  switch (typesOf(s)[0]) {
    case 'string':
      return 'x'.repeat(Math.max(1, s.minLength ?? 1));
    case 'integer':
    case 'number':
      return s.minimum ?? 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'object':
      return Object.fromEntries((s.required ?? []).map((k) => [k, sample(s.properties?.[k] ?? {})]));
    default:
      return 'x';
  }
}

const JSON_TYPES: Array<[string, unknown]> = [
  ['string', 'text'],
  ['integer', 7],
  ['number', 1.5],
  ['boolean', true],
  ['array', ['x']],
  ['object', { $gt: '' }],
  ['null', null],
];

function wrongTypes(s: Schema): Array<[string, unknown]> {
  const allowed = new Set((s.anyOf ?? [s]).flatMap((b) => (b.enum ? ['string'] : typesOf(b))));
  if (allowed.has('number')) allowed.add('integer');
  if (allowed.has('integer')) allowed.add('number'); // 1.5 is refused by integer, but keep the list simple
  return allowed.size ? JSON_TYPES.filter(([t]) => !allowed.has(t)) : [];
}

/**
 * Stands for a value nested 20,000 levels deep, spliced into the JSON text as
 * it is sent (the test itself could not JSON.stringify such a value).
 */
const DEPTH_BOMB = '\u0000depth-bomb\u0000';
const DEPTH_BOMB_TEXT = '['.repeat(20_000) + ']'.repeat(20_000);

function bodyViolations(s: Schema, at: (string | number)[], out: Violation[]): void {
  const name = at.length ? at.join('.') : 'body';
  // Wherever arbitrary JSON is accepted (no type: Type.Unknown), or an object takes any keys: a depth bomb (issue #20, finding 6).
  const arbitrary = !s.type && !s.anyOf && !s.enum && !s.properties;
  if (arbitrary) out.push({ where: 'body', at, value: DEPTH_BOMB, why: `${name}: nested 20,000 levels deep`, core: true });
  // One wrong type per field in the systematic pass (rotating, so every kind appears), all of them for the random runs.
  const wrong = wrongTypes(s);
  for (const [i, [t, v]] of wrong.entries()) {
    out.push({ where: 'body', at, value: v, why: `${name}: ${t} instead of ${typesOf(s).join('|') || 'anyOf'}`, core: i === at.length % wrong.length });
  }
  if (s.anyOf) return; // a value refused by every branch is all we can be sure of
  if (s.enum) out.push({ where: 'body', at, value: 'NOT_ONE_OF_THEM', why: `${name}: outside the enum` });
  const [type] = typesOf(s);
  if (type === 'string') {
    // Text no store keeps as given: NUL (PostgreSQL refuses it) and lone surrogates (both stores turn them into U+FFFD).
    out.push({ where: 'body', at, value: 'a\u0000b', why: `${name}: NUL character` });
    out.push({ where: 'body', at, value: 'x\ud800', why: `${name}: lone surrogate` });
    if (s.maxLength !== undefined) out.push({ where: 'body', at, value: '\u00e9'.repeat(s.maxLength + 1), why: `${name}: longer than ${s.maxLength}` });
    if ((s.minLength ?? 0) > 0) out.push({ where: 'body', at, value: '', why: `${name}: empty` });
  }
  if (type === 'integer') {
    out.push({ where: 'body', at, value: 2.5, why: `${name}: not an integer` });
    if (s.minimum !== undefined) out.push({ where: 'body', at, value: s.minimum - 1, why: `${name}: below the minimum` });
    if (s.maximum !== undefined) out.push({ where: 'body', at, value: s.maximum + 1, why: `${name}: above the maximum` });
  }
  if (type === 'array') {
    if (s.maxItems !== undefined)
      out.push({
        where: 'body',
        at,
        value: Array.from({ length: s.maxItems + 1 }, () => sample(s.items ?? {})),
        why: `${name}: more than ${s.maxItems} items`,
      });
    if (s.items) bodyViolations(s.items, [...at, 0], out);
  }
  if (type === 'object') {
    for (const k of s.required ?? []) out.push({ where: 'body', at: [...at, k], value: REMOVE, why: `${name}.${k}: missing` });
    for (const [k, v] of Object.entries(s.properties ?? {})) bodyViolations(v, [...at, k], out);
    if (typeof s.additionalProperties === 'object') bodyViolations(s.additionalProperties, [...at, 'some_key'], out);
    if (s.additionalProperties === true || (s.additionalProperties === undefined && !s.properties))
      out.push({ where: 'body', at: [...at, 'deep'], value: DEPTH_BOMB, why: `${name}.deep: nested 20,000 levels deep`, core: true });
  }
}

function paramViolations(p: Param, out: Violation[]): void {
  const s = p.schema;
  const where: Where = p.in;
  const items = typesOf(s)[0] === 'array' ? (s.items ?? {}) : s;
  const one = (value: unknown, why: string) => out.push({ where, at: [p.name], value, why: `${p.in} ${p.name}: ${why}` });
  if (items.enum) one(typesOf(s)[0] === 'array' ? ['NOT_ONE_OF_THEM'] : 'NOT_ONE_OF_THEM', 'outside the enum');
  const [type] = typesOf(items);
  if (type === 'integer') {
    one('abc', 'not a number');
    one('1.5', 'not an integer');
    if (items.maximum !== undefined) one(String(items.maximum + 1), 'above the maximum');
    if (items.minimum !== undefined) one(String(items.minimum - 1), 'below the minimum');
  }
  if (type === 'boolean') one('maybe', 'not a boolean');
  if (type === 'string' && !items.enum) one(typesOf(s)[0] === 'array' ? ['a\u0000b'] : 'a\u0000b', 'NUL character');
  // Path parameters over 100 characters hit the router's own limit: see the test for them below.
  if (type === 'string' && items.maxLength !== undefined && (where === 'query' || items.maxLength < 100))
    one('x'.repeat(items.maxLength + 1), `longer than ${items.maxLength}`);
  if (where === 'path' && (s.minLength ?? 0) > 0) one('', 'empty');
  if (typeof s.maxItems === 'number')
    one(
      Array.from({ length: s.maxItems + 1 }, () => String(sample(items))),
      `more than ${s.maxItems} values`,
    );
}

const MALFORMED_JSON = [
  '{',
  '{"a":',
  '[',
  'nul',
  '{"a":1,}',
  "{'a':1}",
  '{"a":1}}',
  '{"a":"\\x"}',
  'NaN',
  '{"a":01}',
  ' ',
  '',
  '\u0000',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '['.repeat(100_000) + ']'.repeat(100_000),
  '"\\ud800"',
];

interface Raw {
  rawBody: string;
  contentType: string;
  why: string;
}

function rawViolations(op: Op): Raw[] {
  if (!op.body) return [];
  const json = (rawBody: string, why: string): Raw => ({ rawBody, contentType: 'application/json', why });
  return [
    ...MALFORMED_JSON.map((b) => json(b, `malformed JSON ${JSON.stringify(b.slice(0, 20))}`)),
    ...['[]', '1', '"text"', 'null', 'true'].map((b) => json(b, `top-level ${b}`)),
    { rawBody: '<a/>', contentType: 'application/xml', why: 'XML' },
    { rawBody: '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--', contentType: 'multipart/form-data; boundary=x', why: 'multipart' },
    { rawBody: '{"a":1}', contentType: 'text/plain', why: 'JSON sent as text/plain' },
    { rawBody: '{"a":1}', contentType: 'application/json-patch+json', why: 'another JSON media type' },
    { rawBody: '{"a":1}', contentType: 'application/octet-stream', why: 'octet-stream' },
  ];
}

function setAt(obj: Record<string, unknown>, at: (string | number)[], value: unknown): void {
  let cur: any = obj;
  for (let i = 0; i < at.length - 1; i++) {
    const k = at[i];
    if (cur[k] === null || typeof cur[k] !== 'object') cur[k] = typeof at[i + 1] === 'number' ? [] : {};
    cur = cur[k];
  }
  const last = at[at.length - 1];
  if (value === REMOVE) {
    if (Array.isArray(cur)) cur.splice(Number(last), 1);
    else delete cur[last];
  } else cur[last] = value;
}

function applyViolation(req: Req, v: Violation | Raw): Req {
  const out: Req = structuredClone({ ...req, body: req.body });
  if ('rawBody' in v) return { ...out, body: undefined, rawBody: v.rawBody, contentType: v.contentType };
  if (v.where === 'body') {
    if (v.at.length === 0) out.body = v.value;
    else {
      if (!out.body || typeof out.body !== 'object') out.body = {};
      setAt(out.body as Record<string, unknown>, v.at, v.value);
    }
  } else if (v.where === 'query') out.query[String(v.at[0])] = v.value as string | string[];
  else out.path[String(v.at[0])] = String(v.value);
  return out;
}

// ---------------------------------------------------------------------------

const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

forEachBackend('security: bad input on every endpoint', (backend) => {
  let t: TestApp;
  let upstream: Awaited<ReturnType<typeof startQuietUpstream>>;
  let ops: Op[];
  let changes: Awaited<ReturnType<typeof installChangeLog>>;
  let webhook: string | undefined;
  before(async () => {
    upstream = await startQuietUpstream();
    const dir = writeToolkitsDir([apiKeyToolkit(upstream.url)]);
    t = await startTestApp(backend, {
      env: { AUTHLINK_TOOLKITS_DIR: dir, AUTHLINK_PROXY_ALLOW_PRIVATE: '127.0.0.1', AUTHLINK_RATE_LIMIT_PER_MINUTE: '10000000', LOG_LEVEL: 'warn' },
    });
    ops = operations(t.app.swagger() as never);
    changes = await installChangeLog(t);
  });
  after(async () => {
    await t.close();
    await upstream.close();
  });

  /** Fresh resources for one route's runs (hostile runs delete and disable things). */
  async function seed() {
    const a = api(t);
    const ac = await a.post('/api/v3.1/auth_configs', { toolkit: { slug: 'echoapi' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' } });
    assert.equal(ac.status, 201, ac.text);
    // One endpoint for the whole run (one per route would multiply the deliveries of every event); made again when a run deleted it.
    if (!webhook || (await a.get(`/api/v3.1/webhook_subscriptions/${webhook}`)).status !== 200) {
      const hook = await a.post('/api/v3.1/webhook_subscriptions', { webhook_url: 'https://hooks.example.com/authlink', enabled_events: ['*'] });
      assert.equal(hook.status, 201, hook.text);
      webhook = hook.body.id as string;
    }
    await a.patch(`/api/v3.1/webhook_subscriptions/${webhook}`, { enabled: true, enabled_events: ['*'] });
    const acct = await a.post('/api/v3.1/connected_accounts', {
      auth_config: { id: ac.body.auth_config.id },
      connection: { user_id: 'fuzz-user', state: { authScheme: 'API_KEY', val: { api_key: 'fuzz-key-0123456789' } } },
    });
    assert.equal(acct.status, 201, acct.text);
    const deliveries = await a.get(`/api/v3.1/webhook_subscriptions/${webhook}/deliveries?limit=1`);
    const session = await a.post('/api/v3.1/tool_router/session', { user_id: 'fuzz-user' });
    assert.equal(session.status, 201, session.text);
    return {
      authConfig: ac.body.auth_config.id as string,
      webhook: webhook!,
      account: acct.body.id as string,
      delivery: deliveries.body.items[0].id as string,
      session: session.body.session_id as string,
    };
  }

  function knownValues(ids: Awaited<ReturnType<typeof seed>>): { known: Known; pathKnown: (op: Op) => (name: string) => string } {
    const known: Known = {
      auth_config_id: [ids.authConfig],
      auth_config_ids: [ids.authConfig],
      id: [ids.authConfig],
      connected_account_id: [ids.account],
      connected_account_ids: [ids.account],
      user_id: ['fuzz-user'],
      user_ids: ['fuzz-user'],
      entity_id: ['fuzz-user'],
      toolkit: ['echoapi'],
      toolkit_slug: ['echoapi'],
      toolkit_slugs: ['echoapi'],
      slug: ['echoapi'],
      toolkits: ['echoapi'],
      enable: ['echoapi'],
      endpoint: ['/echo', `${upstream.url}/echo`],
      url: ['https://hooks.example.com/other'],
      webhook_url: ['https://hooks.example.com/other'],
      enabled_events: ['*', 'composio.connected_account.active'],
      version: ['V3'],
      callback_url: ['https://app.example.com/cb?x=1'],
      authScheme: ['API_KEY'],
      api_key: ['fuzz-key-abcdefghij'],
    };
    const pathKnown =
      (op: Op) =>
      (name: string): string => {
        if (name === 'nanoid' && op.path.includes('/auth_configs/')) return ids.authConfig;
        if (name === 'nanoid' || name === 'nanoId') return ids.account;
        if (name === 'id') return ids.webhook;
        if (name === 'delivery_id') return ids.delivery;
        if (name === 'session_id') return ids.session;
        if (name === 'slug') return 'echoapi';
        if (name === 'status') return 'ENABLED';
        return 'x';
      };
    return { known, pathKnown };
  }

  /** Sends one request and checks everything that must hold for any answer. */
  async function check(op: Op, req: Req, mustReject: boolean, why: string): Promise<Answer> {
    const opts = toInject(op, req, t.apiKey);
    const mark = await changes.mark();
    const label = `${op.label} [${why}] ${String(opts.url).slice(0, 160)} body=${String(opts.payload ?? '').slice(0, 160)}`;
    const res = await send(t, opts);
    // The one deliberate 5xx: a route the document says is not implemented yet (the MCP transport).
    const allowed = res.statusCode === 501 && op.notImplemented;
    assert.ok(res.statusCode < 500 || allowed, `${label}: ${res.statusCode} ${res.body.slice(0, 300)}`);
    assert.match(String(res.headers['x-request-id']), SAFE_REQUEST_ID, `${label}: x-request-id`);
    assert.ok(!res.body.includes(t.apiKey), `${label}: the API key is echoed`);
    if (mustReject) assert.ok(res.statusCode >= 400, `${label}: accepted with ${res.statusCode}: ${res.body.slice(0, 300)}`);
    if (res.statusCode >= 400) {
      assertEnvelope(res, label);
      if (mustReject) assert.ok(res.statusCode < 500, `${label}: ${res.statusCode} for an invalid request`);
      assert.deepEqual(await changes.since(mark), [], `${label}: answered ${res.statusCode} but changed the database`);
    } else if (res.body) {
      assert.doesNotThrow(() => JSON.parse(res.body), `${label}: a ${res.statusCode} that is not JSON`);
      // A call that reached a provider records the account's use afterwards, without waiting: let it land before the next check.
      if (/execute|proxy|mcp/.test(op.path)) await changes.settle();
    }
    return res;
  }

  test('the change log this suite relies on sees inserts, updates and deletes, and nothing for a refused request', async () => {
    const mark = await changes.mark();
    const ac = await api(t).post('/api/v3.1/auth_configs', { toolkit: { slug: 'echoapi' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' } });
    await api(t).patch(`/api/v3.1/auth_configs/${ac.body.auth_config.id}`, { name: 'renamed' });
    await api(t).patch(`/api/v3.1/auth_configs/${ac.body.auth_config.id}`, {});
    await t.runtime.database.db.deleteFrom('auth_configs').where('id', '=', ac.body.auth_config.id).execute();
    const seen = await changes.since(mark);
    assert.deepEqual(
      seen.map((c) => c.split(' ').slice(0, 2).join(' ')),
      ['I auth_configs', 'U auth_configs', 'U auth_configs', 'D auth_configs'],
    );
    const next = await changes.mark();
    assert.equal((await api(t).post('/api/v3.1/connected_accounts/link', { auth_config_id: 'ac_nope', user_id: 'u' })).status, 404);
    assert.deepEqual(await changes.since(next), []);
  });

  test('invalid requests on every documented route: 4xx in the envelope, nothing written', async (tc) => {
    let total = 0;
    for (const op of ops) {
      await tc.test(op.label, async () => {
        const ids = await seed();
        const { known, pathKnown } = knownValues(ids);
        const violations: Array<Violation | Raw> = [...rawViolations(op)];
        if (op.body) bodyViolations(op.body, [], violations as Violation[]);
        for (const p of op.params) paramViolations(p, violations as Violation[]);
        const core = violations.filter((v) => !('core' in v) || v.core !== false);
        if (!violations.length) return; // nothing about this route can be wrong (no parameters, no body)
        await assertProperty(
          fc.asyncProperty(reqArb(op, known, pathKnown(op)), fc.nat(violations.length - 1), async (base, i) => {
            total++;
            await check(op, applyViolation(base, violations[i]), true, violations[i].why);
          }),
          { seed: SEED, numRuns: RUNS_INVALID },
        );
        // And every kind of violation once, in order, so none is left to chance.
        for (const v of core) {
          const base = fc.sample(reqArb(op, known, pathKnown(op)), { seed: SEED, numRuns: 1 })[0];
          total++;
          await check(op, applyViolation(base, v), true, v.why);
        }
      });
    }
    assert.ok(total > 500, `${total} invalid requests sent`);
  });

  test('hostile but schema-valid requests on every documented route: never a 5xx; a 4xx writes nothing', async (tc) => {
    const statuses = new Map<number, number>();
    for (const op of ops) {
      await tc.test(op.label, async () => {
        const ids = await seed();
        const { known, pathKnown } = knownValues(ids);
        await assertProperty(
          fc.asyncProperty(reqArb(op, known, pathKnown(op)), async (req) => {
            const res = await check(op, req, false, 'hostile');
            statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          }),
          { seed: SEED, numRuns: RUNS_HOSTILE },
        );
      });
    }
    // The runs reach the handlers: some succeed, some are refused by the domain rules.
    const ok = [...statuses].filter(([s]) => s < 300).reduce((n, [, c]) => n + c, 0);
    const refused = [...statuses].filter(([s]) => s >= 400 && s !== 400).reduce((n, [, c]) => n + c, 0);
    assert.ok(ok > 50, `2xx answers: ${JSON.stringify([...statuses])}`);
    assert.ok(refused > 20, `404/409/422... answers: ${JSON.stringify([...statuses])}`);
  });

  test('hostile, missing or near-miss API keys on every route: 401 envelope, nothing written', async () => {
    const keys = [
      ...HOSTILE_HEADER_VALUES,
      t.apiKey.slice(0, -1) + (t.apiKey.endsWith('A') ? 'B' : 'A'),
      t.apiKey.toLowerCase(),
      ` ${t.apiKey}`,
      `${t.apiKey},${t.apiKey}`,
      t.apiKey + 'x',
      'ak_' + 'A'.repeat(10_000),
    ];
    const mark = await changes.mark();
    for (const op of ops) {
      for (const key of keys) {
        const url = op.path.replace(/\{(\w+)\}/g, 'x');
        const res = await send(t, {
          method: op.method,
          url,
          headers: { 'x-api-key': key, ...(op.body ? { 'content-type': 'application/json' } : {}) },
          ...(op.body ? { payload: '{}' } : {}),
        });
        assert.equal(res.statusCode, 401, `${op.label} key=${JSON.stringify(key).slice(0, 40)}: ${res.body.slice(0, 200)}`);
        assertEnvelope(res, op.label);
      }
      const none = await send(t, { method: op.method, url: op.path.replace(/\{(\w+)\}/g, 'x') });
      assert.equal(none.statusCode, 401);
    }
    assert.deepEqual(await changes.since(mark), []);
  });

  test('body over the limit -> 413 envelope on every route that takes a body; a body that does not match its content-length -> 400 envelope', async () => {
    const big = JSON.stringify({ user_id: 'x'.repeat(1024 * 1024 + 10) });
    for (const op of ops.filter((o) => o.body)) {
      const url = op.path.replace(/\{(\w+)\}/g, 'x');
      const res = await send(t, { method: op.method, url, headers: { 'x-api-key': t.apiKey, 'content-type': 'application/json' }, payload: big });
      assert.equal(res.statusCode, 413, `${op.label}: ${res.body.slice(0, 200)}`);
      assertEnvelope(res, op.label);
      assert.equal(JSON.parse(res.body).error.slug, 'Request_PayloadTooLarge');
      for (const length of ['1', '500', '-1']) {
        const wrong = await send(t, {
          method: op.method,
          url,
          headers: { 'x-api-key': t.apiKey, 'content-type': 'application/json', 'content-length': length },
          payload: '{"a":1}',
        });
        assert.equal(wrong.statusCode, 400, `${op.label} content-length ${length}: ${wrong.body.slice(0, 200)}`);
        assertEnvelope(wrong, op.label);
      }
    }
  });

  test('the hosted page and the OAuth callback: garbage cookies, tokens, params and bodies -> 4xx HTML, no redirect, nothing written', async () => {
    // A real link, opened and acted on once (a form with an error: bound, not consumed): its cookie is valid, its CSRF token is never sent below.
    const ac = await api(t).post('/api/v3.1/auth_configs', { toolkit: { slug: 'echoapi' }, auth_config: { type: 'use_custom_auth', authScheme: 'API_KEY' } });
    const link = await api(t).post('/api/v3.1/connected_accounts/link', {
      auth_config_id: ac.body.auth_config.id,
      user_id: 'page-user',
      callback_url: 'https://app.example.com/cb',
    });
    const opened = await send(t, { method: 'GET', url: new URL(link.body.redirect_url).pathname });
    assert.equal(opened.statusCode, 303);
    const pending = String(opened.headers['set-cookie']).split(';')[0];
    const form = await send(t, { method: 'GET', url: '/link', headers: { cookie: pending } });
    const bound = await send(t, {
      method: 'POST',
      url: '/link/submit',
      headers: { cookie: pending, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `csrf=${/name="csrf" value="([^"]+)"/.exec(form.body)![1]}`,
    });
    assert.equal(bound.statusCode, 400, 'the form again (api_key missing), now bound to this browser');
    const realCookie = String(bound.headers['set-cookie']).split(';')[0].split('=').slice(1).join('=');
    assert.match(realCookie, /^ls_[a-z0-9]{12}\.bs_/);
    const linkId = realCookie.split('.')[0];
    const cookieArb = fc.oneof(
      fc.constant(realCookie),
      fc.constant(`${linkId}.wrong-secret`),
      hostileText(0, 200).map((s) => `${enc(linkId)}.${enc(s)}`),
      hostileText(0, 200).map(enc),
      fc.constant(`ls_${'a'.repeat(12)}.${'b'.repeat(32)}`),
      fc.constant(`${linkId}.op_${'c'.repeat(43)}`),
      fc.constant(pending.split('=').slice(1).join('=')),
      fc.constant('%00.%00'),
    );
    const routeArb = fc.constantFrom('token', 'page', 'authorize', 'submit', 'cancel', 'callback', 'unknown');
    const bodyArb = fc.oneof(
      fc
        .dictionary(fc.constantFrom('csrf', 'api_key', 'workspace', 'redirect_uri', 'next', 'callback_url', '__proto__', 'x'), hostileText(0, 300), {
          maxKeys: 4,
        })
        .map((d) => ({ ct: 'application/x-www-form-urlencoded', payload: new URLSearchParams(d as Record<string, string>).toString() })),
      fc.constantFrom(...MALFORMED_JSON.slice(0, 12)).map((p) => ({ ct: 'application/json', payload: p })),
      fc.constant({ ct: 'application/xml', payload: '<a/>' }),
      fc.constant({ ct: 'text/plain', payload: 'csrf=x' }),
      fc.constant({ ct: 'application/x-www-form-urlencoded', payload: 'csrf=' + 'x'.repeat(1024 * 1024 + 1) }),
    );
    const queryArb = fc.dictionary(
      fc.constantFrom('state', 'code', 'error', 'error_description', 'iss', 'redirect_uri', 'next', 'callback_url', 'url'),
      hostileText(0, 300),
      { maxKeys: 4 },
    );
    await assertProperty(
      // Tokens over 100 characters hit the router's parameter limit: see the test for them below.
      fc.asyncProperty(
        routeArb,
        cookieArb,
        fc.option(bodyArb, { nil: undefined }),
        queryArb,
        hostileText(1, 100).filter((s) => enc(s).length <= 100),
        fc.boolean(),
        async (route, cookie, body, query, token, withCookie) => {
          const qs = Object.entries(query)
            .map(([k, v]) => `${k}=${enc(v)}`)
            .join('&');
          const { method, url } = {
            token: { method: 'GET', url: `/link/${enc(token)}` },
            page: { method: 'GET', url: `/link?${qs}` },
            authorize: { method: 'POST', url: '/link/authorize' },
            submit: { method: 'POST', url: '/link/submit' },
            cancel: { method: 'POST', url: '/link/cancel' },
            callback: { method: 'GET', url: `/api/v3.1/toolkits/auth/callback?${qs}` },
            unknown: { method: 'GET', url: `/link/${enc(token)}/${enc(token)}` },
          }[route] as { method: 'GET' | 'POST'; url: string };
          const headers: Record<string, string> = withCookie ? { cookie: `authlink_link=${cookie}` } : {};
          const opts: InjectOptions = { method, url, headers };
          if (method === 'POST') {
            const b = body ?? { ct: 'application/x-www-form-urlencoded', payload: 'csrf=forged' };
            headers['content-type'] = b.ct;
            opts.payload = b.payload;
          }
          const label = `${method} ${url.slice(0, 120)} cookie=${withCookie ? cookie.slice(0, 60) : '-'} body=${String(opts.payload ?? '').slice(0, 80)}`;
          const mark = await changes.mark();
          const res = await send(t, opts);
          if (route === 'page' && withCookie && cookie === realCookie) {
            assert.equal(res.statusCode, 200, `${label}: the page itself`); // the rightful browser, whatever the query says
            return;
          }
          assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${label}: ${res.statusCode} ${res.body.slice(0, 200)}`);
          assert.match(String(res.headers['content-type']), /^text\/html/, `${label}: HTML`);
          assert.match(String(res.headers['content-security-policy']), /default-src 'none'/, `${label}: CSP`);
          assert.equal(res.headers.location, undefined, `${label}: no redirect`);
          for (const v of [...Object.values(query), token])
            if (/[<>"']/.test(v)) assert.ok(!res.body.includes(v), `${label}: raw ${JSON.stringify(v)} in the page`);
          assert.deepEqual(await changes.since(mark), [], `${label}: changed the database`);
        },
      ),
      { seed: SEED, numRuns: RUNS_HOSTED_PAGE },
    );
  });

  test('a path with a malformed percent-encoding, or a path parameter over 100 characters -> 4xx in the envelope', async () => {
    for (const url of [
      '/api/v3.1/connected_accounts/%ED%A0%80',
      '/api/v3.1/connected_accounts/%zz',
      '/api/v3.1/auth_configs/%E0%A4%A',
      `/api/v3.1/toolkits/${'a'.repeat(101)}`,
      `/api/v3.1/connected_accounts/${'a'.repeat(300)}/status`,
    ]) {
      const res = await send(t, { method: 'GET', url, headers: { 'x-api-key': t.apiKey } });
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${url}: ${res.statusCode}`);
      assertEnvelope(res, url);
    }
    const page = await send(t, { method: 'GET', url: '/link/%ED%A0%80' });
    assert.equal(page.statusCode, 400);
    assert.match(String(page.headers['content-type']), /^text\/html/);
  });
  test('depth bombs where arbitrary JSON is accepted: 400 naming the body, nothing sent upstream, nothing written (issue #20, finding 6)', async () => {
    const ids = await seed();
    const bomb = (json: object) => JSON.stringify(json).replace(JSON.stringify(DEPTH_BOMB), DEPTH_BOMB_TEXT);
    const cases: Array<[string, string]> = [
      ['/api/v3.1/tools/execute/proxy', bomb({ connected_account_id: ids.account, endpoint: '/echo', method: 'POST', body: DEPTH_BOMB })],
      [
        `/api/v3.1/tool_router/session/${ids.session}/proxy_execute`,
        bomb({ toolkit_slug: 'echoapi', endpoint: '/echo', method: 'POST', body: { a: DEPTH_BOMB } }),
      ],
      ['/api/v3.1/connected_accounts/link', bomb({ auth_config_id: ids.authConfig, user_id: 'u', connection_data: { x: DEPTH_BOMB } })],
      [
        '/api/v3.1/connected_accounts',
        bomb({ auth_config: { id: ids.authConfig }, connection: { user_id: 'u', state: { authScheme: 'API_KEY', val: { api_key: DEPTH_BOMB } } } }),
      ],
    ];
    const seen = upstream.seen.length;
    for (const [url, payload] of cases) {
      const mark = await changes.mark();
      const res = await send(t, { method: 'POST', url, headers: { 'x-api-key': t.apiKey, 'content-type': 'application/json' }, payload });
      assert.equal(res.statusCode, 400, `${url}: ${res.body.slice(0, 300)}`);
      assertEnvelope(res, url);
      assert.deepEqual(JSON.parse(res.body).error.errors, ['body: nested deeper than 64 levels'], url);
      assert.deepEqual(await changes.since(mark), [], `${url}: nothing written`);
    }
    assert.equal(upstream.seen.length, seen, 'nothing reached the upstream');
  });

  test('a proxy call refused before anything is sent does not mark the account as used', async () => {
    const ids = await seed();
    await t.runtime.database.db.updateTable('connected_accounts').set({ last_used_at: null }).where('id', '=', ids.account).execute();
    const res = await api(t).post('/api/v3.1/tools/execute/proxy', { connected_account_id: ids.account, endpoint: '//evil.example/steal', method: 'GET' });
    assert.equal(res.status, 400);
    await new Promise((r) => setTimeout(r, 200));
    const row = await t.runtime.store.accounts.get(t.projectId, ids.account);
    assert.equal(row?.last_used_at, null);
  });
});

test('src/http frameworkErrors, once passed to Fastify(): bad percent-encodings and over-long path parameters get the envelope (API) or an HTML page (hosted page)', async () => {
  const app = Fastify({ frameworkErrors, genReqId: () => 'req_test' });
  installErrorHandling(app);
  app.get('/api/v3.1/things/:id', async () => ({ ok: true }));
  app.get('/link/:token', async () => 'page');
  await app.ready();
  try {
    for (const url of ['/api/v3.1/things/%ED%A0%80', '/api/v3.1/things/%zz', `/api/v3.1/things/${'a'.repeat(101)}`]) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 400, url);
      assertEnvelope({ statusCode: res.statusCode, headers: res.headers as Record<string, unknown>, body: res.body }, url);
      assert.ok(!res.body.includes('%ED') && !res.body.includes('aaaaaaaaaa'), 'the raw path is not echoed');
    }
    const page = await app.inject({ url: '/link/%zz' });
    assert.equal(page.statusCode, 400);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.match(String(page.headers['content-security-policy']), /default-src 'none'/);
  } finally {
    await app.close();
  }
});
