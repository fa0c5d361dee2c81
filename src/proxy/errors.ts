// Every proxy failure goes through proxyError(kind, ...). The error table
// (src/errors.ts) has no proxy-specific keys yet; KIND_KEYS maps each kind to
// the closest existing key until these are added:
//
//   ProxyEndpointNotAllowed   code 801  ToolProxy_EndpointNotAllowed     400
//   ProxyParameterNotAllowed  code 802  ToolProxy_ParameterNotAllowed    400  (also bad body)
//   ProxyTargetForbidden      code 803  ToolProxy_TargetAddressForbidden 403
//   ProxyUpstreamFailed       code 804  ToolProxy_UpstreamFailed         502
//   ProxyUpstreamTimeout      code 805  ToolProxy_UpstreamTimeout        504
//   ProxyResponseTooLarge     code 806  ToolProxy_ResponseTooLarge       502
//
// Then only this map changes. Messages never hold a credential, a query
// string or a path (a path can hold connection data): at most a host.
import { ApiError, type ApiErrorOptions, type ErrorKey } from '../errors.ts';

export type ProxyErrorKind = 'endpoint' | 'parameter' | 'target' | 'upstream' | 'timeout' | 'tooLarge' | 'body';

export const KIND_KEYS: Record<ProxyErrorKind, ErrorKey> = {
  endpoint: 'BadRequest',
  parameter: 'BadRequest',
  body: 'BadRequest',
  target: 'BadRequest',
  upstream: 'ProviderError',
  timeout: 'ProviderError',
  tooLarge: 'ProviderError',
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
