import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ConfigError, parseConfig } from '../../src/config.ts';

test('defaults need no configuration (embedded mode)', () => {
  const c = parseConfig({}, '/srv/app');
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.port, 3000);
  assert.equal(c.publicUrl, 'http://127.0.0.1:3000');
  assert.equal(c.dataDir, path.resolve('/srv/app', '.authlink'));
  assert.equal(c.databaseUrl, undefined);
  assert.equal(c.logLevel, 'info');
  assert.equal(c.linkTtlSeconds, 600);
  assert.equal(c.pgPreparedStatements, true);
});

test('AUTHLINK_PG_PREPARED_STATEMENTS turns named prepared statements off, and says so when malformed', () => {
  assert.equal(parseConfig({ AUTHLINK_PG_PREPARED_STATEMENTS: '0' }).pgPreparedStatements, false);
  assert.equal(parseConfig({ AUTHLINK_PG_PREPARED_STATEMENTS: '1' }).pgPreparedStatements, true);
  assert.throws(() => parseConfig({ AUTHLINK_PG_PREPARED_STATEMENTS: 'sometimes' }), /AUTHLINK_PG_PREPARED_STATEMENTS="sometimes" must be 1\/true or 0\/false/);
});

test('public URL follows HOST and PORT and drops a trailing slash when given', () => {
  assert.equal(parseConfig({ HOST: '0.0.0.0', PORT: '8080' }).publicUrl, 'http://0.0.0.0:8080');
  assert.equal(parseConfig({ AUTHLINK_PUBLIC_URL: 'https://auth.example.com/' }).publicUrl, 'https://auth.example.com');
});

test('every bad value is reported at once, each with how to fix it', () => {
  try {
    parseConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', AUTHLINK_PUBLIC_URL: 'ftp://x', DATABASE_URL: 'mysql://db', AUTHLINK_LINK_TTL_SECONDS: '999999' });
    assert.fail('expected ConfigError');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.equal(e.problems.length, 6);
    assert.match(e.message, /PORT="eighty" is not an integer between 0 and 65535/);
    assert.match(e.message, /LOG_LEVEL="loud" must be one of/);
    assert.match(e.message, /AUTHLINK_PUBLIC_URL="ftp:\/\/x" is not an absolute http\(s\) URL/);
    assert.match(e.message, /DATABASE_URL must start with postgres:\/\//);
    assert.match(e.message, /AUTHLINK_ENCRYPTION_KEY is required with DATABASE_URL: generate one with `openssl rand -base64 32`/);
    assert.match(e.message, /AUTHLINK_LINK_TTL_SECONDS="999999" is not an integer between 30 and 86400/);
  }
});

test('PostgreSQL mode refuses to start without an encryption key', () => {
  assert.throws(() => parseConfig({ DATABASE_URL: 'postgres://u:p@localhost/db' }), /AUTHLINK_ENCRYPTION_KEY is required/);
  assert.equal(parseConfig({ DATABASE_URL: 'postgres://u:p@localhost/db', AUTHLINK_ENCRYPTION_KEY: 'x' }).databaseUrl, 'postgres://u:p@localhost/db');
});

test('server deadlines: headers within the request deadline; idle connections outlast two proxy attempts (issue #20)', () => {
  const c = parseConfig({});
  assert.deepEqual(
    [c.requestTimeoutMs, c.headersTimeoutMs, c.keepAliveTimeoutMs, c.connectionTimeoutMs, c.maxConnections],
    [30_000, 10_000, 72_000, 120_000, 10_000],
  );
  assert.equal(parseConfig({ AUTHLINK_PROXY_TIMEOUT_MS: '100000' }).connectionTimeoutMs, 230_000, 'the default follows a long proxy timeout');
  assert.throws(
    () => parseConfig({ AUTHLINK_REQUEST_TIMEOUT_MS: '5000', AUTHLINK_HEADERS_TIMEOUT_MS: '6000', AUTHLINK_CONNECTION_TIMEOUT_MS: '60000' }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.problems.length === 2 &&
      /AUTHLINK_HEADERS_TIMEOUT_MS \(6000\) must not be longer than AUTHLINK_REQUEST_TIMEOUT_MS \(5000\)/.test(e.message) &&
      /AUTHLINK_CONNECTION_TIMEOUT_MS \(60000\) must be longer than twice AUTHLINK_PROXY_TIMEOUT_MS \(30000\)/.test(e.message),
  );
});
