// {{name}} templates in toolkit files. Plain templates (header values) take
// values verbatim; URL templates check each value against where it lands, so
// a connection field (user input) can never change which host a request goes
// to or break out of its path segment.

export type TemplateVars = Record<string, string | undefined>;

/** Same syntax the JSON Schema enforces: lowercase snake_case, no spaces inside the braces. */
const PLACEHOLDER = /\{\{([a-z0-9_]+)\}\}/g;

export class TemplateError extends Error {
  constructor(
    readonly kind: 'missing' | 'unsafe',
    readonly names: string[],
    message: string,
  ) {
    super(message);
    this.name = 'TemplateError';
  }

  static missing(names: string[]): TemplateError {
    const list = names.map((n) => `{{${n}}}`).join(', ');
    return new TemplateError('missing', names, `No value for placeholder${names.length > 1 ? 's' : ''} ${list}`);
  }
}

/** Placeholder names in order of first appearance, without duplicates. */
export function placeholders(template: string): string[] {
  if (!template.includes('{{')) return [];
  return [...new Set(Array.from(template.matchAll(PLACEHOLDER), (m) => m[1]))];
}

/** Own, non-empty string values only: a name like "constructor" must not find Object.prototype's. */
export function lookup(vars: TemplateVars, name: string): string | undefined {
  const v = Object.hasOwn(vars, name) ? vars[name] : undefined;
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function assertAllPresent(template: string, vars: TemplateVars): void {
  const missing = placeholders(template).filter((n) => lookup(vars, n) === undefined);
  if (missing.length) throw TemplateError.missing(missing);
}

/** Replaces every {{name}} with vars[name]; a missing or empty value throws TemplateError('missing'). */
export function fillTemplate(template: string, vars: TemplateVars): string {
  assertAllPresent(template, vars);
  return template.replace(PLACEHOLDER, (_, name: string) => lookup(vars, name) as string);
}

export type UrlPart = 'host' | 'path' | 'query';

/**
 * Splits a URL template at the end of its authority and the start of its
 * query. Placeholders hold no '/', '?' or '#', so scanning the raw template
 * finds the same boundaries the filled URL will have.
 */
export function splitUrlTemplate(template: string): { prefix: string; host: string; path: string; query: string } {
  const m = /^(https?:\/\/)/i.exec(template);
  if (!m) throw new TemplateError('unsafe', [], 'URL template must start with http:// or https://');
  const prefix = m[1];
  const rest = template.slice(prefix.length);
  const hostEnd = rest.search(/[/?#]/);
  const host = hostEnd === -1 ? rest : rest.slice(0, hostEnd);
  const after = hostEnd === -1 ? '' : rest.slice(hostEnd);
  const q = after.indexOf('?');
  return { prefix, host, path: q === -1 ? after : after.slice(0, q), query: q === -1 ? '' : after.slice(q) };
}

// One DNS label: can't add dots, ports, credentials or another host.
const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
// Characters that would restructure a URL wherever they land. Backslash is a
// path separator for the WHATWG parser; control characters get stripped.
const URL_UNSAFE = /[/?#@:\\\s\u0000-\u001f\u007f]/;

function checkUrlValue(name: string, value: string, part: UrlPart): void {
  let why: string | undefined;
  if (URL_UNSAFE.test(value)) why = 'must not contain /, ?, #, @, :, \\, whitespace or control characters';
  else if (part === 'host' && !HOST_LABEL.test(value)) why = 'must be a single hostname label (letters, digits and inner hyphens, at most 63)';
  else if (part === 'path' && (value === '.' || value === '..')) why = 'must not be a relative path segment';
  // The value itself is never echoed: it may be user input, or a secret.
  if (why) throw new TemplateError('unsafe', [name], `Value for {{${name}}} in the URL ${part} ${why}`);
}

/**
 * Fills a URL template. Host values must be one DNS label and go in as-is;
 * path and query values are percent-encoded. Anything that could change the
 * URL's structure throws TemplateError('unsafe'); missing values throw
 * TemplateError('missing').
 */
export function fillUrlTemplate(template: string, vars: TemplateVars): string {
  assertAllPresent(template, vars);
  const { prefix, host, path, query } = splitUrlTemplate(template);
  const fill = (segment: string, part: UrlPart) =>
    segment.replace(PLACEHOLDER, (_, name: string) => {
      const value = lookup(vars, name) as string;
      checkUrlValue(name, value, part);
      return part === 'host' ? value : encodeURIComponent(value);
    });
  const url = prefix + fill(host, 'host') + fill(path, 'path') + fill(query, 'query');
  // Belt and braces: the result must still parse as an http(s) URL.
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TemplateError('unsafe', placeholders(template), 'Filled URL template is not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new TemplateError('unsafe', [], 'URL template must be http(s)');
  return url;
}
