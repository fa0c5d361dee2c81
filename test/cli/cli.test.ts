// The `authlink` command as an operator runs it: a real process on a real
// SQLite data directory, --json output parsed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startChild } from '../helpers/child.ts';

const run = promisify(execFile);
const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'authlink.js');

let dir: string;
let env: Record<string, string>;
async function cli(args: string[], extraEnv: Record<string, string> = {}) {
  try {
    const { stdout } = await run(process.execPath, [BIN, ...args], { env: { ...process.env, ...env, ...extraEnv } });
    return { code: 0, out: stdout };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, out: err.stdout + err.stderr };
  }
}
const json = async (args: string[], extraEnv?: Record<string, string>) => {
  const r = await cli([...args, '--json'], extraEnv);
  return { code: r.code, body: JSON.parse(r.out.trim().split('\n').pop()!) };
};

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authlink-cli-'));
  env = { AUTHLINK_DATA_DIR: dir, LOG_LEVEL: 'silent' };
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('first start with no configuration: creates the store, a 0600 key, the default project, prints the key and URL', async () => {
  const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'authlink-first-'));
  try {
    const child = await startChild({ AUTHLINK_DATA_DIR: fresh, DATABASE_URL: '', AUTHLINK_ENCRYPTION_KEY: '' });
    const line = JSON.parse(
      child
        .output()
        .trim()
        .split('\n')
        .find((l) => l.startsWith('{"listening"'))!,
    );
    assert.match(line.api_key, /^ak_/);
    assert.match(line.project_id, /^prj_/);
    assert.ok(fs.existsSync(path.join(fresh, 'authlink.db')));
    assert.equal(fs.statSync(path.join(fresh, 'encryption.key')).mode & 0o777, 0o600);
    assert.match(child.output(), /Generated an encryption key at .*encryption\.key \(mode 0600\)/);
    const res = await fetch(`${child.url}/api/v3.1/toolkits?limit=1`, { headers: { 'x-api-key': line.api_key } });
    assert.equal(res.status, 200);
    assert.equal(await child.stop(), 0, 'SIGTERM shuts down cleanly');
    // A second start finds the project and prints no new key.
    const again = await startChild({ AUTHLINK_DATA_DIR: fresh, DATABASE_URL: '', AUTHLINK_ENCRYPTION_KEY: '' });
    assert.ok(!again.output().includes('"api_key"'));
    await again.stop();
  } finally {
    fs.rmSync(fresh, { recursive: true, force: true });
  }
});

test('bad configuration stops start-up with every problem listed', async () => {
  const r = await cli(['serve'], { PORT: 'x', LOG_LEVEL: 'loud' });
  assert.equal(r.code, 1);
  assert.match(r.out, /2 configuration problem\(s\)/);
  assert.match(r.out, /PORT="x"/);
  assert.match(r.out, /LOG_LEVEL="loud"/);
});

test('projects, keys and migrate, each printing one JSON object', async () => {
  const created = await json(['projects', 'create', '--name', 'Acme']);
  assert.equal(created.code, 0);
  assert.match(created.body.project_id, /^prj_/);
  assert.match(created.body.api_key, /^ak_/);
  const list = await json(['projects', 'list']);
  assert.ok(list.body.items.some((p: { project_id: string; name: string }) => p.project_id === created.body.project_id && p.name === 'Acme'));
  const key = await json(['keys', 'create', '--project', created.body.project_id]);
  assert.match(key.body.api_key, /^ak_/);
  const keys = await json(['keys', 'list', '--project', created.body.project_id]);
  assert.equal(keys.body.items.length, 2);
  assert.ok(!JSON.stringify(keys.body).includes(key.body.api_key), 'keys are never listed in clear');
  const revoked = await json(['keys', 'revoke', key.body.key_id]);
  assert.equal(revoked.body.revoked, true);
  assert.ok(
    (await json(['keys', 'list', '--project', created.body.project_id])).body.items.find(
      (k: { key_id: string; revoked_at: string | null }) => k.key_id === key.body.key_id,
    ).revoked_at,
  );
  assert.deepEqual((await json(['migrate'])).body, { migrated: true, database: path.join(dir, 'authlink.db') });
  const missing = await json(['keys', 'revoke', 'key_nope']);
  assert.equal(missing.code, 1);
  assert.deepEqual(missing.body, { error: { message: 'no key key_nope' } });
  const noName = await json(['projects', 'create']);
  assert.equal(noName.code, 1);
});

test('project settings and callback allowlist from the CLI', async () => {
  const { body } = await json(['projects', 'create', '--name', 'Cb']);
  const added = await json(['projects', 'callbacks', 'add', '--project', body.project_id, '--url', 'https://app.example.com/cb']);
  assert.deepEqual(added.body.settings.callback_url_allowlist, ['https://app.example.com/cb']);
  const bad = await json(['projects', 'callbacks', 'add', '--project', body.project_id, '--url', 'javascript:x']);
  assert.equal(bad.code, 1);
  const listed = await json(['projects', 'callbacks', 'list', '--project', body.project_id]);
  assert.deepEqual(listed.body.callback_urls, ['https://app.example.com/cb']);
  const ttl = await json(['projects', 'settings', '--project', body.project_id, '--link-ttl', '120', '--allow-reveal', 'true']);
  assert.deepEqual(ttl.body.settings, { callback_url_allowlist: ['https://app.example.com/cb'], link_ttl_seconds: 120, allow_credential_reveal: true });
  assert.equal((await json(['projects', 'settings', '--project', body.project_id, '--link-ttl', '5'])).code, 1);
  // Every change above is in the audit log as the operator's (issue #20, finding 10).
  const audit = await json(['audit', 'list', '--project', body.project_id]);
  assert.equal(audit.code, 0);
  const changes = audit.body.items.map((e: { action: string; api_key_id: string | null; details: { via: string; changed: object } }) => ({
    action: e.action,
    by: e.api_key_id,
    via: e.details.via,
    keys: Object.keys(e.details.changed).sort(),
  }));
  assert.deepEqual(changes, [
    { action: 'project.settings_changed', by: null, via: 'cli', keys: ['allow_credential_reveal', 'link_ttl_seconds'] },
    { action: 'project.settings_changed', by: null, via: 'cli', keys: ['callback_url_allowlist'] },
  ]);
  // Issue #20 E: callback identity verification, on and off.
  const verify = await json(['projects', 'settings', '--project', body.project_id, '--verify-callback-identity', 'true']);
  assert.equal(verify.body.settings.verify_callback_identity, true);
  assert.equal((await json(['projects', 'settings', '--project', body.project_id, '--verify-callback-identity', 'yes'])).code, 1);
  const off = await json(['projects', 'settings', '--project', body.project_id, '--verify-callback-identity', 'false']);
  assert.equal(off.body.settings.verify_callback_identity, false);
});

test('encryption status and rotate move every value to the new active key', async () => {
  const rotDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authlink-rot-'));
  const oldKey = `old:${randomBytes(32).toString('base64')}`;
  const newKey = `new:${randomBytes(32).toString('base64')}`;
  try {
    const base = { AUTHLINK_DATA_DIR: rotDir };
    // Write encrypted values under the old key through the real API.
    const child = await startChild({ ...base, AUTHLINK_ENCRYPTION_KEYS: oldKey });
    const apiKey = JSON.parse(
      child
        .output()
        .trim()
        .split('\n')
        .find((l) => l.startsWith('{"listening"'))!,
    ).api_key;
    const h = { 'x-api-key': apiKey, 'content-type': 'application/json' };
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${child.url}/api/v3.1/auth_configs`, {
        method: 'POST',
        headers: h,
        body: JSON.stringify({
          toolkit: { slug: 'github' },
          auth_config: { type: 'use_custom_auth', authScheme: 'OAUTH2', credentials: { client_id: `c${i}`, client_secret: `s3cret-${i}` } },
        }),
      });
      assert.equal(r.status, 201);
    }
    await child.stop();
    const ring = { AUTHLINK_ENCRYPTION_KEYS: `${newKey},${oldKey}` };
    const before = await json(['encryption', 'status'], { ...base, ...ring });
    assert.deepEqual(before.body.usage['auth_configs.secrets_enc'], { old: 3 });
    assert.equal(before.body.active_key_id, 'new');
    const rotated = await json(['encryption', 'rotate', '--batch-size', '2'], { ...base, ...ring });
    assert.equal(rotated.body.remaining_on_old_keys, 0);
    assert.equal(rotated.body.results.find((r: { table: string }) => r.table === 'auth_configs').rotated, 3);
    const again = await json(['encryption', 'rotate'], { ...base, ...ring });
    assert.equal(again.body.results.find((r: { table: string }) => r.table === 'auth_configs').rotated, 0, 'resumable: nothing left to do');
    // Only the new key is needed now, and the secrets still decrypt.
    const after = await startChild({ ...base, AUTHLINK_ENCRYPTION_KEYS: newKey });
    const list = await (await fetch(`${after.url}/api/v3.1/auth_configs`, { headers: h })).json();
    assert.equal(list.items.length, 3);
    assert.ok(list.items.every((i: { credentials: { client_secret: string } }) => i.credentials.client_secret === '********'));
    await after.stop();
  } finally {
    fs.rmSync(rotDir, { recursive: true, force: true });
  }
});
