// View-model types shared by the connect-page views.

export interface ToolkitVm {
  slug: string;
  name: string;
  description?: string;
}

export type AccountType = 'PRIVATE' | 'SHARED';

/** Fields common to the consent screen and the credential form. */
export interface ConnectVmBase {
  projectName: string;
  toolkit: ToolkitVm;
  /** The app's identifier for the end user being connected. */
  userId: string;
  alias?: string | null;
  accountType: AccountType;
  csrfToken: string;
  /** POST URL of the main form (relative or http(s); anything else throws). */
  action: string;
  /** POST URL of the cancel form (relative or http(s); anything else throws). */
  cancelAction: string;
  /** The link reconnects an account connected before (its credential is replaced only when this completes). */
  reconnect?: boolean;
}
