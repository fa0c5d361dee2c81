// Envelope encryption of credentials: AES-256-GCM, `v1:<key id>:<iv>:<ciphertext+tag>`
// (base64url parts). The row identity is the additional authenticated data, so a
// ciphertext copied into another row or field fails to decrypt. Several keys may
// be loaded; one is active for new writes, the others only decrypt (rotation).
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

export interface KeyRing {
  activeKeyId: string;
  keyIds: string[];
  encrypt(plaintext: string, aad: string): string;
  decrypt(envelope: string, aad: string): string;
  keyIdOf(envelope: string): string;
  /**
   * HMAC-SHA256 (base64url, 43 characters) of `data` under a key derived with
   * HKDF from the active key for this `purpose`: values the server can check
   * later without storing them, which no database copy alone can forge.
   */
  mac(purpose: string, data: string): string;
  /** True when `tag` is mac(purpose, data) under any key of the ring (so rotation does not break them). */
  verifyMac(purpose: string, data: string, tag: string): boolean;
}

export class KeyRingError extends Error {}

const IV_BYTES = 12;
const TAG_BYTES = 16;

export function keyIdFor(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/**
 * Parses `AUTHLINK_ENCRYPTION_KEY(S)`: entries separated by commas or newlines,
 * each `base64` or `<id>:base64`; the first entry is the active key.
 */
export function parseKeys(spec: string): Map<string, Buffer> {
  const keys = new Map<string, Buffer>();
  const entries = spec
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s && !s.startsWith('#'));
  if (!entries.length) throw new KeyRingError('no encryption key given');
  entries.forEach((entry, i) => {
    const m = /^(?:([A-Za-z0-9_-]{1,32}):)?([A-Za-z0-9+/=_-]+)$/.exec(entry);
    const key = m ? Buffer.from(m[2], 'base64') : Buffer.alloc(0);
    if (!m || key.length !== 32) {
      throw new KeyRingError(`encryption key #${i + 1} is not 32 bytes of base64 (generate one with: openssl rand -base64 32)`);
    }
    const id = m[1] ?? keyIdFor(key);
    if (keys.has(id)) throw new KeyRingError(`encryption key id ${id} appears twice`);
    keys.set(id, key);
  });
  return keys;
}

export function createKeyRing(keys: Map<string, Buffer>): KeyRing {
  const keyIds = [...keys.keys()];
  const activeKeyId = keyIds[0];
  const active = keys.get(activeKeyId)!;
  const macKeys = new Map<string, Buffer>();
  const macKey = (keyId: string, purpose: string) => {
    const id = `${keyId}\u0000${purpose}`;
    let k = macKeys.get(id);
    if (!k) {
      k = Buffer.from(hkdfSync('sha256', keys.get(keyId)!, Buffer.alloc(0), `authlink mac: ${purpose}`, 32));
      macKeys.set(id, k);
    }
    return k;
  };
  const macWith = (keyId: string, purpose: string, data: string) => createHmac('sha256', macKey(keyId, purpose)).update(data).digest();
  return {
    activeKeyId,
    keyIds,
    encrypt(plaintext, aad) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', active, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(aad));
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `v1:${activeKeyId}:${iv.toString('base64url')}:${ct.toString('base64url')}`;
    },
    decrypt(envelope, aad) {
      const [version, keyId, ivPart, ctPart] = envelope.split(':');
      if (version !== 'v1' || !ivPart || !ctPart) throw new KeyRingError('unknown ciphertext format');
      const key = keys.get(keyId);
      if (!key) throw new KeyRingError(`ciphertext uses key ${keyId}, which is not in the key ring`);
      const data = Buffer.from(ctPart, 'base64url');
      const iv = Buffer.from(ivPart, 'base64url');
      // Without an explicit tag length GCM accepts tags of 4 to 16 bytes, and a
      // short tag is far easier to forge: the tag is exactly 16 bytes or nothing.
      if (iv.length !== IV_BYTES || data.length < TAG_BYTES) throw new KeyRingError('ciphertext is too short or malformed');
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(aad));
      try {
        decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
        return Buffer.concat([decipher.update(data.subarray(0, data.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        throw new KeyRingError('ciphertext failed authentication (wrong key, or copied from another row)');
      }
    },
    keyIdOf(envelope) {
      return envelope.split(':')[1] ?? '';
    },
    mac(purpose, data) {
      return macWith(activeKeyId, purpose, data).toString('base64url');
    },
    verifyMac(purpose, data, tag) {
      const given = Buffer.from(tag, 'base64url');
      if (given.length !== 32 || given.toString('base64url') !== tag) return false;
      let ok = false;
      for (const id of keyIds) ok = timingSafeEqual(macWith(id, purpose, data), given) || ok;
      return ok;
    },
  };
}
