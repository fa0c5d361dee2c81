// The hosted connect page's domain logic (no HTTP types): open a link, show
// it, bind it to the browser of the person who acts first, start OAuth,
// finish OAuth, accept a credential form, cancel.
//
// A GET never changes anything (issue #20 B): opening a link only trades the
// token for a "pending" cookie the server can check without storing it, so
// link-preview bots and mail scanners that fetch it consume nothing. The
// first POST from the page (consent, form, cancel) binds the link to that
// browser with one conditional UPDATE; from then on only that browser's
// cookie works. Every completion then consumes the link session atomically,
// so a second submit, a replayed state or a concurrent double callback
// changes nothing.
//
// A reconnect link (POST .../refresh with a redirect_url, issue #15) is the
// same flow bound to an existing account in any state: it has every property
// above, but the account changes only when it completes (credential replaced,
// ACTIVE, same id); a failure, a cancel or an expiry leaves it as it was.
import { createHmac } from 'node:crypto';
import { constantTimeEqual, hashSecret, newId, newSecret } from '../crypto/tokens.ts';
import { changeWithEvents } from './transitions.ts';
import type { KeyRing } from '../crypto/keyring.ts';
import type { Store } from '../store/store.ts';
import type { AccountRow } from '../store/accounts.ts';
import type { LinkSessionRow } from '../store/link-sessions.ts';
import type { Project } from '../store/projects.ts';
import type { AuthConfigService, ResolvedAuthConfig } from './auth-configs.ts';
import { sealAccountCredentials } from './account-view.ts';
import { ENCRYPTED_FIELDS } from '../crypto/fields.ts';
import { oauth1ConsumerFor, oauth1EndpointsFor, oauthProviderFor, oauthClientFor } from './oauth-provider.ts';
import { oauth1AuthorizationUrl, temporaryCredentials, tokenCredentials, type OAuth1Credentials } from '../oauth/oauth1.ts';
import { buildAuthorizeUrl, newPkce, newState } from '../oauth/authorize.ts';
import { exchangeCode } from '../oauth/exchange.ts';
import { revokeToken } from '../oauth/revoke.ts';
import { OAuthClientError } from '../oauth/errors.ts';
import { linkOutcomeOf, type Metrics } from '../metrics/types.ts';
import type { OAuthClient, OAuthProvider, TokenSet } from '../oauth/types.ts';
import { compareIdentity, providerSubject } from './provider-identity.ts';
import { applyReconnect, sealPending, type ConnectionExtra } from './reconnect.ts';
import { isServerGrant, SERVICE_ACCOUNT_KEY_FIELD, serverGrantTokens, serviceAccountKeyProblems } from './server-grant.ts';

export type Stop = 'invalid' | 'used' | 'expired' | 'elsewhere';

export interface FlowContext {
  /** The browser's cookie value: pending (opened, nobody acted yet) or bound to this browser. */
  cookie: string;
  bound: boolean;
  link: LinkSessionRow;
  account: AccountRow;
  project: Project;
  resolved: ResolvedAuthConfig;
}

export interface Outcome {
  // 'verify': connected, but the project verifies who connected: the app
  // gets a single-use session_uri to redeem (POST .../complete_auth).
  kind: 'success' | 'failed' | 'verify';
  accountId: string;
  callbackUrl: string | null;
  sessionUri?: string;
  error?: string;
  message?: string;
  projectName: string;
  toolkitName: string;
  /** Show the result page (with a way back to the callback URL) before returning to the app: the person must learn why. */
  explain?: boolean;
}

/** One field of the hosted credential form (rendered by src/link/views/credential-form.ts). */
export interface FormField {
  /** Form field name posted back (the toolkit's snake_case field key). */
  name: string;
  display_name: string;
  description: string;
  /** Rendered as a password input; never given a value attribute. */
  secret: boolean;
  required: boolean;
  /** Pre-filled value, used for non-secret fields only. */
  value?: string;
}

/**
 * The cookie's name. `__Host-` pins it to this host and path `/` (no Domain,
 * no subdomain can set or shadow it), but browsers only accept such a cookie
 * with `Secure`, i.e. over https: with an http public URL (local development)
 * the cookie is plain `authlink_link`, without `Secure`.
 */
export function linkCookieName(publicUrl: string): string {
  return publicUrl.startsWith('https://') ? '__Host-authlink_link' : 'authlink_link';
}

// `<link session id>.bs_<browser secret>` once a browser acted (the secret's
// hash is stored), or `<link session id>.op_<mac>` while the link is only
// opened (the mac, keyed by the key ring, proves the token was presented;
// nothing is stored). Anything else is refused before it reaches the store.
const BROWSER_COOKIE = /^(ls_[a-z0-9]{12})\.(?:(bs_[A-Za-z0-9_-]{32})|op_([A-Za-z0-9_-]{43}))$/;

interface ParsedCookie {
  linkId: string;
  secret?: string; // bound
  mac?: string; // pending
}

function parseBrowserCookie(cookie: string | undefined): ParsedCookie | undefined {
  const m = cookie ? BROWSER_COOKIE.exec(cookie) : null;
  if (!m) return undefined;
  return m[2] ? { linkId: m[1], secret: m[2] } : { linkId: m[1], mac: m[3] };
}

/** True when the (parsed) cookie is the one this link session was bound to when its browser first acted. */
function heldBy(link: LinkSessionRow, parsed: ParsedCookie | undefined): boolean {
  return !!parsed?.secret && parsed.linkId === link.id && !!link.browser_hash && constantTimeEqual(hashSecret(parsed.secret), link.browser_hash);
}

const PENDING_MAC = 'hosted link opened';

/**
 * The form token of a page: an HMAC keyed by the browser's cookie, so only a
 * page rendered for that cookie has it (a cross-site form cannot), and the
 * store holds nothing a GET would have to write.
 */
export function csrfFor(cookie: string): string {
  return createHmac('sha256', cookie).update('authlink csrf').digest('base64url');
}

/** How long the app has to redeem a session_uri (callback identity verification). */
export const VERIFY_TTL_SECONDS = 10 * 60;

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
  const oauth1Aad = ENCRYPTED_FIELDS.oauth1Temporary.aad;
  const transport = () => ({ fetch: deps.fetch, allowInsecure: deps.allowInsecureOAuth, now: deps.now });

  function stopFor(link: LinkSessionRow | undefined, nowIso: string): Stop | undefined {
    if (!link) return 'invalid';
    if (link.consumed_at) return 'used';
    if (link.expires_at <= nowIso) return 'expired';
    return undefined;
  }

  /** An expired link ends its still-INITIATED account as EXPIRED, with a reason (a reconnect link leaves its account alone). */
  async function expireAccount(link: LinkSessionRow): Promise<void> {
    if (link.reconnect) return;
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

  async function context(link: LinkSessionRow, cookie: string, bound: boolean): Promise<FlowContext | Stop> {
    const [account, project] = await Promise.all([store.accounts.get(link.project_id, link.connected_account_id), store.projects.get(link.project_id)]);
    // A reconnect link's account may be in any state; a first link's is INITIATED until it completes.
    if (!account || !project || (!link.reconnect && account.status !== 'INITIATED')) return 'used';
    const authRow = await store.authConfigs.get(link.project_id, account.auth_config_id);
    if (authRow?.status !== 'ENABLED') return 'invalid';
    return { cookie, bound, link, account, project, resolved: deps.authConfigs.resolveRow(authRow) };
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

  async function fail(ctx: FlowContext, error: string, reason: string, extra: Partial<Outcome> = {}): Promise<Outcome> {
    if (ctx.link.reconnect) {
      // The account keeps its state and credential: nothing to write or announce.
      return outcome(ctx, 'failed', { error, message: `${reason}. Nothing was changed: the connection you had before is kept.`, ...extra });
    }
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
    return outcome(ctx, 'failed', { error, message: reason, ...extra });
  }

  async function activate(ctx: FlowContext, creds: Record<string, unknown>, extra: ConnectionExtra): Promise<Outcome> {
    if (ctx.project.settings.verify_callback_identity) return holdForVerification(ctx, creds, extra);
    if (ctx.link.reconnect) {
      const row = await applyReconnect({ store, keyRing, now: deps.now }, ctx.account, creds, extra, ctx.account.status);
      if (row === 'busy') return fail(ctx, 'account_busy', 'The account was busy (a token refresh or revocation did not finish in time); try again');
      return row ? outcome(ctx, 'success') : outcome(ctx, 'failed', { error: 'account_changed', message: 'The account was deleted while reconnecting' });
    }
    const updated = await changeWithEvents(
      store,
      deps.now(),
      (tx) =>
        tx.accounts.update(
          ctx.account.project_id,
          ctx.account.id,
          {
            ...extra,
            ...sealAccountCredentials(keyRing, ctx.account, creds),
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

  /**
   * Callback identity verification (issue #20 E): the credential is stored
   * but the account stays INITIATED; the app's server activates it with the
   * single-use session_uri and the user id it expects (complete-auth.ts).
   * The link is kept alive (its expiry moved) until the session_uri expires,
   * after which the sweeper ends the account EXPIRED.
   */
  async function holdForVerification(ctx: FlowContext, creds: Record<string, unknown>, extra: ConnectionExtra): Promise<Outcome> {
    if (!ctx.link.callback_url) {
      // Only when the setting was turned on after this link was made without a callback URL.
      return fail(ctx, 'verification_unavailable', 'This project verifies who connected, but the link has no callback URL to return to');
    }
    const now = deps.now();
    const ts = now.toISOString();
    const sessionUri = newSecret('su');
    const expiresAt = new Date(now.getTime() + VERIFY_TTL_SECONDS * 1000).toISOString();
    const verificationId = newId('cv');
    if (ctx.link.reconnect) {
      // The account is untouched until the app confirms its user: the new credential waits, encrypted, with the verification.
      await store.transaction(async (tx) => {
        await tx.verifications.insert({
          id: verificationId,
          project_id: ctx.account.project_id,
          connected_account_id: ctx.account.id,
          link_session_id: ctx.link.id,
          session_uri_hash: hashSecret(sessionUri),
          expires_at: expiresAt,
          used_at: null,
          created_at: ts,
          pending_enc: sealPending(keyRing, { project_id: ctx.account.project_id, id: verificationId }, { creds, extra, previous_status: ctx.account.status }),
        });
        await tx.links.extendExpiry(ctx.link.id, expiresAt);
      });
      return outcome(ctx, 'verify', { sessionUri });
    }
    const held = await store.transaction(async (tx) => {
      const row = await tx.accounts.update(
        ctx.account.project_id,
        ctx.account.id,
        { ...extra, ...sealAccountCredentials(keyRing, ctx.account, creds), updated_at: ts },
        ['INITIATED'],
      );
      if (!row) return false;
      await tx.verifications.insert({
        id: verificationId,
        project_id: row.project_id,
        connected_account_id: row.id,
        link_session_id: ctx.link.id,
        session_uri_hash: hashSecret(sessionUri),
        expires_at: expiresAt,
        used_at: null,
        created_at: ts,
      });
      await tx.links.extendExpiry(ctx.link.id, expiresAt);
      return true;
    });
    return held
      ? outcome(ctx, 'verify', { sessionUri })
      : outcome(ctx, 'failed', { error: 'account_changed', message: 'The account changed while connecting' });
  }

  /** Best effort (RFC 7009): a refused reconnect's new refresh token (which ends its access tokens too), else its access token. */
  async function revokeIssued(provider: OAuthProvider, client: OAuthClient, tokens: TokenSet): Promise<void> {
    if (!provider.revocationUrl) return;
    const token = tokens.refresh_token ?? tokens.access_token;
    await revokeToken({
      provider,
      client,
      token,
      tokenTypeHint: tokens.refresh_token ? 'refresh_token' : 'access_token',
      fetch: deps.fetch,
      allowInsecure: deps.allowInsecureOAuth,
    }).catch(() => undefined);
  }

  /**
   * OAuth 1.0a has no state parameter: authlink's state rides in the
   * callback URL it registers with the temporary credentials (RFC 5849 2.1
   * allows a query there), so the callback finds its link the same way.
   */
  async function startOAuth1(ctx: FlowContext): Promise<string | { errors: string[] }> {
    const endpoints = oauth1EndpointsFor(ctx.resolved, JSON.parse(ctx.account.data));
    const consumer = oauth1ConsumerFor(ctx.resolved);
    const state = newState();
    const callback = new URL(redirectUri);
    callback.searchParams.set('state', state);
    let temporary: OAuth1Credentials;
    try {
      temporary = await temporaryCredentials({ endpoints, consumer, callbackUrl: callback.href, ...transport() });
    } catch (e) {
      if (!(e instanceof OAuthClientError)) throw e;
      return { errors: [`${ctx.resolved.toolkit.name} could not start the sign-in: ${e.message}. Try again in a moment.`] };
    }
    await store.links.setOAuthState(ctx.link.id, {
      stateHash: hashSecret(state),
      verifierEnc: null,
      oauth1TemporaryEnc: keyRing.encrypt(JSON.stringify(temporary), oauth1Aad(ctx.link)),
      authConfigId: ctx.account.auth_config_id,
      clientId: consumer.key,
    });
    return oauth1AuthorizationUrl(endpoints, temporary.key);
  }

  /** The person came back from an OAuth 1.0a provider: the same temporary token, then the verifier buys the token credentials. */
  async function finishOAuth1(ctx: FlowContext, link: LinkSessionRow, callbackUrl: URL): Promise<Outcome> {
    const params = callbackUrl.searchParams;
    const temporary = link.oauth1_temporary_enc ? (JSON.parse(keyRing.decrypt(link.oauth1_temporary_enc, oauth1Aad(link))) as OAuth1Credentials) : undefined;
    const verifier = params.get('oauth_verifier');
    // X sends `denied=<token>` when the person refuses; others just omit the verifier.
    if (params.has('denied') || !verifier) return fail(ctx, 'access_denied', 'The user denied access at the provider');
    const token = params.get('oauth_token');
    if (!temporary || !token || !constantTimeEqual(token, temporary.key)) {
      return fail(ctx, 'invalid_request', 'The provider sent back other temporary credentials than it issued for this link');
    }
    try {
      const got = await tokenCredentials({
        endpoints: oauth1EndpointsFor(ctx.resolved, JSON.parse(ctx.account.data)),
        consumer: oauth1ConsumerFor(ctx.resolved),
        temporary,
        verifier,
        ...transport(),
      });
      const subjectParam = ctx.resolved.scheme.oauth1?.subject_param;
      const subject = subjectParam ? got.extra[subjectParam] : undefined;
      if (ctx.link.reconnect) {
        const verdict = compareIdentity(ctx.account.provider_subject, subject, ctx.resolved.row.allow_reconnect_as_other_identity === 1);
        if (verdict !== 'ok') {
          return fail(
            ctx,
            verdict,
            verdict === 'identity_mismatch'
              ? `You signed in to ${ctx.resolved.toolkit.name} as a different account than the one connected before. To reconnect, sign in with that account`
              : `${ctx.resolved.toolkit.name} did not say which account you signed in with, so it could not be checked against the one connected before`,
            { explain: true },
          );
        }
      }
      const creds = { oauth_token: got.oauth_token, oauth_token_secret: got.oauth_token_secret, raw_extra: got.extra };
      return await activate(ctx, creds, { provider_subject: subject ?? null });
    } catch (e) {
      if (e instanceof OAuthClientError) return fail(ctx, e.oauthError ?? e.kind, `Connecting failed: ${e.message}`);
      await fail(ctx, 'internal_error', 'Connecting failed because of an internal error');
      throw e;
    }
  }

  /** The first token of a service account key given on the form, or what to tell the person. */
  async function grantForForm(
    ctx: FlowContext,
    data: Record<string, string>,
    creds: Record<string, unknown>,
  ): Promise<{ tokens: TokenSet } | { errors: string[] }> {
    const field = ctx.resolved.scheme.fields.connected_account_initiation.required.find((f) => f.name === SERVICE_ACCOUNT_KEY_FIELD);
    const problems = serviceAccountKeyProblems(creds[SERVICE_ACCOUNT_KEY_FIELD]);
    if (problems.length) return { errors: problems.map((p) => `${field?.display_name ?? SERVICE_ACCOUNT_KEY_FIELD}: ${p}`) };
    try {
      return { tokens: await serverGrantTokens(ctx.resolved, data, creds, { fetch: deps.fetch, allowInsecure: deps.allowInsecureOAuth, now: deps.now }) };
    } catch (e) {
      if (!(e instanceof OAuthClientError)) throw e;
      return { errors: [`${ctx.resolved.toolkit.name} issued no token for this key: ${e.message}`] };
    }
  }

  return {
    redirectUri,

    /**
     * GET /link/<token>: reads only. Returns the cookie to set (a pending one
     * while nobody acted; none when this browser already holds the bound one),
     * or why the link cannot be used here.
     */
    async open(token: string, existingCookie: string | undefined): Promise<{ cookie?: string } | { stop: Stop }> {
      const link = await store.links.byTokenHash(hashSecret(token));
      const stop = stopFor(link, deps.now().toISOString());
      if (stop) return { stop };
      if (link!.browser_hash) {
        // Someone acted: that browser may come back; any other gets "opened elsewhere".
        return heldBy(link!, parseBrowserCookie(existingCookie)) ? {} : { stop: 'elsewhere' };
      }
      return { cookie: `${link!.id}.op_${keyRing.mac(PENDING_MAC, link!.id)}` };
    },

    /**
     * The link session this browser's cookie points at, with everything needed
     * to render or complete it. `acting` (a POST) may end an expired link's
     * account; a GET (`acting` false) changes nothing.
     */
    async fromCookie(cookie: string | undefined, acting: boolean): Promise<FlowContext | Stop> {
      const parsed = parseBrowserCookie(cookie);
      if (!parsed) return 'invalid';
      if (parsed.mac && !keyRing.verifyMac(PENDING_MAC, parsed.linkId, parsed.mac)) return 'invalid';
      const link = await store.links.byId(parsed.linkId);
      if (!link) return 'invalid';
      if (parsed.secret && !heldBy(link, parsed)) return 'invalid';
      const stop = stopFor(link, deps.now().toISOString());
      if (stop === 'expired' && acting) await expireAccount(link);
      if (stop) return stop;
      // Opened here, but another browser acted first.
      if (parsed.mac && link.browser_hash) return 'elsewhere';
      return context(link, cookie!, !!parsed.secret);
    },

    csrfFor,

    checkCsrf(ctx: FlowContext, token: unknown): boolean {
      return typeof token === 'string' && constantTimeEqual(token, csrfFor(ctx.cookie));
    },

    /**
     * The person acted (a POST with a valid form token): a pending link is bound
     * to this browser now, once, whatever the concurrency. Returns the context
     * to go on with (holding the new cookie to set), or "opened elsewhere"
     * when another browser acted first.
     */
    async bind(ctx: FlowContext): Promise<FlowContext | Stop> {
      if (ctx.bound) return ctx;
      const secret = newSecret('bs');
      const link = await store.links.bindBrowser(ctx.link.id, hashSecret(secret), deps.now().toISOString());
      if (!link) {
        // Another browser acted first (whatever it did since), or the link just ran out.
        const current = await store.links.byId(ctx.link.id);
        return current?.browser_hash ? 'elsewhere' : (stopFor(current, deps.now().toISOString()) ?? 'elsewhere');
      }
      // The funnel counts a link as opened when a person acts on it (a GET may be a link-preview bot).
      deps.metrics?.linkOpened(ctx.account.toolkit_slug);
      return { ...ctx, link, cookie: `${link.id}.${secret}`, bound: true };
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

    /**
     * Consent accepted: remember a fresh state (and PKCE verifier, or OAuth
     * 1.0a temporary credentials) and return where to send the browser, or
     * what to tell the person when the provider could not be asked.
     */
    async startOAuth(ctx: FlowContext): Promise<string | { errors: string[] }> {
      if (ctx.resolved.scheme.mode === 'OAUTH1') return startOAuth1(ctx);
      const provider = oauthProviderFor(ctx.resolved, JSON.parse(ctx.account.data));
      const client = oauthClientFor(ctx.resolved);
      const state = newState();
      const pkce = provider.pkce ? await newPkce() : undefined;
      await store.links.setOAuthState(ctx.link.id, {
        stateHash: hashSecret(state),
        verifierEnc: pkce ? keyRing.encrypt(pkce.verifier, verifierAad(ctx.link)) : null,
        authConfigId: ctx.account.auth_config_id,
        clientId: client.clientId,
      });
      return buildAuthorizeUrl({
        provider,
        client,
        redirectUri,
        scopes: ctx.resolved.scopes,
        state,
        codeChallenge: pkce?.challenge,
      });
    },

    /** The provider sent the browser back. State must match this browser's session; then single use. */
    async finishOAuth(callbackUrl: URL, cookie: string | undefined): Promise<Outcome | Stop> {
      // Only a browser that acted holds a bound cookie; the shape is checked before any lookup.
      const parsed = parseBrowserCookie(cookie);
      const state = callbackUrl.searchParams.get('state');
      if (!parsed?.secret || !state) return 'invalid';
      const link = await store.links.byStateHash(hashSecret(state));
      // State is bound to the browser that started the flow (RFC 9700 §4.7).
      if (!link || !heldBy(link, parsed)) return 'invalid';
      const nowIso = deps.now().toISOString();
      const stop = stopFor(link, nowIso);
      if (stop === 'expired') await expireAccount(link);
      if (stop) return stop;
      const ctx = await context(link, cookie!, true);
      if (typeof ctx === 'string') return ctx;
      if (!(await store.links.consume(link.id, nowIso))) return 'used';
      const client = oauthClientFor(ctx.resolved);
      // Mix-up defence (RFC 9700 4.4): the code goes only to the auth config
      // and client the authorization was started with.
      if (link.oauth_auth_config_id !== ctx.account.auth_config_id || link.oauth_client_id !== client.clientId) {
        return fail(ctx, 'auth_config_changed', 'The auth config or its OAuth client changed while the user was connecting');
      }
      if (ctx.resolved.scheme.mode === 'OAUTH1') return finishOAuth1(ctx, link, callbackUrl);
      const provider = oauthProviderFor(ctx.resolved, JSON.parse(ctx.account.data));
      try {
        const tokens = await exchangeCode({
          provider,
          client,
          redirectUri,
          callbackUrl,
          expectedState: state,
          codeVerifier: link.pkce_verifier_enc ? keyRing.decrypt(link.pkce_verifier_enc, verifierAad(link)) : undefined,
          requestedScopes: ctx.resolved.scopes,
          fetch: deps.fetch,
          allowInsecure: deps.allowInsecureOAuth,
          now: deps.now,
        });
        const subject = await providerSubject(ctx.resolved, provider, tokens, { fetch: deps.fetch, allowInsecure: deps.allowInsecureOAuth });
        if (ctx.link.reconnect) {
          const verdict = compareIdentity(ctx.account.provider_subject, subject, ctx.resolved.row.allow_reconnect_as_other_identity === 1);
          if (verdict !== 'ok') {
            // What the provider just issued is stored nowhere: it must not stay valid there.
            await revokeIssued(provider, client, tokens);
            return fail(
              ctx,
              verdict,
              verdict === 'identity_mismatch'
                ? `You signed in to ${ctx.resolved.toolkit.name} as a different account than the one connected before. To reconnect, sign in with that account (you may need to sign out of ${ctx.resolved.toolkit.name} first)`
                : `${ctx.resolved.toolkit.name} did not say which account you signed in with, so it could not be checked against the one connected before`,
              { explain: true },
            );
          }
        }
        return await activate(
          ctx,
          { ...tokens },
          {
            granted_scopes: JSON.stringify(tokens.scope),
            token_expires_at: tokens.expires_at ?? null,
            provider_subject: subject ?? null,
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
      const secretNames = new Set(fields.filter((f) => f.secret).map((f) => f.name));
      const creds: Record<string, unknown> = {};
      const data: Record<string, string> = JSON.parse(ctx.account.data);
      for (const [k, v] of Object.entries(values)) (secretNames.has(k) ? creds : data)[k] = v;
      const extra: ConnectionExtra = { data: JSON.stringify(data) };
      if (isServerGrant(ctx.resolved)) {
        // A service account key: checked with the provider before the link is used up, so a refused key can be corrected here.
        const granted = await grantForForm(ctx, data, creds);
        if ('errors' in granted) return granted;
        Object.assign(creds, granted.tokens);
        Object.assign(extra, { granted_scopes: JSON.stringify(granted.tokens.scope), token_expires_at: granted.tokens.expires_at ?? null });
      }
      if (!(await store.links.consume(ctx.link.id, deps.now().toISOString()))) return 'used';
      return activate(ctx, creds, extra);
    },

    async cancel(ctx: FlowContext): Promise<Outcome | Stop> {
      if (!(await store.links.consume(ctx.link.id, deps.now().toISOString()))) return 'used';
      return fail(ctx, 'cancelled', 'The user cancelled the connection');
    },
  };
}

export type HostedFlow = ReturnType<typeof createHostedFlow>;
