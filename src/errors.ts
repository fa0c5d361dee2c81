// The one table of wire error codes and slugs. Domain code throws ApiError with
// a key of this table; the HTTP layer turns it into the envelope of API.md.
export const ERRORS = {
  BadRequest: { code: 400, slug: 'Request_BadRequest', status: 400 },
  ValidationFailed: { code: 611, slug: 'Request_ValidationFailed', status: 400 },
  MalformedJson: { code: 401, slug: 'Request_MalformedJson', status: 400 },
  Unauthorized: { code: 1001, slug: 'Auth_InvalidApiKey', status: 401 },
  NotFound: { code: 404, slug: 'Route_NotFound', status: 404 },
  PayloadTooLarge: { code: 413, slug: 'Request_PayloadTooLarge', status: 413 },
  RequestTimeout: { code: 408, slug: 'Request_Timeout', status: 408 },
  HeadersTooLarge: { code: 431, slug: 'Request_HeadersTooLarge', status: 431 },
  UnsupportedMediaType: { code: 415, slug: 'Request_UnsupportedMediaType', status: 415 },
  RateLimited: { code: 429, slug: 'Request_RateLimited', status: 429 },
  Internal: { code: 500, slug: 'Internal_ServerError', status: 500 },
  Unavailable: { code: 503, slug: 'Internal_StoreUnavailable', status: 503 },
  ProjectNotFound: { code: 1101, slug: 'Project_NotFound', status: 404 },
  ApiKeyNotFound: { code: 1102, slug: 'ApiKey_NotFound', status: 404 },
  ToolkitNotFound: { code: 601, slug: 'Toolkit_NotFound', status: 404 },
  ToolkitUnknown: { code: 602, slug: 'Toolkit_UnknownSlug', status: 400 },
  AuthSchemeUnsupported: { code: 603, slug: 'AuthConfig_SchemeNotSupported', status: 400 },
  ManagedAuthUnavailable: { code: 604, slug: 'AuthConfig_ManagedAuthUnavailable', status: 400 },
  AuthConfigNotFound: { code: 607, slug: 'AuthConfig_NotFound', status: 404 },
  AuthConfigDisabled: { code: 608, slug: 'AuthConfig_Disabled', status: 422 },
  MissingRequiredFields: { code: 612, slug: 'AuthConfig_MissingRequiredFields', status: 400 },
  ConnectedAccountNotFound: { code: 701, slug: 'ConnectedAccount_NotFound', status: 404 },
  AliasTaken: { code: 702, slug: 'ConnectedAccount_AliasTaken', status: 409 },
  ConnectedAccountNotActive: { code: 703, slug: 'ConnectedAccount_NotActive', status: 409 },
  CallbackUrlInvalid: { code: 704, slug: 'ConnectedAccount_CallbackUrlInvalid', status: 400 },
  ConnectionDataInvalid: { code: 705, slug: 'ConnectedAccount_ConnectionDataInvalid', status: 400 },
  ConnectionFieldsMissing: { code: 706, slug: 'ConnectedAccount_MissingConnectionFields', status: 422 },
  RevocationUnsupported: { code: 707, slug: 'ConnectedAccount_RevocationNotSupported', status: 400 },
  ProviderError: { code: 708, slug: 'ConnectedAccount_ProviderError', status: 502 },
  AuthSessionNotFound: { code: 709, slug: 'ConnectedAccount_AuthSessionNotFound', status: 404 },
  AuthSessionUserMismatch: { code: 710, slug: 'ConnectedAccount_AuthSessionUserMismatch', status: 403 },
  ConcurrentUpdate: { code: 711, slug: 'ConnectedAccount_ConcurrentUpdate', status: 409 },
  ProxyEndpointNotAllowed: { code: 811, slug: 'ToolProxy_EndpointNotAllowed', status: 400 },
  ProxyParameterNotAllowed: { code: 812, slug: 'ToolProxy_ParameterNotAllowed', status: 400 },
  ProxyTargetForbidden: { code: 813, slug: 'ToolProxy_TargetAddressForbidden', status: 403 },
  ProxyUpstreamFailed: { code: 814, slug: 'ToolProxy_UpstreamFailed', status: 502 },
  ProxyUpstreamTimeout: { code: 815, slug: 'ToolProxy_UpstreamTimeout', status: 504 },
  ProxyResponseTooLarge: { code: 816, slug: 'ToolProxy_ResponseTooLarge', status: 502 },
  WebhookSubscriptionNotFound: { code: 801, slug: 'WebhookSubscription_NotFound', status: 404 },
  WebhookDeliveryNotFound: { code: 802, slug: 'WebhookDelivery_NotFound', status: 404 },
  WebhookSubscriptionLimitReached: { code: 803, slug: 'WebhookSubscription_LimitReached', status: 422 },
  MultipleSharedAccounts: { code: 4347, slug: 'ToolRouterV2_MultipleSharedAccountsPerToolkit', status: 400 },
  MethodNotAllowed: { code: 405, slug: 'Request_MethodNotAllowed', status: 405 },
  NotAcceptable: { code: 406, slug: 'Request_NotAcceptable', status: 406 },
  ToolNotFound: { code: 1201, slug: 'Tool_NotFound', status: 404 },
  ToolArgumentsInvalid: { code: 1202, slug: 'Tool_InvalidArguments', status: 400 },
  ToolInputUnsupported: { code: 1203, slug: 'Tool_InputNotSupported', status: 400 },
  ToolNotAllowedByAuthConfig: { code: 1204, slug: 'Tool_NotAllowedByAuthConfig', status: 403 },
  ToolAccountNotAllowed: { code: 1205, slug: 'Tool_ConnectedAccountNotAllowed', status: 403 },
  ToolDefinitionInvalid: { code: 1206, slug: 'Tool_DefinitionInvalid', status: 500 },
  // 1803 is the code Composio's SDK turns into ComposioConnectedAccountNotFoundError.
  ToolNoConnectedAccount: { code: 1803, slug: 'Tool_ConnectedAccountNotFound', status: 404 },
  SessionToolNotEnabled: { code: 4310, slug: 'ToolRouterV2_ToolNotEnabled', status: 403 },
  MetaToolUnsupported: { code: 4311, slug: 'ToolRouterV2_MetaToolNotSupported', status: 400 },
  SessionNotFound: { code: 4301, slug: 'ToolRouterV2_SessionNotFound', status: 404 },
  SessionConfigConflict: { code: 4302, slug: 'ToolRouterV2_ConfigVersionConflict', status: 409 },
  SessionConfigInvalid: { code: 4303, slug: 'ToolRouterV2_InvalidSessionConfig', status: 400 },
  SessionToolkitNotEnabled: { code: 4304, slug: 'ToolRouterV2_ToolkitNotEnabled', status: 400 },
  SessionNoConnectedAccount: { code: 4305, slug: 'ToolRouterV2_NoConnectedAccount', status: 404 },
  SessionAccountSelectionRequired: { code: 4306, slug: 'ToolRouterV2_AccountSelectionRequired', status: 409 },
  SessionAccountNotAllowed: { code: 4307, slug: 'ToolRouterV2_ConnectedAccountNotAllowed', status: 403 },
  SessionAuthConfigAmbiguous: { code: 4308, slug: 'ToolRouterV2_MultipleAuthConfigs', status: 400 },
  SessionNoAuthConfig: { code: 4309, slug: 'ToolRouterV2_NoAuthConfig', status: 400 },
} as const;

export type ErrorKey = keyof typeof ERRORS;

export interface ApiErrorOptions {
  suggestedFix?: string;
  errors?: string[];
  headers?: Record<string, string>;
}

export class ApiError extends Error {
  readonly code: number;
  readonly slug: string;
  readonly status: number;
  constructor(
    readonly key: ErrorKey,
    message: string,
    readonly options: ApiErrorOptions = {},
  ) {
    super(message);
    const e = ERRORS[key];
    this.code = e.code;
    this.slug = e.slug;
    this.status = e.status;
  }
}

export interface ErrorEnvelope {
  error: {
    message: string;
    code: number;
    slug: string;
    status: number;
    request_id: string;
    suggested_fix?: string;
    errors?: string[];
  };
}

export function envelope(err: ApiError, requestId: string): ErrorEnvelope {
  return {
    error: {
      message: err.message,
      code: err.code,
      slug: err.slug,
      status: err.status,
      request_id: requestId,
      ...(err.options.suggestedFix ? { suggested_fix: err.options.suggestedFix } : {}),
      ...(err.options.errors?.length ? { errors: err.options.errors } : {}),
    },
  };
}
