// Key rotation over every encrypted column (src/crypto/fields.ts): rows are
// re-encrypted under the active key in batches. Each write is conditional on
// the ciphertext not having changed since it was read, so a server writing the
// same row meanwhile wins and nothing is lost; rerunning resumes where a
// stopped run left off, because only rows not yet on the active key are read.
import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';
import type { KeyRing } from '../crypto/keyring.ts';
import { ENCRYPTED_FIELDS, ivOf, type EncryptedField } from '../crypto/fields.ts';

export interface RotationProgress {
  table: string;
  column: string;
  rotated: number;
  skipped: number; // changed concurrently; a rerun picks them up if still on an old key
}

type Row = { id: string; project_id: string; value: string | null; view?: string | null };

async function batchAfter(db: Kysely<DB>, f: EncryptedField, afterId: string, limit: number): Promise<Row[]> {
  // biome-ignore lint/suspicious/noExplicitAny: the table and column come from the field list, not from the typed schema
  return (db as unknown as Kysely<any>)
    .selectFrom(f.table)
    .select(['id', 'project_id', `${f.column} as value`, ...(f.view ? [`${f.view} as view`] : [])])
    .where(f.column, 'is not', null)
    .where('id', '>', afterId)
    .orderBy('id')
    .limit(limit)
    .execute() as Promise<Row[]>;
}

/**
 * A masked view made from the old ciphertext describes the new one too (same
 * plaintext): it follows with the new IV. One made from some other ciphertext
 * (stale) is dropped, and reads decrypt until the next write.
 */
function carriedView(view: string | null | undefined, old: string, fresh: string): string | null {
  if (!view) return null;
  const parsed = JSON.parse(view) as { iv?: string };
  return parsed.iv === ivOf(old) ? JSON.stringify({ ...parsed, iv: ivOf(fresh) }) : null;
}

export async function rotateAll(
  db: Kysely<DB>,
  ring: KeyRing,
  opts: { batchSize?: number; onBatch?: (p: RotationProgress) => void } = {},
): Promise<RotationProgress[]> {
  const batchSize = opts.batchSize ?? 500;
  const out: RotationProgress[] = [];
  for (const f of Object.values(ENCRYPTED_FIELDS) as EncryptedField[]) {
    const progress: RotationProgress = { table: f.table, column: f.column, rotated: 0, skipped: 0 };
    let afterId = '';
    for (;;) {
      const rows = await batchAfter(db, f, afterId, batchSize);
      if (!rows.length) break;
      afterId = rows[rows.length - 1].id;
      for (const row of rows) {
        if (!row.value || ring.keyIdOf(row.value) === ring.activeKeyId) continue;
        const aad = f.aad(row);
        const fresh = ring.encrypt(ring.decrypt(row.value, aad), aad);
        // biome-ignore lint/suspicious/noExplicitAny: as in batchAfter
        const res = await (db as unknown as Kysely<any>)
          .updateTable(f.table)
          .set({ [f.column]: fresh, ...(f.view ? { [f.view]: carriedView(row.view, row.value, fresh) } : {}) })
          .where('id', '=', row.id)
          .where(f.column, '=', row.value)
          .executeTakeFirst();
        if (Number(res.numUpdatedRows) === 1) progress.rotated++;
        else progress.skipped++;
      }
      opts.onBatch?.(progress);
    }
    out.push(progress);
  }
  return out;
}

/** How many values each key id protects, per column. */
export async function keyUsage(db: Kysely<DB>, ring: KeyRing): Promise<Record<string, Record<string, number>>> {
  const usage: Record<string, Record<string, number>> = {};
  for (const f of Object.values(ENCRYPTED_FIELDS)) {
    const counts: Record<string, number> = {};
    let afterId = '';
    for (;;) {
      const rows = await batchAfter(db, f, afterId, 2000);
      if (!rows.length) break;
      afterId = rows[rows.length - 1].id;
      for (const r of rows) if (r.value) counts[ring.keyIdOf(r.value)] = (counts[ring.keyIdOf(r.value)] ?? 0) + 1;
    }
    usage[`${f.table}.${f.column}`] = counts;
  }
  return usage;
}
