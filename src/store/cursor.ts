// Opaque keyset cursors: base64url JSON of the last row's sort key.
export interface CursorKey {
  t: string;
  id: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export class CursorError extends Error {}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): CursorKey | undefined {
  if (!cursor) return undefined;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (v && typeof v === 'object' && typeof (v as CursorKey).t === 'string' && typeof (v as CursorKey).id === 'string') return v as CursorKey;
  } catch {
    /* fall through */
  }
  throw new CursorError('cursor is not one this API returned');
}
