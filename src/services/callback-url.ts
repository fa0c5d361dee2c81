import { ApiError } from '../errors.ts';

const REPAIRED_BY_PARSER = /[\u0000-\u0020\u007f\\]/;

/** The app's callback URL: absolute http(s), no userinfo, and on the allowlist when the project has one. */
export function checkCallbackUrl(raw: string, allowlist: string[] | undefined, field = 'callback_url'): string {
  // The URL parser silently drops whitespace and control characters and reads
  // backslashes as slashes: a string it has to repair is refused, not rewritten.
  if (REPAIRED_BY_PARSER.test(raw)) {
    throw new ApiError('CallbackUrlInvalid', `${field} must be an absolute http(s) URL without spaces, control characters or backslashes`, {
      errors: [`${field}: contains whitespace, a control character or a backslash`],
      suggestedFix: 'Percent-encode those characters',
    });
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ApiError('CallbackUrlInvalid', `${field} must be an absolute http(s) URL`, { errors: [`${field}: not an absolute URL`] });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ApiError('CallbackUrlInvalid', `${field} must use http or https`, {
      errors: [`${field}: scheme ${url.protocol.replace(':', '')} is not allowed`],
    });
  }
  if (url.username || url.password) {
    throw new ApiError('CallbackUrlInvalid', `${field} must not contain credentials`, { errors: [`${field}: remove the user:password@ part`] });
  }
  if (allowlist?.length && !allowlist.includes(raw)) {
    throw new ApiError('CallbackUrlInvalid', `${field} is not on this project's callback URL allowlist`, {
      errors: [`${field}: not an exact match of an allowed URL`],
      suggestedFix: 'Add it with `authlink projects callbacks add --project <id> --url <url>` or PATCH /api/v3.1/project/settings',
    });
  }
  return url.toString() === raw ? raw : url.toString();
}

/**
 * The query parameters that report a hosted-page outcome to the app. They are
 * authlink's alone: whatever the app put under these names in its callback URL
 * is removed before ours are added, on every path (success, failure, deferred
 * verification), so a pre-set `error` or `status` can never reach the app.
 */
export const OUTCOME_PARAMS = ['status', 'connected_account_id', 'error', 'session_uri'] as const;
export type OutcomeParams = Partial<Record<(typeof OUTCOME_PARAMS)[number], string>>;

/** callback_url with the caller's own query kept, every outcome name removed, and the outcome appended. */
export function outcomeUrl(callbackUrl: string, params: OutcomeParams): string {
  const url = new URL(callbackUrl);
  for (const name of OUTCOME_PARAMS) url.searchParams.delete(name);
  for (const name of OUTCOME_PARAMS) {
    const value = params[name];
    if (value !== undefined) url.searchParams.append(name, value);
  }
  return url.toString();
}
