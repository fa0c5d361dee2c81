import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentSecurityPolicy, cspOrigin, securityHeaders } from '../../src/views/csp.ts';

const BASE = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'";
const TAIL = "frame-ancestors 'none'; base-uri 'none'";

test('CSP without extra form actions', () => {
  assert.equal(
    contentSecurityPolicy({ formActions: [] }),
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  );
});

test('CSP form-action lists origins only, deduplicated, in order', () => {
  const csp = contentSecurityPolicy({
    formActions: [
      'https://github.com/login/oauth/authorize?client_id=abc&scope=repo%20user&state=x',
      'https://app.acme.example:8443/oauth/callback?next=/home',
      'https://github.com/another/path',
      'HTTPS://GitHub.COM:443/x',
      'http://localhost:3000/cb',
    ],
  });
  assert.equal(csp, `${BASE} https://github.com https://app.acme.example:8443 http://localhost:3000; ${TAIL}`);
});

test('CSP skips URLs that are not plain http(s) origins', () => {
  const csp = contentSecurityPolicy({
    formActions: [
      'javascript:alert(1)',
      'data:text/html,x',
      'myapp://callback',
      'not a url',
      '/relative/path',
      'https://a;b.example/',
      "https://evil.example;script-src 'unsafe-inline'",
      'https://a,b.example/',
      'https://[::1]:8080/',
      '',
    ],
  });
  assert.equal(csp, `${BASE}; ${TAIL}`);
});

test('cspOrigin', () => {
  assert.equal(cspOrigin('https://accounts.google.com/o/oauth2/v2/auth?x=1'), 'https://accounts.google.com');
  assert.equal(cspOrigin('https://bücher.example/'), 'https://xn--bcher-kva.example');
  assert.equal(cspOrigin('https://user:pw@host.example/'), 'https://host.example');
  assert.equal(cspOrigin('ftp://host.example/'), null);
});

test('securityHeaders', () => {
  const csp = contentSecurityPolicy({ formActions: [] });
  assert.deepEqual(securityHeaders(csp), {
    'content-security-policy': csp,
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
  });
});
