// Where a proxied request may go. Two checks:
//
// 1. resolveTarget: the URL must be on the toolkit's base origin (scheme, host
//    and port of the filled base_url). A relative endpoint is joined under the
//    base path; no "." / ".." segment (raw or percent-encoded) is accepted, nor
//    protocol-relative URLs, user info, backslashes or control characters.
// 2. Addresses: the host must not be (or resolve to) a private, loopback,
//    link-local, CGNAT, unspecified, multicast or reserved address unless the
//    operator allowed it. The check runs inside the socket's own DNS lookup
//    (guardedLookup, installed in the undici connector), so the address that
//    was checked is the one connected to: DNS rebinding has no second lookup
//    to swap. IP literals never reach a lookup, so assertLiteralHostAllowed
//    checks them before the request is sent.
import dns from 'node:dns';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { proxyError } from './errors.ts';

// ---------------------------------------------------------------------------
// Address classification

type Family = 'ipv4' | 'ipv6';

const RANGES: Array<[reason: string, family: Family, network: string, prefix: number]> = [
  ['unspecified', 'ipv4', '0.0.0.0', 8],
  ['unspecified', 'ipv6', '::', 128],
  ['loopback', 'ipv4', '127.0.0.0', 8],
  ['loopback', 'ipv6', '::1', 128],
  ['private', 'ipv4', '10.0.0.0', 8],
  ['private', 'ipv4', '172.16.0.0', 12],
  ['private', 'ipv4', '192.168.0.0', 16],
  ['private', 'ipv6', 'fc00::', 7],
  ['shared (CGNAT)', 'ipv4', '100.64.0.0', 10],
  ['link-local', 'ipv4', '169.254.0.0', 16], // includes 169.254.169.254, cloud metadata
  ['link-local', 'ipv6', 'fe80::', 10],
  ['multicast', 'ipv4', '224.0.0.0', 4],
  ['multicast', 'ipv6', 'ff00::', 8],
  ['reserved', 'ipv4', '192.0.0.0', 24],
  ['reserved', 'ipv4', '192.0.2.0', 24],
  ['reserved', 'ipv4', '198.18.0.0', 15],
  ['reserved', 'ipv4', '198.51.100.0', 24],
  ['reserved', 'ipv4', '203.0.113.0', 24],
  ['reserved', 'ipv4', '240.0.0.0', 4], // includes 255.255.255.255
  ['reserved', 'ipv6', '100::', 64],
  ['reserved', 'ipv6', '2001:db8::', 32],
  ['reserved', 'ipv6', 'fec0::', 10],
  ['reserved', 'ipv6', '64:ff9b:1::', 48],
];

const CATEGORIES: Array<[reason: string, list: BlockList]> = (() => {
  const byReason = new Map<string, BlockList>();
  for (const [reason, family, network, prefix] of RANGES) {
    let list = byReason.get(reason);
    if (!list) {
      list = new BlockList();
      byReason.set(reason, list);
    }
    list.addSubnet(network, prefix, family);
  }
  return [...byReason];
})();

/** Eight 16-bit groups of an IPv6 address (zone id dropped), or undefined. */
function ipv6Groups(ip: string): number[] | undefined {
  let s = ip.split('%')[0].toLowerCase();
  const tail: number[] = [];
  const dotted = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (dotted) {
    const o = dotted.slice(2, 6).map(Number);
    if (o.some((x) => x > 255)) return undefined;
    tail.push((o[0] << 8) | o[1], (o[2] << 8) | o[3]);
    s = dotted[1].endsWith('::') ? dotted[1] : dotted[1].slice(0, -1);
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)));
  const head = parse(halves[0]);
  const rest = halves.length === 2 ? parse(halves[1]) : [];
  const fill = 8 - tail.length - head.length - rest.length;
  if (fill < 0 || (halves.length === 1 && fill !== 0)) return undefined;
  const groups = [...head, ...new Array<number>(fill).fill(0), ...rest, ...tail];
  return groups.every((g) => Number.isInteger(g)) ? groups : undefined;
}

const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 0xff}.${lo >> 8}.${lo & 0xff}`;

/**
 * The IPv4 address an IPv6 one carries and would reach: IPv4-mapped
 * (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4
 * (2002:AABB:CCDD::/16).
 */
export function embeddedIPv4(ip: string): string | undefined {
  const g = ipv6Groups(ip);
  if (!g) return undefined;
  const zero = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zero(0, 5) && g[5] === 0xffff) return v4(g[6], g[7]);
  if (zero(0, 6) && (g[6] !== 0 || g[7] > 1)) return v4(g[6], g[7]);
  if (g[0] === 0x64 && g[1] === 0xff9b && zero(2, 6)) return v4(g[6], g[7]);
  if (g[0] === 0x2002) return v4(g[1], g[2]);
  return undefined;
}

// Addresses already classified: a proxied call to an IP-literal host checks its
// address on every request, and each BlockList check allocates (issue #18).
// Pure, so a bounded memo is safe; null stands for "public".
const classified = new Map<string, string | null>();
const MAX_CLASSIFIED = 1024;

/** Why an address is not a public unicast one ('loopback', 'private'...), or undefined when it is public. */
export function classifyAddress(ip: string): string | undefined {
  const known = classified.get(ip);
  if (known !== undefined) return known ?? undefined;
  const reason = classifyUncached(ip);
  if (classified.size >= MAX_CLASSIFIED) classified.delete(classified.keys().next().value!);
  classified.set(ip, reason ?? null);
  return reason;
}

function classifyUncached(ip: string): string | undefined {
  const family = isIP(ip.split('%')[0]);
  if (family === 0) return 'invalid';
  if (family === 6) {
    const inner = embeddedIPv4(ip);
    if (inner) return classifyAddress(inner);
  }
  const addr = ip.split('%')[0];
  const type: Family = family === 4 ? 'ipv4' : 'ipv6';
  for (const [reason, list] of CATEGORIES) if (list.check(addr, type)) return reason;
  return undefined;
}

// ---------------------------------------------------------------------------
// Operator policy (allowPrivateNetworks)

export interface AddressPolicy {
  allowAll: boolean;
  hosts: ReadonlySet<string>;
  addresses: BlockList;
}

const normalizeHost = (h: string) =>
  h
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');

/** true, false, or hosts / IPs / CIDR ranges ('127.0.0.1', '10.0.0.0/8', '::1', 'jira.internal'). Throws on a malformed range. */
export function addressPolicy(allow: boolean | readonly string[]): AddressPolicy {
  const addresses = new BlockList();
  const hosts = new Set<string>();
  if (typeof allow === 'boolean') return { allowAll: allow, hosts, addresses };
  for (const raw of allow) {
    const entry = normalizeHost(raw);
    if (!entry) continue;
    if (entry.includes('/')) {
      const [net, bits, extra] = entry.split('/');
      const family = isIP(net);
      const prefix = Number(bits);
      if (extra !== undefined || !family || !/^\d+$/.test(bits) || prefix > (family === 4 ? 32 : 128)) {
        throw new Error(`allowPrivateNetworks: "${raw}" is not a valid CIDR range (e.g. 10.0.0.0/8 or fd00::/8)`);
      }
      addresses.addSubnet(net, prefix, family === 4 ? 'ipv4' : 'ipv6');
    } else if (isIP(entry)) {
      addresses.addAddress(entry, isIP(entry) === 4 ? 'ipv4' : 'ipv6');
    } else {
      hosts.add(entry);
    }
  }
  return { allowAll: false, hosts, addresses };
}

function allowListed(ip: string, policy: AddressPolicy): boolean {
  const addr = ip.split('%')[0];
  const family = isIP(addr);
  if (family && policy.addresses.check(addr, family === 4 ? 'ipv4' : 'ipv6')) return true;
  const inner = family === 6 ? embeddedIPv4(addr) : undefined;
  return inner !== undefined && policy.addresses.check(inner, 'ipv4');
}

/** undefined when the policy lets `hostname` connect to `ip`, else the reason it may not. */
export function refusal(ip: string, hostname: string, policy: AddressPolicy): string | undefined {
  const reason = classifyAddress(ip);
  if (!reason || policy.allowAll) return undefined;
  if (policy.hosts.has(normalizeHost(hostname)) || allowListed(ip, policy)) return undefined;
  return reason;
}

/** Thrown (through the socket) when every address of a host is refused. Holds no address. */
export class ForbiddenAddressError extends Error {
  readonly code = 'AUTHLINK_FORBIDDEN_ADDRESS';
  constructor(
    readonly host: string,
    readonly reasons: string[],
  ) {
    super(`Refusing to connect to ${host}: it resolves only to ${describe(reasons)}`);
    this.name = 'ForbiddenAddressError';
  }
}

function describe(reasons: string[]): string {
  const list = [...new Set(reasons)];
  if (list.length === 1) return `${/^[aeiou]/.test(list[0]) ? 'an' : 'a'} ${list[0]} address`;
  return `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]} addresses`;
}

export const PRIVATE_TARGET_FIX =
  'Proxied calls only go to public addresses. If this toolkit really lives on a private network, the operator can allow its host, IP or range with AUTHLINK_PROXY_ALLOW_PRIVATE (comma-separated; 1 = all)';

/** IP-literal hosts never go through a DNS lookup: check them before sending. */
export function assertLiteralHostAllowed(url: URL, policy: AddressPolicy): void {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!isIP(host)) return;
  const reason = refusal(host, host, policy);
  if (reason)
    throw proxyError('target', `Refusing to connect to ${url.host}: it is ${/^[aeiou]/.test(reason) ? 'an' : 'a'} ${reason} address`, {
      suggestedFix: PRIVATE_TARGET_FIX,
    });
}

export type Resolver = (hostname: string, family: number) => Promise<dns.LookupAddress[]>;

const systemResolver: Resolver = (hostname, family) => dns.promises.lookup(hostname, { all: true, family: family as 0 | 4 | 6 });

/**
 * A net.connect `lookup`: resolves once (all addresses), drops the refused
 * ones and hands only the checked ones to the socket. When none is left the
 * connection fails with ForbiddenAddressError.
 */
export function guardedLookup(policy: AddressPolicy, resolve: Resolver = systemResolver): LookupFunction {
  return (hostname, options, callback) => {
    const family = typeof options.family === 'number' ? options.family : options.family === 'IPv6' ? 6 : options.family === 'IPv4' ? 4 : 0;
    resolve(hostname, family).then(
      (addresses) => {
        const reasons: string[] = [];
        const ok = addresses.filter((a) => {
          const why = refusal(a.address, hostname, policy);
          if (why) reasons.push(why);
          return !why;
        });
        if (!ok.length) {
          const err = addresses.length
            ? new ForbiddenAddressError(hostname, reasons)
            : Object.assign(new Error(`No address for ${hostname}`), { code: 'ENOTFOUND' });
          callback(err, '', 0);
        } else if (options.all) {
          callback(null, ok);
        } else {
          callback(null, ok[0].address, ok[0].family);
        }
      },
      (err: NodeJS.ErrnoException) => callback(err, '', 0),
    );
  };
}

/**
 * Before a call leaves through an egress proxy (an auth config's
 * proxy_config): the proxy resolves the target itself, so the socket's own
 * lookup cannot check it. Resolve it here and refuse when no address is
 * allowed. (The proxy may resolve again; the operator's network rules are the
 * backstop for a name that changes in between.)
 */
export async function assertHostAllowed(url: URL, policy: AddressPolicy, resolve: Resolver = systemResolver): Promise<void> {
  assertLiteralHostAllowed(url, policy);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) return;
  const lookup = guardedLookup(policy, resolve);
  await new Promise<void>((ok, fail) => lookup(host, { all: true }, (err) => (err ? fail(err) : ok())));
}

// ---------------------------------------------------------------------------
// Target URL

// Backslash is a path separator for the WHATWG parser; control characters
// (tab, CR, LF are silently dropped by it) and spaces at the ends are stripped.
const ENDPOINT_UNSAFE = /[\\\u0000-\u001f\u007f]/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

function refuse(message: string, origin: string): never {
  throw proxyError('endpoint', message, { suggestedFix: `Pass a path relative to the toolkit's base URL (e.g. /users/me), or a full URL on ${origin}` });
}

/** Raw path of an endpoint: without scheme and authority, query and fragment. */
function rawPath(endpoint: string, absolute: boolean): string {
  let s = endpoint.split('#')[0].split('?')[0];
  if (absolute) {
    s = s.replace(/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*/, '');
  }
  return s;
}

function hasDotSegment(path: string): boolean {
  // %2e is a dot to the WHATWG parser and to most servers; %2f / %5c may be
  // decoded into separators by the upstream; ";..." is a path parameter to some (Tomcat "..;/").
  const decoded = path.replace(/%2e/gi, '.').replace(/%2f|%5c/gi, '/');
  return decoded.split('/').some((seg) => {
    const s = seg.split(';')[0];
    return s === '.' || s === '..';
  });
}

/**
 * The URL a proxied call goes to. `baseUrl` is the toolkit's filled base_url.
 * A relative endpoint is appended to the base path (an endpoint that already
 * starts with the base path is not prefixed twice); a full http(s) URL must be
 * on the base origin. The base URL's query parameters are kept unless the
 * endpoint sets them. Throws ProxyError('endpoint').
 */
export function resolveTarget(baseUrl: string, endpoint: string): URL {
  const base = new URL(baseUrl);
  const origin = base.origin;
  if (endpoint !== endpoint.trim()) refuse('endpoint must not start or end with whitespace', origin);
  if (ENDPOINT_UNSAFE.test(endpoint)) refuse('endpoint must not contain backslashes or control characters', origin);
  if (endpoint.startsWith('//')) refuse(`endpoint must not be a protocol-relative URL (//host): pass a path, or a full URL on ${origin}`, origin);

  const absolute = SCHEME.test(endpoint);
  if (absolute && !/^https?:\/\//i.test(endpoint)) refuse('endpoint must be a path or an http(s) URL', origin);
  if (hasDotSegment(rawPath(endpoint, absolute))) refuse('endpoint must not contain "." or ".." path segments', origin);

  const basePath = base.pathname.replace(/\/+$/, '');
  let target: URL;
  if (absolute) {
    try {
      target = new URL(endpoint);
    } catch {
      refuse('endpoint is not a valid URL', origin);
    }
    if (target.username || target.password) refuse('endpoint must not contain user info (user:password@)', origin);
    if (target.origin !== origin) refuse(`endpoint must be on ${origin}, the base URL of this connected account's toolkit`, origin);
  } else {
    const noFragment = endpoint.split('#')[0];
    const q = noFragment.indexOf('?');
    let path = q === -1 ? noFragment : noFragment.slice(0, q);
    const query = q === -1 ? '' : noFragment.slice(q);
    if (!path.startsWith('/')) path = `/${path}`;
    if (!(basePath && (path === basePath || path.startsWith(`${basePath}/`)))) path = basePath + path;
    try {
      target = new URL(origin + path + query);
    } catch {
      refuse('endpoint is not a valid path', origin);
    }
  }
  // A full URL is confined like a path: under the base path (a templated base such as Jira's /ex/jira/{{cloud_id}}
  // is one tenant's; the same host's other paths are other tenants').
  const within = target.pathname === basePath || target.pathname.startsWith(`${basePath}/`) || basePath === '';
  if (target.origin !== origin || !within) refuse(`endpoint must stay under ${origin}${basePath || '/'}`, origin);
  for (const [name, value] of base.searchParams) {
    if (!target.searchParams.has(name)) appendQuery(target, name, value);
  }
  target.hash = '';
  return target;
}

/**
 * Adds name=value to the query without re-serializing what is there
 * (url.searchParams.append would re-encode the caller's query the
 * form-urlencoded way: "%20" → "+", "," → "%2C"...).
 */
export function appendQuery(url: URL, name: string, value: string): void {
  const pair = `${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
  url.search = url.search && url.search !== '?' ? `${url.search}&${pair}` : `?${pair}`;
}
