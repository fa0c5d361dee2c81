// Every proxy failure goes through proxyError(kind, ...), one error-table key
// per kind. Messages never hold a credential, a query string or a path (a path
// can hold connection data): at most a host.
import { ApiError, type ApiErrorOptions, type ErrorKey } from '../errors.ts';

export type ProxyErrorKind = 'endpoint' | 'parameter' | 'target' | 'upstream' | 'timeout' | 'tooLarge' | 'body';

export const KIND_KEYS: Record<ProxyErrorKind, ErrorKey> = {
  endpoint: 'ProxyEndpointNotAllowed',
  parameter: 'ProxyParameterNotAllowed',
  body: 'ProxyParameterNotAllowed',
  target: 'ProxyTargetForbidden',
  upstream: 'ProxyUpstreamFailed',
  timeout: 'ProxyUpstreamTimeout',
  tooLarge: 'ProxyResponseTooLarge',
};

export class ProxyError extends ApiError {
  constructor(
    readonly kind: ProxyErrorKind,
    message: string,
    options: ApiErrorOptions = {},
  ) {
    super(KIND_KEYS[kind], message, options);
    this.name = 'ProxyError';
  }
}

export function proxyError(kind: ProxyErrorKind, message: string, options: ApiErrorOptions = {}): ProxyError {
  return new ProxyError(kind, message, options);
}
