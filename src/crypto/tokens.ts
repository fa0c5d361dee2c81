// Random identifiers and bearer secrets. Secrets (api keys, link tokens,
// cookies, states) are stored only as a SHA-256 hash and looked up by it.
import { createHash, randomFillSync, timingSafeEqual } from 'node:crypto';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

// Random bytes are drawn from the CSPRNG in 4 KiB batches: one system call per
// ~100 ids instead of one per id. Every byte is handed out once.
const POOL = Buffer.alloc(4096);
let poolOffset = POOL.length;

function randomBytesPooled(n: number): Buffer {
  if (poolOffset + n > POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  const out = Buffer.from(POOL.subarray(poolOffset, poolOffset + n));
  POOL.fill(0, poolOffset, poolOffset + n);
  poolOffset += n;
  return out;
}

// Unbiased base36 string from random bytes (rejection sampling).
function randomString(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const b of randomBytesPooled(length * 2)) {
      if (b < 252) out += ALPHABET[b % 36];
      if (out.length === length) break;
    }
  }
  return out;
}

/** Public object id, e.g. `ca_k3j9...` (12 chars = ~62 bits: unique, not a secret). */
export function newId(prefix: string): string {
  return `${prefix}_${randomString(12)}`;
}

/** A bearer secret with >= 190 random bits, e.g. `ak_...`, `lt_...`. */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytesPooled(24).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

export function constantTimeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
