// Turning an upstream response into the proxy envelope: reading the body
// under a byte cap, undoing content-encoding (capped again: no decompression
// bomb), choosing JSON / text / base64, and filtering headers.
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { IncomingHttpHeaders } from 'node:http';
import { proxyError } from './errors.ts';
import { jsonDeeperThan, MAX_UPSTREAM_JSON_DEPTH } from '../json-depth.ts';

// RFC 9110 7.6.1 connection-specific headers, plus the ones that only make
// sense on one hop, and cookies (the caller's app is not the user's browser).
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'set-cookie',
  'set-cookie2',
]);

const headerText = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v.join(', ') : v);

/**
 * The upstream headers the caller gets: lower-cased, repeated ones joined by
 * ", ", without hop-by-hop ones (including those the Connection header names)
 * and set-cookie. With `decoded`, content-encoding and content-length are
 * dropped too: they describe bytes the caller does not get.
 */
export function responseHeaders(raw: IncomingHttpHeaders, decoded: boolean): Record<string, string> {
  const named = new Set(
    (headerText(raw.connection) ?? '')
      .split(',')
      .map((s) => s.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    const key = name.toLowerCase();
    if (HOP_BY_HOP.has(key) || named.has(key)) continue;
    if (decoded && (key === 'content-encoding' || key === 'content-length')) continue;
    const text = headerText(value);
    if (text !== undefined) out[key] = text;
  }
  return out;
}

export function tooLarge(limit: number) {
  return proxyError('tooLarge', `The provider's response is larger than the ${limit} byte limit`, {
    suggestedFix: 'Ask for less (pagination, fields, ranges); the operator can raise AUTHLINK_PROXY_MAX_RESPONSE_BYTES',
  });
}

/** Reads a body stream to the end, failing (and destroying it) past `limit` bytes. */
export async function readCapped(body: AsyncIterable<Buffer> & { destroy(err?: Error): unknown }, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      throw tooLarge(limit);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

type Decoder = (buf: Buffer, opts: zlib.ZlibOptions | zlib.BrotliOptions) => Promise<Buffer>;
const gunzip = promisify(zlib.gunzip) as Decoder;
const inflate = promisify(zlib.inflate) as Decoder;
const inflateRaw = promisify(zlib.inflateRaw) as Decoder;
const brotli = promisify(zlib.brotliDecompress) as Decoder;

/** The encodings authlink asks for (accept-encoding) and undoes. */
export const ACCEPT_ENCODING = 'gzip, deflate, br';

/**
 * Undoes content-encoding (gzip, deflate, br; identity). An encoding it does
 * not know leaves the body as sent, with `decoded: false` (it is then returned
 * as binary, content-encoding header kept).
 */
export async function decodeContent(buf: Buffer, contentEncoding: string | undefined, limit: number): Promise<{ body: Buffer; decoded: boolean }> {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s && s !== 'identity');
  if (!codings.length || !buf.length) return { body: buf, decoded: false };
  if (codings.some((c) => !['gzip', 'x-gzip', 'deflate', 'br'].includes(c))) return { body: buf, decoded: false };
  let body = buf;
  const opts = { maxOutputLength: Math.max(1, limit) };
  for (const coding of codings.reverse()) {
    try {
      if (coding === 'br') body = await brotli(body, opts);
      else if (coding === 'deflate')
        body = await inflate(body, opts).catch((e: NodeJS.ErrnoException) => (e.code === 'ERR_BUFFER_TOO_LARGE' ? Promise.reject(e) : inflateRaw(body, opts)));
      else body = await gunzip(body, opts);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(limit);
      throw proxyError('upstream', `The provider sent a ${coding} body that could not be decompressed`);
    }
  }
  if (body.length > limit) throw tooLarge(limit);
  return { body, decoded: true };
}

const mediaTypeOf = (contentType: string) => contentType.split(';')[0].trim().toLowerCase();

const TEXT_TYPES = new Set([
  'application/xml',
  'application/javascript',
  'application/ecmascript',
  'application/x-www-form-urlencoded',
  'application/graphql',
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
  'application/yaml',
  'application/x-yaml',
  'application/csv',
  'application/sql',
]);

function isJson(mt: string): boolean {
  return mt === 'application/json' || mt === 'text/json' || mt.endsWith('+json');
}

function isText(mt: string): boolean {
  return mt.startsWith('text/') || mt.endsWith('+xml') || TEXT_TYPES.has(mt);
}

function decodeText(buf: Buffer, contentType: string, fatal = false): string {
  const charset = /;\s*charset="?([^";\s]+)"?/i.exec(contentType)?.[1];
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset ?? 'utf-8', { fatal });
  } catch {
    decoder = new TextDecoder('utf-8', { fatal });
  }
  return decoder.decode(buf);
}

/** Parsed JSON, or the text itself when it does not parse or nests too deeply to be relayed as data. */
function parseJsonOr(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text);
    return jsonDeeperThan(value, MAX_UPSTREAM_JSON_DEPTH) ? text : value;
  } catch {
    return text;
  }
}

/**
 * data for the envelope: JSON for JSON media types (text when it does not
 * parse), text for text-like ones; anything else is binary (its bytes and
 * content type, for the caller to hand out as a download). Without
 * content-type, valid UTF-8 is treated as JSON-or-text. No body: null.
 */
export function bodyData(
  buf: Buffer,
  contentType: string | undefined,
  encodedAs?: string,
): { data: unknown; binary?: { content_type: string; bytes: Buffer } } {
  if (!buf.length) return { data: null };
  const ct = contentType ?? '';
  const mt = mediaTypeOf(ct);
  if (!encodedAs) {
    if (isJson(mt)) return { data: parseJsonOr(decodeText(buf, ct)) };
    if (isText(mt)) return { data: decodeText(buf, ct) };
    if (!mt) {
      try {
        return { data: parseJsonOr(decodeText(buf, ct, true)) };
      } catch {
        // not UTF-8: binary
      }
    }
  }
  return { data: null, binary: { content_type: ct || 'application/octet-stream', bytes: buf } };
}
