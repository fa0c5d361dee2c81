// `authlink encryption status|rotate`: see which key protects how many values,
// and move everything onto the active key (the first in AUTHLINK_ENCRYPTION_KEYS).
import type { Runtime } from '../bootstrap.ts';
import { keyUsage, rotateAll } from '../store/rotation.ts';
import type { Output } from './admin.ts';

export async function encryptionCommand(runtime: Runtime, args: string[], opts: Record<string, string | boolean | undefined>, out: Output): Promise<number> {
  const { db } = runtime.database;
  const ring = runtime.keyRing;
  switch (args[0]) {
    case 'status': {
      const usage = await keyUsage(db, ring);
      const lines = Object.entries(usage).map(
        ([col, counts]) =>
          `${col}: ${
            Object.entries(counts)
              .map(([k, n]) => `${k}${k === ring.activeKeyId ? ' (active)' : ring.keyIds.includes(k) ? '' : ' (NOT IN KEY RING)'}=${n}`)
              .join(', ') || 'empty'
          }`,
      );
      out.result(
        { active_key_id: ring.activeKeyId, key_ids: ring.keyIds, usage },
        [`active key: ${ring.activeKeyId}; loaded: ${ring.keyIds.join(', ')}`, ...lines].join('\n'),
      );
      return 0;
    }
    case 'rotate': {
      const size = Number(typeof opts['batch-size'] === 'string' ? opts['batch-size'] : 500);
      if (!Number.isInteger(size) || size < 1 || size > 10_000) return out.fail('--batch-size must be an integer between 1 and 10000');
      const results = await rotateAll(db, ring, { batchSize: size });
      const usage = await keyUsage(db, ring);
      const remaining = Object.values(usage).reduce(
        (n, c) =>
          n +
          Object.entries(c)
            .filter(([k]) => k !== ring.activeKeyId)
            .reduce((m, [, v]) => m + v, 0),
        0,
      );
      out.result(
        { active_key_id: ring.activeKeyId, results, remaining_on_old_keys: remaining },
        [
          ...results.map((r) => `${r.table}.${r.column}: ${r.rotated} re-encrypted${r.skipped ? `, ${r.skipped} changed meanwhile (run again)` : ''}`),
          `values still on old keys: ${remaining}`,
        ].join('\n'),
      );
      return 0;
    }
    default:
      return out.fail('encryption status|rotate [--batch-size N]');
  }
}
