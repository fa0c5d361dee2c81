// Public entry point of the hosted connect-page views: pure functions from a
// view model to a complete HTML document string. No I/O, no JavaScript.

export type { AccountType, ConnectVmBase, ToolkitVm } from './types.ts';
export { renderConsent, type ConsentVm } from './consent.ts';
export { renderCredentialForm, type CredentialFieldVm, type CredentialFormVm } from './credential-form.ts';
export { renderResult, RESULT_HTTP_STATUS, type ResultKind, type ResultVm } from './result.ts';
