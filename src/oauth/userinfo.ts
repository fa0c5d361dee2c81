// Who the new token belongs to, asked of the provider's userinfo endpoint
// (issue #15: a reconnect compares it with who connected before). The
// endpoint need not be OpenID Connect's (GitHub's /user is not): the answer is
// plain JSON and the field is named by the toolkit. Read through the same
// capped reader as every other provider answer; redirects are not followed.
import { OAuthClientError } from './errors.ts';
import { assertProviderUrlsSecure, cappedResponse, MAX_OAUTH_RESPONSE_BYTES, transportError } from './transport.ts';
import type { OAuthProvider, TransportOptions } from './types.ts';

export interface UserinfoFieldInput extends TransportOptions {
  provider: OAuthProvider;
  accessToken: string;
  /** Dot-separated path in the JSON answer, e.g. "id" or "data.user.id". */
  field: string;
}

const OPERATION = 'userinfo request';
const DEFAULT_TIMEOUT_MS = 15_000;

/** The value at `path` in `value` when it is a non-empty string or an integer (as text), else undefined. */
export function identifierAt(value: unknown, path: string): string | undefined {
  let at: unknown = value;
  for (const key of path.split('.')) {
    if (at === null || typeof at !== 'object' || Array.isArray(at) || !Object.hasOwn(at, key)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  if (typeof at === 'string' && at.length > 0 && at.length <= 512) return at;
  if (typeof at === 'number' && Number.isSafeInteger(at)) return String(at);
  return undefined;
}

export async function fetchUserinfoField(input: UserinfoFieldInput): Promise<string> {
  const { provider } = input;
  assertProviderUrlsSecure(provider, input.allowInsecure);
  const url = provider.userinfoUrl;
  if (!url) throw new OAuthClientError('config', `${OPERATION}: the toolkit declares no userinfo_url`);
  const secrets = [input.accessToken];
  const timeoutMs = input.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const doFetch = input.fetch ?? globalThis.fetch;
  let response: Response;
  try {
    response = await doFetch(url, {
      method: 'GET',
      // RFC 6750 bearer usage; GitHub refuses requests without a User-Agent.
      headers: { authorization: `Bearer ${input.accessToken}`, accept: 'application/json', 'user-agent': 'authlink' },
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    throw transportError(OPERATION, url, e, timeoutMs, secrets);
  }
  response = await cappedResponse(response, MAX_OAUTH_RESPONSE_BYTES, OPERATION, url, timeoutMs, secrets);
  if (response.status !== 200) {
    throw new OAuthClientError('unexpected_status', `${OPERATION}: provider answered HTTP ${response.status}`, { status: response.status });
  }
  let body: unknown;
  try {
    body = JSON.parse(await response.text());
  } catch {
    throw new OAuthClientError('unexpected_body', `${OPERATION}: the answer is not JSON`);
  }
  const id = identifierAt(body, input.field);
  if (id === undefined) throw new OAuthClientError('unexpected_body', `${OPERATION}: the answer has no usable "${input.field}"`);
  return id;
}
