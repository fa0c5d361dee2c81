import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { createKeyRing, keyIdFor, parseKeys } from '../../src/crypto/keyring.ts';
import { constantTimeEqual, hashSecret, newId, newSecret } from '../../src/crypto/tokens.ts';

const k1 = randomBytes(32);
const k2 = randomBytes(32);

test('envelope round-trips and carries version and key id', () => {
  const ring = createKeyRing(parseKeys(k1.toString('base64')));
  const env = ring.encrypt('s3cret-value', 'account:p1:ca_1:credentials');
  assert.match(env, new RegExp(`^v1:${keyIdFor(k1)}:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$`));
  assert.ok(!env.includes('s3cret'));
  assert.equal(ring.decrypt(env, 'account:p1:ca_1:credentials'), 's3cret-value');
});

test('a ciphertext copied to another row (other AAD) fails to decrypt', () => {
  const ring = createKeyRing(parseKeys(k1.toString('base64')));
  const env = ring.encrypt('token', 'account:p1:ca_1:credentials');
  assert.throws(() => ring.decrypt(env, 'account:p1:ca_2:credentials'), /failed authentication/);
});

test('a tampered ciphertext fails to decrypt', () => {
  const ring = createKeyRing(parseKeys(k1.toString('base64')));
  const env = ring.encrypt('token', 'aad');
  const parts = env.split(':');
  const ct = Buffer.from(parts[3], 'base64url');
  ct[0] ^= 1;
  parts[3] = ct.toString('base64url');
  assert.throws(() => ring.decrypt(parts.join(':'), 'aad'), /failed authentication/);
});

test('issue #20 D: a ciphertext whose GCM tag is not 16 bytes is refused, even when the short tag is genuine', () => {
  // A valid envelope of the empty string with its tag truncated to 4, 8 or 12
  // bytes: GCM short tags are prefixes of the full one, so a decipher that
  // accepts any tag length takes them, and a 4-byte tag is 2^32 tries to forge.
  const ring = createKeyRing(parseKeys(`k:${k1.toString('base64')}`));
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', k1, iv);
  cipher.setAAD(Buffer.from('aad'));
  const body = Buffer.concat([cipher.update(''), cipher.final()]);
  const tag = cipher.getAuthTag();
  const envelope = (t: Buffer) => `v1:k:${iv.toString('base64url')}:${Buffer.concat([body, t]).toString('base64url')}`;
  assert.equal(ring.decrypt(envelope(tag), 'aad'), '', 'the full tag decrypts');
  for (const n of [4, 8, 12, 15]) assert.throws(() => ring.decrypt(envelope(tag.subarray(0, n)), 'aad'), /failed authentication|too short/, `${n}-byte tag`);
  // A 16-byte tag of another message of the same length is refused too (authentication, not length).
  const other = ring.encrypt('', 'other-aad').split(':')[3];
  assert.throws(() => ring.decrypt(`v1:k:${iv.toString('base64url')}:${other}`, 'aad'), /failed authentication/);
});

test('key ring: first key is active, older keys still decrypt, unknown key id is a clear error', () => {
  const old = createKeyRing(parseKeys(`old:${k2.toString('base64')}`));
  const env = old.encrypt('v', 'aad');
  const ring = createKeyRing(parseKeys(`new:${k1.toString('base64')},old:${k2.toString('base64')}`));
  assert.equal(ring.activeKeyId, 'new');
  assert.deepEqual(ring.keyIds, ['new', 'old']);
  assert.equal(ring.decrypt(env, 'aad'), 'v');
  assert.equal(ring.keyIdOf(ring.encrypt('v', 'aad')), 'new');
  const other = createKeyRing(parseKeys(k1.toString('base64')));
  assert.throws(() => other.decrypt(env, 'aad'), /uses key old, which is not in the key ring/);
});

test('malformed keys are refused with how to make one', () => {
  assert.throws(() => parseKeys('short'), /encryption key #1 is not 32 bytes of base64 \(generate one with: openssl rand -base64 32\)/);
  assert.throws(() => parseKeys(''), /no encryption key given/);
  assert.throws(() => parseKeys(`a:${k1.toString('base64')},a:${k2.toString('base64')}`), /key id a appears twice/);
});

test('ids and secrets have their prefixes and enough randomness', () => {
  assert.match(newId('ca'), /^ca_[a-z0-9]{12}$/);
  const s = newSecret('lt');
  assert.match(s, /^lt_[A-Za-z0-9_-]{32}$/); // 24 random bytes = 192 bits
  assert.notEqual(newSecret('lt'), s);
  assert.equal(hashSecret(s), hashSecret(s));
  assert.notEqual(hashSecret(s), s);
  assert.ok(constantTimeEqual('abc', 'abc'));
  assert.ok(!constantTimeEqual('abc', 'abd'));
  assert.ok(!constantTimeEqual('abc', 'abcd'));
});

test('key ring MACs: checkable later without storage, bound to purpose and data, still valid after a rotation', () => {
  const old = createKeyRing(parseKeys(`old:${k2.toString('base64')}`));
  const tag = old.mac('hosted link opened', 'ls_abc');
  assert.match(tag, /^[A-Za-z0-9_-]{43}$/);
  assert.ok(old.verifyMac('hosted link opened', 'ls_abc', tag));
  const rotated = createKeyRing(parseKeys(`new:${k1.toString('base64')},old:${k2.toString('base64')}`));
  assert.ok(rotated.verifyMac('hosted link opened', 'ls_abc', tag), 'a MAC made before a rotation still checks');
  assert.notEqual(rotated.mac('hosted link opened', 'ls_abc'), tag, 'new MACs use the new key');
  for (const [purpose, data, t] of [
    ['another purpose', 'ls_abc', tag],
    ['hosted link opened', 'ls_abd', tag],
    ['hosted link opened', 'ls_abc', `${tag.slice(0, -1)}${tag.endsWith('A') ? 'B' : 'A'}`],
    ['hosted link opened', 'ls_abc', tag.slice(0, 42)],
    ['hosted link opened', 'ls_abc', ''],
  ])
    assert.equal(rotated.verifyMac(purpose, data, t), false, `${purpose} ${data} ${t}`);
  assert.equal(createKeyRing(parseKeys(k1.toString('base64'))).verifyMac('hosted link opened', 'ls_abc', tag), false, 'another ring');
});
