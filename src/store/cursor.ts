// Opaque keyset cursors: base64url JSON of the last row's sort key.
import { createHash } from 'node:crypto';

export interface CursorKey {
  t: string;
  id: string;
  /**
   * The listing's total, counted once for its first page and carried from page
   * to page so later pages need no count(*). Optional: cursors made before it
   * existed (and listings that do not count) leave it out.
   */
  n?: number;
  /** Which filter set `n` was counted for (see `filterTag`); a cursor reused with other filters is counted again. */
  f?: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export class CursorError extends Error {}

/** A newest-first keyset page from the `limit + 1` rows read: the first `limit`, and the cursor after the last of them when there were more. */
export function keysetPage<T extends { created_at: string; id: string }>(rows: T[], limit: number): Page<T> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor({ t: last.created_at, id: last.id }) : null };
}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * A short tag of a listing's filters, for `CursorKey.f`: list filters are
 * sets, so arrays are compared sorted, and a missing or empty one is the same.
 */
export function filterTag(filters: Record<string, string | string[] | undefined>): string {
  const norm = Object.keys(filters)
    .sort()
    .map((k) => {
      const v = filters[k];
      return [k, Array.isArray(v) ? (v.length ? [...v].sort() : null) : (v ?? null)];
    });
  return createHash('sha256').update(JSON.stringify(norm)).digest('base64url').slice(0, 12);
}

/**
 * A listing's total: the one `after` carries when it was counted for these
 * filters (`tag`), otherwise `count()` now (a first page, an older cursor, or
 * a cursor reused with other filters).
 */
export async function listingTotal(after: CursorKey | undefined, tag: string, count: () => Promise<number>): Promise<number> {
  return after?.n !== undefined && after.f === tag ? after.n : count();
}

export function decodeCursor(cursor: string | undefined): CursorKey | undefined {
  if (!cursor) return undefined;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (v && typeof v === 'object' && typeof (v as CursorKey).t === 'string' && typeof (v as CursorKey).id === 'string') {
      const { n, f } = v as CursorKey;
      if ((n === undefined || (Number.isSafeInteger(n) && n >= 0)) && (f === undefined || typeof f === 'string')) return v as CursorKey;
    }
  } catch {
    /* fall through */
  }
  throw new CursorError('cursor is not one this API returned');
}
