import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { ApiError } from '../../src/errors.ts';
import {
  addressPolicy,
  assertLiteralHostAllowed,
  classifyAddress,
  embeddedIPv4,
  ForbiddenAddressError,
  guardedLookup,
  refusal,
  resolveTarget,
} from '../../src/proxy/ssrf.ts';
import { ProxyError } from '../../src/proxy/errors.ts';

test('classifyAddress: IPv4 ranges', () => {
  const cases: Array<[string, string | undefined]> = [
    ['8.8.8.8', undefined],
    ['1.1.1.1', undefined],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', undefined],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared (CGNAT)'],
    ['100.127.255.255', 'shared (CGNAT)'],
    ['100.128.0.1', undefined],
    ['169.254.169.254', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.10', 'reserved'],
  ];
  for (const [ip, want] of cases) assert.equal(classifyAddress(ip), want, ip);
});

test('classifyAddress: IPv6 ranges, zone ids and embedded IPv4', () => {
  const cases: Array<[string, string | undefined]> = [
    ['2606:4700:4700::1111', undefined],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['fd00:ec2::254', 'private'],
    ['fc00::1', 'private'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:8.8.8.8', undefined],
    ['::127.0.0.1', 'loopback'],
    ['64:ff9b::a00:1', 'private'], // NAT64 of 10.0.0.1
    ['64:ff9b::808:808', undefined],
    ['2002:c0a8:101::1', 'private'], // 6to4 of 192.168.1.1
    ['not-an-ip', 'invalid'],
  ];
  for (const [ip, want] of cases) assert.equal(classifyAddress(ip), want, ip);
  assert.equal(embeddedIPv4('::ffff:7f00:1'), '127.0.0.1');
  assert.equal(embeddedIPv4('0:0:0:0:0:ffff:a9fe:a9fe'), '169.254.169.254');
  assert.equal(embeddedIPv4('2606:4700::1'), undefined);
});

test('addressPolicy: false, true, and lists of IPs, ranges and host names', () => {
  const none = addressPolicy(false);
  assert.equal(refusal('127.0.0.1', 'localhost', none), 'loopback');
  assert.equal(refusal('8.8.8.8', 'dns.google', none), undefined);
  assert.equal(refusal('10.0.0.1', 'x', addressPolicy(true)), undefined);

  const list = addressPolicy(['127.0.0.1', '10.1.0.0/16', 'Jira.Internal.', ' ']);
  assert.equal(refusal('127.0.0.1', 'localhost', list), undefined);
  assert.equal(refusal('::ffff:127.0.0.1', 'localhost', list), undefined, 'mapped form of an allowed IPv4');
  assert.equal(refusal('127.0.0.2', 'localhost', list), 'loopback');
  assert.equal(refusal('::1', 'localhost', list), 'loopback');
  assert.equal(refusal('10.1.200.3', 'a', list), undefined);
  assert.equal(refusal('10.2.0.1', 'a', list), 'private');
  assert.equal(refusal('192.168.5.5', 'jira.internal', list), undefined, 'allowed by host name');

  assert.throws(() => addressPolicy(['10.0.0.0/33']), /not a valid CIDR/);
  assert.throws(() => addressPolicy(['nope/8']), /not a valid CIDR/);
});

function lookupWith(policy: ReturnType<typeof addressPolicy>, answer: LookupAddress[]) {
  const seen: string[] = [];
  const lookup = guardedLookup(policy, async (host) => {
    seen.push(host);
    return answer;
  });
  const call = (all: boolean) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address: unknown; family?: number }>((resolve) => {
      lookup('api.example.test', { all }, (err, address, family) => resolve({ err, address, family }));
    });
  return { seen, call };
}

test('guardedLookup: one resolution, refused addresses dropped, only checked ones reach the socket', async () => {
  const mixed = lookupWith(addressPolicy(false), [
    { address: '10.0.0.5', family: 4 },
    { address: '93.184.216.34', family: 4 },
    { address: '::1', family: 6 },
  ]);
  const all = await mixed.call(true);
  assert.equal(all.err, null);
  assert.deepEqual(all.address, [{ address: '93.184.216.34', family: 4 }]);
  const one = await mixed.call(false);
  assert.equal(one.address, '93.184.216.34');
  assert.equal(one.family, 4);
  assert.deepEqual(mixed.seen, ['api.example.test', 'api.example.test'], 'one resolution per connection');

  const onlyPrivate = lookupWith(addressPolicy(false), [
    { address: '169.254.169.254', family: 4 },
    { address: '127.0.0.1', family: 4 },
  ]);
  const refused = await onlyPrivate.call(true);
  assert.ok(refused.err instanceof ForbiddenAddressError);
  assert.match(refused.err.message, /api\.example\.test/);
  assert.match(refused.err.message, /resolves only to link-local and loopback addresses/);
  assert.doesNotMatch(refused.err.message, /169\.254|127\.0/, 'no internal address in the message');

  const allowed = lookupWith(addressPolicy(['127.0.0.1']), [
    { address: '::1', family: 6 },
    { address: '127.0.0.1', family: 4 },
  ]);
  assert.deepEqual((await allowed.call(true)).address, [{ address: '127.0.0.1', family: 4 }]);

  const empty = await lookupWith(addressPolicy(false), []).call(true);
  assert.equal(empty.err?.code, 'ENOTFOUND');
});

test('assertLiteralHostAllowed: IP literals (v4, v6, mapped, decimal) are checked before any request', () => {
  const none = addressPolicy(false);
  for (const url of [
    'http://127.0.0.1:8080/x',
    'http://[::1]/x',
    'http://[::ffff:127.0.0.1]/',
    'http://2130706433/',
    'http://0x7f.1/',
    'http://169.254.169.254/latest/meta-data',
    'http://0.0.0.0/',
  ]) {
    assert.throws(
      () => assertLiteralHostAllowed(new URL(url), none),
      (e: unknown) => e instanceof ProxyError && e.kind === 'target' && /Refusing to connect/.test(e.message),
      url,
    );
  }
  assert.doesNotThrow(() => assertLiteralHostAllowed(new URL('http://8.8.8.8/'), none));
  assert.doesNotThrow(() => assertLiteralHostAllowed(new URL('http://api.example.com/'), none), 'names are checked at connect time');
  assert.doesNotThrow(() => assertLiteralHostAllowed(new URL('http://127.0.0.1:8080/x'), addressPolicy(['127.0.0.1'])));
});

test('resolveTarget: joins relative endpoints under the base path', () => {
  const base = 'https://acme.zendesk.com/api/v2';
  const t = (e: string, b = base) => resolveTarget(b, e).href;
  assert.equal(t('/tickets.json'), 'https://acme.zendesk.com/api/v2/tickets.json');
  assert.equal(t('tickets.json'), 'https://acme.zendesk.com/api/v2/tickets.json');
  assert.equal(t('/tickets.json?page=2&per_page=5#frag'), 'https://acme.zendesk.com/api/v2/tickets.json?page=2&per_page=5');
  assert.equal(t('/api/v2/tickets.json'), 'https://acme.zendesk.com/api/v2/tickets.json', 'base path not doubled');
  assert.equal(t('/api/v20/x'), 'https://acme.zendesk.com/api/v2/api/v20/x', 'prefix only on a segment boundary');
  assert.equal(t('/users/a@b.com'), 'https://acme.zendesk.com/api/v2/users/a@b.com');
  assert.equal(t('/user', 'https://api.github.com'), 'https://api.github.com/user');
  assert.equal(t('/', 'https://api.github.com/'), 'https://api.github.com/');
  assert.equal(t('https://acme.zendesk.com/api/v2/tickets.json?page=3'), 'https://acme.zendesk.com/api/v2/tickets.json?page=3', 'full URL on the same origin');
  assert.equal(t('HTTPS://ACME.zendesk.com:443/api/v2/x'), 'https://acme.zendesk.com/api/v2/x');
  assert.equal(t('/x?b=2', 'https://h.example/api?format=json'), 'https://h.example/api/x?b=2&format=json', 'base query kept');
  assert.equal(t('/x?format=xml', 'https://h.example/api?format=json'), 'https://h.example/api/x?format=xml', 'endpoint query wins');
});

test('resolveTarget: refuses other origins, protocol-relative, dot segments, user info, backslashes', () => {
  const base = 'https://api.example.com/v1';
  const refused: Array<[string, RegExp]> = [
    ['https://evil.example/x', /must be on https:\/\/api\.example\.com/],
    ['http://api.example.com/v1/x', /must be on https:\/\/api\.example\.com/],
    ['https://api.example.com:8443/v1/x', /must be on/],
    ['https://api.example.com.evil.example/v1', /must be on/],
    ['https://api.example.com@evil.example/x', /user info|must be on/],
    ['https://user:pw@api.example.com/v1/x', /user info/],
    ['//evil.example/x', /protocol-relative/],
    ['///evil.example/x', /protocol-relative/],
    ['/../admin', /"\." or "\.\." path segments/],
    ['/a/../../admin', /path segments/],
    ['/a/%2e%2e/%2E%2e/admin', /path segments/],
    ['/a/..%2fadmin', /path segments/],
    ['/a/..;/admin', /path segments/],
    ['/./x', /path segments/],
    ['..', /path segments/],
    ['https://api.example.com/v1/../../x', /path segments/],
    ['\\\\evil.example\\x', /backslashes/],
    ['/x\r\nHost: evil', /control characters/],
    ['/x\ty', /control characters/],
    [' /x', /whitespace/],
    ['javascript:alert(1)', /path or an http\(s\) URL/],
    ['file:///etc/passwd', /path or an http\(s\) URL/],
  ];
  for (const [endpoint, message] of refused) {
    assert.throws(
      () => resolveTarget(base, endpoint),
      (e: unknown) => e instanceof ApiError && e.status === 400 && e instanceof ProxyError && e.kind === 'endpoint' && message.test(e.message),
      JSON.stringify(endpoint),
    );
  }
});
