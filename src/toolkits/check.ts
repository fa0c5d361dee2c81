// `authlink toolkits check [dir]` (issue #17): everything start-up checks
// (validate.ts, and catalog.ts's one-slug-per-directory rule) plus rules that
// would cost start-up time or are about the catalog's quality rather than
// whether it can run: https only, endpoint hosts on the provider's domains,
// well-formed scopes, URL placeholders that can always be filled, a logo, and
// Composio-style slugs. docs/toolkits.md, "Checking a catalog", explains each.
// Needs no database and no configuration.
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { jsonFiles } from '../json-dir.ts';
import { BUILTIN_DIR } from './catalog.ts';
import { initials, toolkitLogo } from './logos.ts';
import { fillUrlTemplate, placeholders, splitUrlTemplate, TemplateError } from './template.ts';
import { BLOCK_URLS, validateToolkit } from './validate.ts';

export interface CheckProblem {
  file: string;
  /** JSON pointer into the file, "/" for the whole document. */
  pointer: string;
  message: string;
}

export interface CheckResult {
  dir: string;
  builtin: boolean;
  /** Slugs of the valid-enough toolkits found (those whose file has a string slug). */
  toolkits: string[];
  /** Of those, the ones that replace a built-in toolkit (operator directories only). */
  replaces: string[];
  problems: CheckProblem[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const esc = (s: string | number) => String(s).replace(/~/g, '~0').replace(/\//g, '~1');
const ptr = (...parts: (string | number)[]) => parts.map((p) => '/' + esc(p)).join('');
const show = (v: unknown) => JSON.stringify(v);

interface Problem {
  pointer: string;
  message: string;
}

// ---- hosts ---------------------------------------------------------------

// Second-level registries under a country code (example.co.uk, example.com.au):
// there the registrable domain is three labels. An approximation of the Public
// Suffix List that needs no dependency; it covers the registries providers use.
const SECOND_LEVEL = new Set(['co', 'com', 'org', 'net', 'ac', 'gov', 'edu', 'ne', 'or', 'go']);

/** The registrable domain of a host ("api.example.co.uk" -> "example.co.uk"); an IP address is its own. */
export function registrableDomain(host: string): string {
  const h = host
    .toLowerCase()
    .replace(/:\d+$/, '')
    .replace(/^\[|\]$/g, '');
  if (isIP(h)) return h;
  const labels = h.split('.');
  const n = labels.length >= 3 && labels[labels.length - 1].length === 2 && SECOND_LEVEL.has(labels[labels.length - 2]) ? 3 : 2;
  return labels.slice(-n).join('.');
}

/**
 * Sign-in domains a provider runs apart from its API and documentation
 * domains: an endpoint there is consistent with a toolkit whose base_url or
 * docs_url is on one of the listed domains. Each entry is the provider's own,
 * documented sign-in service (see docs/toolkit-evidence/ for the toolkits).
 */
export const SIGN_IN_DOMAINS: Readonly<Record<string, readonly string[]>> = {
  // Microsoft identity platform (login.microsoftonline.com): Graph, Azure DevOps, Dynamics 365.
  'microsoftonline.com': ['microsoft.com', 'azure.com', 'dynamics.com'],
  // 37signals Launchpad (launchpad.37signals.com), Basecamp's sign-in.
  '37signals.com': ['basecamp.com', 'basecampapi.com'],
  // LiveChat Accounts (accounts.livechat.com); the API is on livechatinc.com, the docs on text.com (the company's name).
  'livechat.com': ['livechatinc.com', 'text.com'],
  // Sage's sign-in (www.sageone.com/oauth2/auth/central) for Sage Accounting.
  'sageone.com': ['sage.com'],
  // Zoho Accounts (accounts.zoho.com) for every Zoho app's API on zohoapis.com.
  'zoho.com': ['zohoapis.com', 'bigin.com'],
};

// Documentation platforms anyone can publish on: a docs_url there names no provider domain.
const SHARED_DOCS_DOMAINS = new Set(['github.com', 'github.io', 'gitlab.io', 'readme.io', 'gitbook.io', 'notion.site']);

/** A scheme's provider endpoints (its oauth2, oauth1 or service_account block), with their pointers. */
function endpoints(scheme: unknown, i: number): [string, unknown][] {
  if (!isObj(scheme)) return [];
  const out: [string, unknown][] = [];
  for (const [block, keys] of Object.entries(BLOCK_URLS)) {
    const settings = scheme[block];
    if (isObj(settings)) for (const key of keys) if (settings[key] !== undefined) out.push([ptr('auth_schemes', i, block, key), settings[key]]);
  }
  return out;
}

function hostOf(url: unknown): string | undefined {
  if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) return undefined;
  return splitUrlTemplate(url).host;
}

/** Problems with the hosts credentials go to: fixed registrable domains, and endpoints on the provider's domains. */
function hostProblems(doc: Obj): Problem[] {
  const out: Problem[] = [];
  const provider = new Map<string, string>(); // registrable domain -> where it comes from
  for (const key of ['base_url', 'docs_url'] as const) {
    const host = hostOf(doc[key]);
    const domain = host && registrableDomain(host);
    if (domain && !provider.has(domain) && !(key === 'docs_url' && SHARED_DOCS_DOMAINS.has(domain))) provider.set(domain, key);
  }
  const fixedDomain = (pointer: string, host: string) => {
    const domain = registrableDomain(host);
    if (placeholders(domain).length) {
      out.push({
        pointer,
        message: `the host's registrable domain ${domain} holds a placeholder: a connection could pick the site its credentials go to (put the placeholder in front of the provider's own domain, e.g. {{subdomain}}.example.co.uk)`,
      });
      return false;
    }
    return true;
  };
  const base = hostOf(doc.base_url);
  if (base) fixedDomain('/base_url', base);
  arr(doc.auth_schemes).forEach((scheme, i) => {
    for (const [pointer, url] of endpoints(scheme, i)) {
      const host = hostOf(url);
      if (!host || !fixedDomain(pointer, host)) continue;
      const domain = registrableDomain(host);
      if (provider.has(domain)) continue;
      if ((SIGN_IN_DOMAINS[domain] ?? []).some((d) => provider.has(d))) continue;
      const known = [...provider].map(([d, from]) => `${d} (${from})`).join(', ');
      out.push({
        pointer,
        message: `host ${host.toLowerCase()} is not on the provider's domains (${known || 'none'}): an OAuth endpoint must share a registrable domain with base_url or docs_url, or be a sign-in domain src/toolkits/check.ts lists for one of them`,
      });
    }
  });
  return out;
}

// ---- https ---------------------------------------------------------------

/** Every URL of the file, with its pointer. */
function urls(doc: Obj): [string, unknown][] {
  const out: [string, unknown][] = [
    ['/base_url', doc.base_url],
    ['/docs_url', doc.docs_url],
  ];
  if (doc.logo !== undefined) out.push(['/logo', doc.logo]);
  arr(doc.auth_schemes).forEach((scheme, i) => {
    out.push(...endpoints(scheme, i));
    if (!isObj(scheme) || !isObj(scheme.oauth2)) return;
    const subject = scheme.oauth2.subject;
    if (isObj(subject) && subject.docs_url !== undefined) out.push([ptr('auth_schemes', i, 'oauth2', 'subject', 'docs_url'), subject.docs_url]);
  });
  return out;
}

function httpsProblems(doc: Obj): Problem[] {
  return urls(doc)
    .filter(([, url]) => typeof url === 'string' && /^http:\/\//i.test(url))
    .map(([pointer, url]) => ({ pointer, message: `must be https:// (got ${show(url)}): credentials, tokens and the pages users are sent to travel over it` }));
}

// ---- scopes --------------------------------------------------------------

// RFC 6749 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

function scopeProblems(doc: Obj): Problem[] {
  const out: Problem[] = [];
  arr(doc.auth_schemes).forEach((scheme, i) => {
    // The blocks that request scopes: oauth2 (OAUTH2, S2S_OAUTH2) and service_account.
    const block = !isObj(scheme) ? undefined : isObj(scheme.oauth2) ? 'oauth2' : isObj(scheme.service_account) ? 'service_account' : undefined;
    if (!block || !isObj(scheme)) return;
    const settings = scheme[block] as Obj;
    const sep = settings.scope_separator;
    const at = ptr('auth_schemes', i, block);
    if (typeof sep === 'string' && /[\p{L}\p{N}_]/u.test(sep)) {
      out.push({
        pointer: `${at}/scope_separator`,
        message: `${show(sep)} holds a letter, digit or underscore, which scopes are made of: use " " or "," as the provider documents`,
      });
    }
    arr(settings.default_scopes).forEach((scope, j) => {
      if (typeof scope !== 'string' || scope === '') return; // the schema reports it
      const pointer = `${at}/default_scopes/${j}`;
      // Whitespace and commas are the schema's; what is left of RFC 6749's alphabet is checked here.
      if (!/[\s,]/.test(scope) && !SCOPE_TOKEN.test(scope)) {
        out.push({
          pointer,
          message: `${show(scope)} has a character RFC 6749 (3.3) does not allow in a scope: " or \\, a control character or a non-ASCII one`,
        });
      }
      const separator = typeof sep === 'string' ? sep.trim() : '';
      if (separator && separator !== ',' && scope.includes(separator)) {
        out.push({ pointer, message: `${show(scope)} contains the scope separator ${show(sep)}: the authorization URL would split it in two` });
      }
    });
  });
  return out;
}

// ---- URL placeholders ----------------------------------------------------

/** A scheme's connected_account_initiation fields by name, with whether each is required. */
function initiationFields(scheme: Obj): Map<string, { field: Obj; required: boolean }> {
  const fields = new Map<string, { field: Obj; required: boolean }>();
  const group = isObj(scheme.fields) && isObj(scheme.fields.connected_account_initiation) ? scheme.fields.connected_account_initiation : {};
  for (const kind of ['required', 'optional']) {
    for (const f of arr(group[kind])) if (isObj(f) && typeof f.name === 'string') fields.set(f.name, { field: f, required: kind === 'required' });
  }
  return fields;
}

/**
 * validate.ts already requires every URL placeholder to be a required
 * initiation field or one with a default. Here: such a field must not be a
 * secret (URLs are logged, and hosts go to DNS in clear), and a default must
 * be able to fill the URL (fillUrlTemplate's rules: one host label, no / ? #
 * @ :), else every connection relying on it would fail.
 */
function placeholderProblems(doc: Obj): Problem[] {
  const out: Problem[] = [];
  const schemes = arr(doc.auth_schemes).filter(isObj);
  const check = (pointer: string, template: unknown, scheme: Obj, label: string) => {
    if (typeof template !== 'string' || !/^https?:\/\//i.test(template)) return;
    const fields = initiationFields(scheme);
    const vars: Record<string, string> = {};
    const defaulted: string[] = [];
    for (const name of placeholders(template)) {
      const f = fields.get(name);
      if (!f) return; // validate.ts reports it
      if (f.field.secret === true) {
        out.push({
          pointer,
          message: `placeholder {{${name}}} names secret field ${show(name)} of ${label}: URLs are logged and hosts resolved in clear, so a secret belongs in an apply rule`,
        });
      }
      if (f.required) vars[name] = 'x';
      else if (typeof f.field.default === 'string') {
        vars[name] = f.field.default;
        defaulted.push(name);
      } else return; // validate.ts reports it
    }
    if (!defaulted.length) return;
    try {
      fillUrlTemplate(template, vars);
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      out.push({ pointer, message: `the default of {{${defaulted.join('}}, {{')}}} in ${label} cannot fill this URL: ${e.message}` });
    }
  };
  schemes.forEach((scheme, i) => {
    const label = `auth_schemes/${i} (${String(scheme.mode)})`;
    check('/base_url', doc.base_url, scheme, label);
    for (const [pointer, url] of endpoints(scheme, i)) check(pointer, url, scheme, label);
  });
  // base_url is checked once per scheme: keep each problem once.
  const seen = new Set<string>();
  return out.filter((p) => !seen.has(p.pointer + p.message) && seen.add(p.pointer + p.message));
}

// ---- slug and logo -------------------------------------------------------

// Composio's toolkit slugs are lowercase words joined by single underscores
// (github, google_maps, microsoft_teams); `composio` is the session meta
// tools' toolkit (COMPOSIO_SEARCH_TOOLS ...).
const COMPOSIO_SLUG = /^[a-z][a-z0-9]*(_[a-z0-9]+)*$/;
const RESERVED_SLUGS = new Set(['composio']);

function slugProblems(doc: Obj): Problem[] {
  const slug = doc.slug;
  if (typeof slug !== 'string' || !/^[a-z0-9_]+$/.test(slug)) return []; // the schema reports it
  if (RESERVED_SLUGS.has(slug)) return [{ pointer: '/slug', message: `${show(slug)} is reserved: it is the toolkit of the session meta tools (COMPOSIO_*)` }];
  if (!COMPOSIO_SLUG.test(slug)) {
    return [
      {
        pointer: '/slug',
        message: `${show(slug)} is not a Composio-style slug: lowercase words of letters and digits joined by single underscores, starting with a letter (e.g. google_maps)`,
      },
    ];
  }
  return [];
}

function logoProblems(doc: Obj, builtin: boolean): Problem[] {
  const out: Problem[] = [];
  const slug = typeof doc.slug === 'string' ? doc.slug : '';
  const bundled = toolkitLogo(slug);
  if (typeof doc.icon === 'string') {
    if (builtin && bundled?.icon !== doc.icon) {
      out.push({ pointer: '/icon', message: `${show(doc.icon)} is not this toolkit's logo in src/toolkits/logos.generated.json: run npm run logos` });
    } else if (!builtin && bundled?.icon !== doc.icon) {
      out.push({
        pointer: '/icon',
        message: `${show(doc.icon)} has no effect: only the built-ins' Simple Icons logos are bundled (npm run logos), so this toolkit gets ${bundled ? `the built-in ${slug}'s logo` : 'the generated initials tile'}; set logo to an https URL, or leave icon out`,
      });
    }
  }
  if (!bundled && typeof doc.logo !== 'string' && typeof doc.name === 'string' && initials(doc.name) === '?') {
    out.push({ pointer: '/name', message: `${show(doc.name)} has no letter or digit, so its generated logo would read "?": name the toolkit, or set logo` });
  }
  return out;
}

// ---- the directory -------------------------------------------------------

/** The rules beyond start-up's for one parsed toolkit file. */
export function extraProblems(doc: unknown, builtin: boolean): Problem[] {
  if (!isObj(doc)) return [];
  return [...slugProblems(doc), ...httpsProblems(doc), ...hostProblems(doc), ...scopeProblems(doc), ...placeholderProblems(doc), ...logoProblems(doc, builtin)];
}

function builtinSlugs(): Set<string> {
  const slugs = new Set<string>();
  for (const file of jsonFiles(BUILTIN_DIR, [], 'toolkit')) {
    try {
      const slug = (JSON.parse(readFileSync(file, 'utf8')) as { slug?: unknown }).slug;
      if (typeof slug === 'string') slugs.add(slug);
    } catch {
      // a broken built-in is reported when the built-ins are checked
    }
  }
  return slugs;
}

/**
 * Checks a directory of toolkit files as authlink would load it: the built-in
 * catalog when `dir` is undefined, else an operator's AUTHLINK_TOOLKITS_DIR
 * (loaded over the built-ins: replacing one is fine, two files with one slug
 * are not). `asBuiltin` applies the built-ins' own rules (file named after
 * the slug, `icon` in logos.generated.json) to another directory: tests, or a
 * built-in being written. Problems come in file order, then in rule order.
 */
export function checkToolkitDir(dir?: string, asBuiltin = dir === undefined): CheckResult {
  const builtin = asBuiltin;
  const root = dir ?? BUILTIN_DIR;
  const problems: CheckProblem[] = [];
  const listing: string[] = [];
  const files = jsonFiles(root, listing, 'toolkit');
  for (const line of listing) {
    const at = line.indexOf(': /: ');
    problems.push({ file: line.slice(0, at), pointer: '/', message: line.slice(at + 5) });
  }
  const fileOf = new Map<string, string>();
  const builtins = builtin ? new Set<string>() : builtinSlugs();
  const replaces: string[] = [];
  for (const file of files) {
    let text: string;
    let doc: unknown;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      problems.push({ file, pointer: '/', message: `cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
      continue;
    }
    try {
      doc = JSON.parse(text);
    } catch (e) {
      problems.push({ file, pointer: '/', message: `not valid JSON: ${(e as Error).message}` });
      continue;
    }
    const found: Problem[] = validateToolkit(doc).map((p) => ({ pointer: p.path, message: p.message }));
    const slug = isObj(doc) ? doc.slug : undefined;
    if (typeof slug === 'string') {
      const first = fileOf.get(slug);
      // Same words as start-up (catalog.ts).
      if (first) found.push({ pointer: '/slug', message: `slug ${show(slug)} is already defined by ${first}` });
      else {
        fileOf.set(slug, file);
        if (builtins.has(slug)) replaces.push(slug);
      }
      if (builtin && path.basename(file) !== `${slug}.json`)
        found.push({ pointer: '/slug', message: `a built-in's file is named after its slug: rename ${path.basename(file)} to ${slug}.json` });
    }
    found.push(...extraProblems(doc, builtin));
    for (const p of found) problems.push({ file, pointer: p.pointer || '/', message: p.message });
  }
  return { dir: root, builtin, toolkits: [...fileOf.keys()], replaces, problems };
}
