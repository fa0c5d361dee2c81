// The one normalisation of an end user's id, applied wherever one enters
// (links, legacy create, sessions, ACLs on create and PATCH, list filters,
// tool execution): surrounding whitespace is trimmed, nothing else (no case
// folding, no Unicode normalisation), so two ids compare equal exactly when
// they are the same string once trimmed. An id that is empty after it is
// refused, never stored or matched.
import { ApiError } from '../errors.ts';

export interface Acl {
  allow_all_users: boolean;
  allowed_user_ids: string[];
  not_allowed_user_ids: string[];
}

export function normalizeUserId(raw: string): string {
  return raw.trim();
}

/** The normalised id, or a 400 naming `field` when nothing is left of it. */
export function requireUserId(raw: string, field = 'user_id'): string {
  const id = normalizeUserId(raw);
  if (!id) throw new ApiError('ValidationFailed', `${field} must not be empty`, { errors: [`${field}: must not be empty`] });
  return id;
}

/**
 * A list of user ids (ACL entries, list filters): each normalised, duplicates
 * dropped; entries empty after normalisation are refused, one error each.
 */
export function normalizeUserIds(raw: readonly string[], field: string, problems: string[]): string[] {
  const out: string[] = [];
  raw.forEach((r, i) => {
    const id = normalizeUserId(r);
    if (!id) problems.push(`${field}[${i}]: must not be empty or only whitespace`);
    else if (!out.includes(id)) out.push(id);
  });
  return out;
}

/** An ACL as given on create or PATCH (some keys may be absent), its lists normalised. */
export function normalizeAcl(input: Partial<Acl>, field: string): Partial<Acl> {
  const problems: string[] = [];
  const out: Partial<Acl> = {};
  if (input.allow_all_users !== undefined) out.allow_all_users = input.allow_all_users;
  if (input.allowed_user_ids !== undefined) out.allowed_user_ids = normalizeUserIds(input.allowed_user_ids, `${field}.allowed_user_ids`, problems);
  if (input.not_allowed_user_ids !== undefined)
    out.not_allowed_user_ids = normalizeUserIds(input.not_allowed_user_ids, `${field}.not_allowed_user_ids`, problems);
  if (problems.length) throw new ApiError('ValidationFailed', `Invalid user ids in ${field}`, { errors: problems });
  return out;
}
