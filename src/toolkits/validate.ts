// Checks one parsed toolkit file: the JSON Schema (docs/toolkit.schema.json)
// for shape, then the cross-field rules a schema cannot express. Every
// problem is returned, each with the JSON pointer of the offending value, so
// an operator can fix a file in one pass.
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { validateToolkitFile } from './schema.generated.ts';
import { placeholders, splitUrlTemplate } from './template.ts';
import { usesAccessToken } from './modes.ts';
import type { AuthMode } from './types.ts';

export interface Problem {
  path: string; // JSON pointer, "/" for the whole document
  message: string;
}

// docs/toolkit.schema.json compiled ahead of time (scripts/validators.ts): compiling it with Ajv at every start cost ~100 ms.
const fileShape = validateToolkitFile as unknown as ValidateFunction;

const esc = (s: string | number) => String(s).replace(/~/g, '~0').replace(/\//g, '~1');
const ptr = (...parts: (string | number)[]) => parts.map((p) => '/' + esc(p)).join('');
const show = (v: unknown) => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? s.slice(0, 77) + '...' : s;
};

// $defs whose description reads as "must be <description>".
const DESCRIBED_DEFS = ['urlTemplate', 'valueTemplate', 'httpUrl'];

function schemaProblem(e: ErrorObject): Problem | undefined {
  // Errors inside propertyNames repeat the propertyNames error with a vaguer message.
  if ((e as ErrorObject & { propertyName?: string }).propertyName !== undefined) return undefined;
  const at = e.instancePath || '';
  const p = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'if':
      return undefined; // the failing `then` branch reports the actual problem
    case 'required': {
      const name = String(p.missingProperty);
      // A settings block is required by the scheme's own mode (the object being checked).
      const mode = (e.data as { mode?: unknown } | undefined)?.mode;
      const when = name in BLOCK_MODES ? String(mode) : name === 'authorization_url' && at.endsWith('/oauth2') ? 'OAUTH2' : undefined;
      return { path: at + ptr(name), message: `is required${when ? ` when mode is ${when}` : ''}` };
    }
    case 'additionalProperties': {
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return { path: at + ptr(String(p.additionalProperty)), message: `unknown key (allowed: ${allowed.join(', ')})` };
    }
    case 'false schema': {
      const block = /\/(oauth2|oauth1|service_account)$/.exec(at)?.[1];
      if (block) return { path: at, message: `is only allowed when mode is ${BLOCK_MODES[block]}` };
      if (at.endsWith('/oauth2/authorization_url')) return { path: at, message: 'is not used with S2S_OAUTH2 (no person signs in): leave it out' };
      return {
        path: at,
        message: 'is not allowed here (header/query rules take name and value; basic rules take username and password; oauth1 rules take nothing else)',
      };
    }
    case 'const':
      if (at.endsWith('/oauth2/pkce')) return { path: at, message: 'must be false with S2S_OAUTH2 (PKCE belongs to the sign-in flow)' };
      return { path: at, message: e.message ?? e.keyword };
    case 'propertyNames':
      return {
        path: at + ptr(String(p.propertyName)),
        message: 'is not an allowed parameter name (authlink sets client_id, redirect_uri, response_type, state, scope and PKCE parameters itself)',
      };
    case 'enum':
      return { path: at, message: `must be one of ${(p.allowedValues as unknown[]).map(show).join(', ')} (got ${show(e.data)})` };
    case 'pattern': {
      const def = /^#\/\$defs\/(\w+)\/pattern$/.exec(e.schemaPath)?.[1];
      const desc = (e.parentSchema as { description?: string } | undefined)?.description;
      const what = def && DESCRIBED_DEFS.includes(def) && desc ? `must be ${desc}` : `must match ${String(p.pattern)}`;
      return { path: at, message: `${what} (got ${show(e.data)})` };
    }
    default:
      return { path: at, message: `${e.message ?? e.keyword}${e.keyword === 'format' ? ` (got ${show(e.data)})` : ''}` };
  }
}

/** The settings block each mode needs, and the modes that take it. */
const BLOCK_MODES: Record<string, string> = { oauth2: 'OAUTH2 or S2S_OAUTH2', oauth1: 'OAUTH1', service_account: 'GOOGLE_SERVICE_ACCOUNT' };
const MODE_BLOCK: Partial<Record<string, string>> = { OAUTH2: 'oauth2', S2S_OAUTH2: 'oauth2', OAUTH1: 'oauth1', GOOGLE_SERVICE_ACCOUNT: 'service_account' };
/** The URLs of each settings block, checked like base_url (and by `toolkits check`). */
export const BLOCK_URLS: Record<string, readonly string[]> = {
  oauth2: ['authorization_url', 'token_url', 'revocation_url', 'userinfo_url', 'issuer'],
  oauth1: ['request_token_url', 'authorization_url', 'access_token_url'],
  service_account: ['token_url'],
};
/** Credential values a scheme's apply rules may name besides its fields. */
const tokenNames = (mode: unknown): string[] => (usesAccessToken(mode as AuthMode) ? ['access_token'] : mode === 'OAUTH1' ? ['oauth_token'] : []);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
// After the last host placeholder there must be a fixed domain of at least two
// labels, else a field value could pick the whole registrable domain (or an
// internal single-label host) and send credentials there.
const HOST_SUFFIX = /^(\.[A-Za-z0-9-]+){2,}(:\d+)?$/;

/** Problems with a URL template: its shape, and whether each placeholder is allowed to feed it. */
function checkUrlTemplate(path: string, url: unknown, fieldsFor: (name: string) => string | undefined): Problem[] {
  if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) return []; // the schema reports it
  const out: Problem[] = [];
  const { host } = splitUrlTemplate(url);
  if (host.includes('@')) out.push({ path, message: 'must not hold credentials (user@host)' });
  if (placeholders(host).length) {
    const suffix = host.slice(host.lastIndexOf('}}') + 2);
    if (!HOST_SUFFIX.test(suffix)) {
      out.push({ path, message: 'a {{placeholder}} in the host must be followed by a fixed domain of at least two labels (e.g. {{subdomain}}.example.com)' });
    }
  }
  try {
    new URL(url.replace(/\{\{[a-z0-9_]+\}\}/g, 'x'));
  } catch {
    out.push({ path, message: `is not a valid URL (got ${show(url)})` });
  }
  for (const name of placeholders(url)) {
    const why = fieldsFor(name);
    if (why) out.push({ path, message: `placeholder {{${name}}} ${why}` });
  }
  return out;
}

interface SchemeFields {
  all: Set<string>;
  initiation: Map<string, boolean>; // name -> usable in a URL (required, or has a default)
}

function schemeFields(scheme: Obj, at: string, problems: Problem[]): SchemeFields {
  const all = new Set<string>();
  const initiation = new Map<string, boolean>();
  const seen = new Map<string, string>();
  const groups = isObj(scheme.fields) ? scheme.fields : {};
  for (const group of ['auth_config_creation', 'connected_account_initiation']) {
    const g = isObj(groups[group]) ? (groups[group] as Obj) : {};
    for (const kind of ['required', 'optional']) {
      arr(g[kind]).forEach((f, j) => {
        if (!isObj(f) || typeof f.name !== 'string') return;
        const path = at + ptr('fields', group, kind, j, 'name');
        const first = seen.get(f.name);
        if (first) problems.push({ path, message: `duplicate field name ${show(f.name)} (first at ${first})` });
        else seen.set(f.name, path);
        if (tokenNames(scheme.mode).includes(f.name)) {
          problems.push({ path, message: `${show(f.name)} is reserved for the token in ${String(scheme.mode)} schemes` });
        }
        all.add(f.name);
        if (group === 'connected_account_initiation') initiation.set(f.name, kind === 'required' || typeof f.default === 'string');
      });
    }
  }
  return { all, initiation };
}

function urlFieldRule(fields: SchemeFields, label: string) {
  return (name: string): string | undefined => {
    const usable = fields.initiation.get(name);
    if (usable === undefined) return `is not a connected_account_initiation field of ${label}`;
    if (!usable) return `names optional field ${show(name)} of ${label} with no default, so the URL could not be built`;
    return undefined;
  };
}

function checkApply(scheme: Obj, at: string, fields: SchemeFields, problems: Problem[]): void {
  const targets = new Map<string, string>();
  arr(scheme.apply).forEach((rule, k) => {
    if (!isObj(rule)) return;
    const path = at + ptr('apply', k);
    if (rule.in === 'oauth1' && scheme.mode !== 'OAUTH1') problems.push({ path: path + '/in', message: '"oauth1" signs requests of OAUTH1 schemes only' });
    if (!['header', 'query', 'basic', 'oauth1'].includes(rule.in as string)) return; // the schema reports it
    const target = rule.in === 'basic' ? 'header authorization' : `${String(rule.in)} ${String(rule.name).toLowerCase()}`;
    const first = targets.get(target);
    if (first) problems.push({ path, message: `sets the same ${target} as ${first}` });
    else targets.set(target, path);
    for (const key of ['value', 'username', 'password']) {
      if (typeof rule[key] !== 'string') continue;
      for (const name of placeholders(rule[key] as string)) {
        const tokens = tokenNames(scheme.mode);
        if (!fields.all.has(name) && !tokens.includes(name))
          problems.push({
            path: path + ptr(key),
            message: `placeholder {{${name}}} is not a field of this scheme${tokens.length ? ` nor ${tokens.join(', ')}` : ''}`,
          });
      }
    }
  });
}

function semanticProblems(doc: Obj): Problem[] {
  const problems: Problem[] = [];
  const schemes = arr(doc.auth_schemes);
  const perScheme: { label: string; fields: SchemeFields }[] = [];
  const modes = new Map<unknown, string>();

  schemes.forEach((scheme, i) => {
    if (!isObj(scheme)) return;
    const at = ptr('auth_schemes', i);
    const label = `auth_schemes/${i} (${String(scheme.mode)})`;
    if (modes.has(scheme.mode))
      problems.push({
        path: at + '/mode',
        message: `duplicate mode ${show(scheme.mode)} (first at ${modes.get(scheme.mode)}); only the first would ever be used`,
      });
    else modes.set(scheme.mode, at + '/mode');

    const needed = MODE_BLOCK[String(scheme.mode)];
    for (const block of Object.keys(BLOCK_MODES)) {
      if (block === needed && !isObj(scheme[block])) problems.push({ path: at + ptr(block), message: `is required when mode is ${String(scheme.mode)}` });
      if (block !== needed && scheme[block] !== undefined)
        problems.push({ path: at + ptr(block), message: `is only allowed when mode is ${BLOCK_MODES[block]}` });
    }

    const fields = schemeFields(scheme, at, problems);
    perScheme.push({ label, fields });
    for (const [block, urls] of Object.entries(BLOCK_URLS)) {
      const settings = scheme[block];
      if (!isObj(settings)) continue;
      for (const key of urls) problems.push(...checkUrlTemplate(at + ptr(block, key), settings[key], urlFieldRule(fields, 'this scheme')));
    }
    if (isObj(scheme.oauth2)) {
      const subject = scheme.oauth2.subject;
      if (isObj(subject) && subject.from === 'userinfo' && typeof scheme.oauth2.userinfo_url !== 'string') {
        problems.push({ path: at + ptr('oauth2', 'subject', 'from'), message: '"userinfo" needs oauth2.userinfo_url' });
      }
    }
    checkApply(scheme, at, fields, problems);
  });

  // Any scheme may be chosen, so base_url's placeholders must be collected by all of them.
  problems.push(
    ...checkUrlTemplate('/base_url', doc.base_url, (name) => {
      const why = perScheme.map((s) => urlFieldRule(s.fields, s.label)(name)).filter(Boolean);
      return why.length ? why.join('; ') : undefined;
    }),
  );
  return problems;
}

/** All problems with one parsed toolkit document; empty when it is valid. */
export function validateToolkit(doc: unknown): Problem[] {
  const problems: Problem[] = [];
  if (!fileShape(doc)) {
    for (const e of fileShape.errors ?? []) {
      const p = schemaProblem(e);
      if (p) problems.push(p);
    }
  }
  if (isObj(doc)) problems.push(...semanticProblems(doc));
  // The schema and the semantic pass may both see one mistake: report it once.
  const seen = new Set<string>();
  return problems
    .map((p) => ({ path: p.path || '/', message: p.message }))
    .filter((p) => {
      const key = `${p.path}\u0000${p.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}
