// The hosted connect page's domain logic (no HTTP types): open a link, bind it
// to the browser, start OAuth, finish OAuth, accept a credential form, cancel.
// Every completion consumes the link session atomically first, so a second
// submit, a replayed state or a concurrent double callback changes nothing.
import { constantTimeEqual, hashSecret, newSecret } from '../crypto/tokens.ts';
import { changeWithEvents } from './transitions.ts';
import type { CredentialFieldVm } from '../link/views/credential-form.ts';
import type { KeyRing } from '../crypto/keyring.ts';
import type { Store } from '../store/store.ts';
import type { AccountRow } from '../store/accounts.ts';
import type { LinkSessionRow } from '../store/link-sessions.ts';
import type { Project } from '../store/projects.ts';
import type { AuthConfigService, ResolvedAuthConfig } from './auth-configs.ts';
import { sealCredentials } from './account-view.ts';
import { ENCRYPTED_FIELDS } from '../crypto/fields.ts';
import { oauthProviderFor, oauthClientFor } from './oauth-provider.ts';
import { buildAuthorizeUrl, newPkce, newState } from '../oauth/authorize.ts';
import { exchangeCode } from '../oauth/exchange.ts';
import { OAuthClientError } from '../oauth/errors.ts';
import { linkOutcomeOf, type Metrics } from '../metrics/types.ts';

export type Stop = 'invalid' | 'used' | 'expired' | 'elsewhere';

export interface FlowContext {
  link: LinkSessionRow;
  account: AccountRow;
  project: Project;
  resolved: ResolvedAuthConfig;
}

export interface Outcome {
  kind: 'success' | 'failed';
  accountId: string;
  callbackUrl: string | null;
  error?: string;
  message?: string;
  projectName: string;
  toolkitName: string;
}

/** A field of the credential form, as the view renders it. */
export type FormField = CredentialFieldVm;

export const LINK_COOKIE = 'authlink_link';

// `<link session id>.<browser secret>`, as set by open(); anything else is
// refused before it reaches the store.
const BROWSER_COOKIE = /^(ls_[a-z0-9]{12})\.(bs_[A-Za-z0-9_-]{32})$/;

function parseBrowserCookie(cookie: string | undefined): { linkId: string; secret: string } | undefined {
  const m = cookie ? BROWSER_COOKIE.exec(cookie) : null;
  return m ? { linkId: m[1], secret: m[2] } : undefined;
}

/** True when the (parsed) cookie is the one this link session was bound to on first open. */
function heldBy(link: LinkSessionRow, parsed: { linkId: string; secret: string } | undefined): boolean {
  return !!parsed && parsed.linkId === link.id && !!link.browser_hash && constantTimeEqual(hashSecret(parsed.secret), link.browser_hash);
}

export function createHostedFlow(deps: {
  store: Store;
  keyRing: KeyRing;
  authConfigs: AuthConfigService;
  publicUrl: string;
  allowInsecureOAuth: boolean;
  fetch: typeof fetch;
  now: () => Date;
  metrics?: Metrics;
}) {
  const { store, keyRing } = deps;
  const redirectUri = `${deps.publicUrl}/api/v3.1/toolkits/auth/callback`;
  const verifierAad = ENCRYPTED_FIELDS.pkceVerifier.aad;

  function stopFor(link: LinkSessionRow | undefined, nowIso: string): Stop | undefined {
    if (!link) return 'invalid';
    if (link.consumed_at) return 'used';
    if (link.expires_at <= nowIso) return 'expired';
    return undefined;
  }

  /** An expired link ends its still-INITIATED account as EXPIRED, with a reason. */
  async function expireAccount(link: LinkSessionRow): Promise<void> {
    const ts = deps.now().toISOString();
    const expired = await changeWithEvents(
      store,
      deps.now(),
      (tx) =>
        tx.accounts.update(
          link.project_id,
          link.connected_account_id,
          { status: 'EXPIRED', status_reason: 'The link expired before the user connected', updated_at: ts },
          ['INITIATED'],
        ),
      ['connected_account.expired', 'link_session.expired'],
      { link_session: { expires_at: link.expires_at } },
    );
    if (expired) deps.metrics?.linkExpired(expired.toolkit_slug);
  }

  async function context(link: LinkSessionRow): Promise<FlowContext | Stop> {
    const [account, project] = await Promise.all([store.accounts.get(link.project_id, link.connected_account_id), store.projects.get(link.project_id)]);
    if (!account || !project || account.status !== 'INITIATED') return 'used';
    const authRow = await store.authConfigs.get(link.project_id, account.auth_config_id);
    if (authRow?.status !== 'ENABLED') return 'invalid';
    return { link, account, project, resolved: deps.authConfigs.resolveRow(authRow) };
  }

  function outcome(ctx: FlowContext, kind: Outcome['kind'], extra: Partial<Outcome> = {}): Outcome {
    return {
      kind,
      accountId: ctx.account.id,
      callbackUrl: ctx.link.callback_url,
      projectName: ctx.project.name,
      toolkitName: ctx.resolved.toolkit.name,
      ...extra,
    };
  }

  async function fail(ctx: FlowContext, error: string, reason: string): Promise<Outcome> {
    await changeWithEvents(
      store,
      deps.now(),
      (tx) =>
        tx.accounts.update(ctx.account.project_id, ctx.account.id, { status: 'FAILED', status_reason: reason, updated_at: deps.now().toISOString() }, [
          'INITIATED',
        ]),
      ['connected_account.failed'],
      { error },
    );
    deps.metrics?.linkCompleted(ctx.account.toolkit_slug, linkOutcomeOf(error));
    return outcome(ctx, 'failed', { error, message: reason });
  }

  async function activate(ctx: FlowContext, creds: Record<string, unknown>, extra: Partial<AccountRow>): Promise<Outcome> {
    const updated = await changeWithEvents(
      store,
      deps.now(),
      (tx) =>
        tx.accounts.update(
          ctx.account.project_id,
          ctx.account.id,
          {
            ...extra,
            credentials_enc: sealCredentials(keyRing, ctx.account, creds),
            status: 'ACTIVE',
            status_reason: null,
            updated_at: deps.now().toISOString(),
          },
          ['INITIATED'],
        ),
      ['connected_account.active'],
    );
    deps.metrics?.linkCompleted(ctx.account.toolkit_slug, updated ? 'success' : 'failed');
    return updated ? outcome(ctx, 'success') : outcome(ctx, 'failed', { error: 'account_changed', message: 'The account changed while connecting' });
  }

  return {
    redirectUri,

    /** First open of /link/<token>: binds the session to this browser. Returns the cookie value. */
    async open(token: string, existingCookie: string | undefined): Promise<{ cookie: string } | { stop: Stop }> {
      const nowIso = deps.now().toISOString();
      const link = await store.links.byTokenHash(hashSecret(token));
      const stop = stopFor(link, nowIso);
      if (stop === 'expired') await expireAccount(link!);
      if (stop) return { stop };
      if (link!.browser_hash) {
        // Reopened in the same browser: keep going; from another browser: refuse.
        return heldBy(link!, parseBrowserCookie(existingCookie)) ? { cookie: existingCookie! } : { stop: 'elsewhere' };
      }
      const secret = newSecret('bs');
      const bound = await store.links.bindBrowser(link!.id, hashSecret(secret), newSecret('csrf'), nowIso);
      // The link row does not name its toolkit: one point read, only when metrics are on.
      if (bound && deps.metrics?.enabled)
        deps.metrics.linkOpened((await store.accounts.get(link!.project_id, link!.connected_account_id))?.toolkit_slug ?? 'unknown');
      return bound ? { cookie: `${link!.id}.${secret}` } : { stop: 'elsewhere' };
    },

    /** The link session this browser's cookie points at, with everything needed to render or complete it. */
    async fromCookie(cookie: string | undefined): Promise<FlowContext | Stop> {
      const parsed = parseBrowserCookie(cookie);
      const link = parsed && (await store.links.byId(parsed.linkId));
      if (!link || !heldBy(link, parsed)) return 'invalid';
      const stop = stopFor(link, deps.now().toISOString());
      if (stop === 'expired') await expireAccount(link);
      return stop ?? context(link);
    },

    checkCsrf(ctx: FlowContext, token: unknown): boolean {
      return typeof token === 'string' && !!ctx.link.csrf_token && constantTimeEqual(token, ctx.link.csrf_token);
    },

    /** The credential form of a non-OAuth scheme, non-secret fields pre-filled from connection data. */
    formFields(ctx: FlowContext): FormField[] {
      const data = JSON.parse(ctx.account.data) as Record<string, string>;
      const { required, optional } = ctx.resolved.scheme.fields.connected_account_initiation;
      return [...required.map((f) => ({ f, required: true })), ...optional.map((f) => ({ f, required: false }))].map(({ f, required: req }) => ({
        name: f.name,
        display_name: f.display_name,
        description: f.description,
        secret: f.secret,
        required: req,
        ...(f.secret ? {} : { value: data[f.name] ?? f.default ?? '' }),
      }));
    },

    /** Consent accepted: remember a fresh state (and PKCE verifier) and send the browser to the provider. */
    async startOAuth(ctx: FlowContext): Promise<string> {
      const provider = oauthProviderFor(ctx.resolved, JSON.parse(ctx.account.data));
      const state = newState();
      const pkce = provider.pkce ? await newPkce() : undefined;
      await store.links.setOAuthState(ctx.link.id, hashSecret(state), pkce ? keyRing.encrypt(pkce.verifier, verifierAad(ctx.link)) : null);
      return buildAuthorizeUrl({
        provider,
        client: oauthClientFor(ctx.resolved),
        redirectUri,
        scopes: ctx.resolved.scopes,
        state,
        codeChallenge: pkce?.challenge,
      });
    },

    /** The provider sent the browser back. State must match this browser's session; then single use. */
    async finishOAuth(callbackUrl: URL, cookie: string | undefined): Promise<Outcome | Stop> {
      const state = callbackUrl.searchParams.get('state');
      if (!state) return 'invalid';
      const link = await store.links.byStateHash(hashSecret(state));
      // State is bound to the browser that started the flow (RFC 9700 §4.7).
      if (!link || !heldBy(link, parseBrowserCookie(cookie))) return 'invalid';
      const nowIso = deps.now().toISOString();
      const stop = stopFor(link, nowIso);
      if (stop === 'expired') await expireAccount(link);
      if (stop) return stop;
      const ctx = await context(link);
      if (typeof ctx === 'string') return ctx;
      if (!(await store.links.consume(link.id, nowIso))) return 'used';
      const provider = oauthProviderFor(ctx.resolved, JSON.parse(ctx.account.data));
      try {
        const tokens = await exchangeCode({
          provider,
          client: oauthClientFor(ctx.resolved),
          redirectUri,
          callbackUrl,
          expectedState: state,
          codeVerifier: link.pkce_verifier_enc ? keyRing.decrypt(link.pkce_verifier_enc, verifierAad(link)) : undefined,
          requestedScopes: ctx.resolved.scopes,
          fetch: deps.fetch,
          allowInsecure: deps.allowInsecureOAuth,
          now: deps.now,
        });
        return await activate(
          ctx,
          { ...tokens },
          {
            granted_scopes: JSON.stringify(tokens.scope),
            token_expires_at: tokens.expires_at ?? null,
          },
        );
      } catch (e) {
        if (e instanceof OAuthClientError) {
          const code = e.oauthError ?? e.kind;
          return fail(ctx, code, e.oauthError === 'access_denied' ? 'The user denied access at the provider' : `Connecting failed: ${e.message}`);
        }
        await fail(ctx, 'internal_error', 'Connecting failed because of an internal error');
        throw e;
      }
    },

    /** A credential form was submitted. Missing required fields re-render the form; otherwise single use. */
    async submitCredentials(ctx: FlowContext, form: Record<string, unknown>): Promise<Outcome | { errors: string[] } | Stop> {
      const fields = this.formFields(ctx);
      const values: Record<string, string> = {};
      const errors: string[] = [];
      for (const f of fields) {
        const raw = form[f.name];
        const v = typeof raw === 'string' ? raw.trim() : '';
        if (v.length > 8192) errors.push(`${f.display_name} is too long`);
        else if (v) values[f.name] = v;
        else if (f.required) errors.push(`${f.display_name} is required`);
      }
      if (errors.length) return { errors };
      if (!(await store.links.consume(ctx.link.id, deps.now().toISOString()))) return 'used';
      const secretNames = new Set(fields.filter((f) => f.secret).map((f) => f.name));
      const creds: Record<string, string> = {};
      const data: Record<string, string> = JSON.parse(ctx.account.data);
      for (const [k, v] of Object.entries(values)) (secretNames.has(k) ? creds : data)[k] = v;
      return activate(ctx, creds, { data: JSON.stringify(data) });
    },

    async cancel(ctx: FlowContext): Promise<Outcome | Stop> {
      if (!(await store.links.consume(ctx.link.id, deps.now().toISOString()))) return 'used';
      return fail(ctx, 'cancelled', 'The user cancelled the connection');
    },
  };
}

export type HostedFlow = ReturnType<typeof createHostedFlow>;
