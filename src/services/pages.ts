// Paging of small in-memory lists (the toolkit and tool catalogs, a session's
// toolkits) with Composio's page-number cursors: "a base64 encoded string of
// the page and limit". Store-backed lists use keyset cursors (store/cursor.ts).
import { ApiError } from '../errors.ts';

export interface Paged<T> {
  items: T[];
  next_cursor: string | null;
  total_pages: number;
  current_page: number;
  total_items: number;
}

export function pageOf<T>(items: readonly T[], limit: number, cursor: string | undefined): Paged<T> {
  let page = 1;
  if (cursor) {
    try {
      page = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { page: number }).page;
    } catch {
      page = Number.NaN;
    }
    if (!Number.isInteger(page) || page < 1) {
      throw new ApiError('ValidationFailed', 'cursor: not a cursor this endpoint returned', { errors: ['cursor: not a cursor this endpoint returned'] });
    }
  }
  const totalPages = Math.max(1, Math.ceil(items.length / limit));
  return {
    items: items.slice((page - 1) * limit, page * limit),
    next_cursor: page < totalPages ? Buffer.from(JSON.stringify({ page: page + 1, limit })).toString('base64url') : null,
    total_pages: totalPages,
    current_page: page,
    total_items: items.length,
  };
}
