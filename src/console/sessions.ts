// Console sign-in and sessions (no HTTP types). A session is a random token
// in the browser's cookie; the store holds only its hash, with an idle and an
// absolute expiry. A project API key's session acts in that project only and
// ends as soon as the key is revoked (the store's lookup checks the key); the
// operator token (AUTHLINK_CONSOLE_TOKEN) reaches every project.
import { createHmac } from 'node:crypto';
import { constantTimeEqual, hashSecret, newId, newSecret } from '../crypto/tokens.ts';
import type { ApiKeyService } from '../services/api-keys.ts';
import type { Store } from '../store/store.ts';

export const IDLE_SECONDS = 30 * 60;
export const ABSOLUTE_SECONDS = 12 * 3600;
/** last_seen_at is written at most this often: a page view costs no write. */
const TOUCH_EVERY_SECONDS = 60;

/** Who is signed in: one project (an API key) or the operator (every project). */
export type ConsoleActor = { kind: 'project'; projectId: string; apiKeyId: string } | { kind: 'operator' };

export interface ConsoleSession {
  id: string;
  actor: ConsoleActor;
  /** The form token of this session's pages. */
  csrf: string;
}

const COOKIE_SHAPE = /^cs_[A-Za-z0-9_-]{32}$/;

/**
 * The cookie's name: `__Host-` (host-only, path /, Secure) behind https, as
 * the hosted page's cookie; plain over http, where browsers refuse `__Host-`.
 */
export function consoleCookieName(publicUrl: string): string {
  return publicUrl.startsWith('https://') ? '__Host-authlink_console' : 'authlink_console';
}

/** The form token: an HMAC keyed by the session's cookie, so only a page rendered for this session has it. */
export function consoleCsrf(cookie: string): string {
  return createHmac('sha256', cookie).update('authlink console csrf').digest('base64url');
}

export function createConsoleSessions(deps: { store: Store; apiKeys: ApiKeyService; operatorToken?: string; now: () => Date }) {
  const { store } = deps;
  const operatorHash = deps.operatorToken ? hashSecret(deps.operatorToken) : undefined;
  // Names the token an operator session signed in with (a digest of a digest: nothing to learn from it), so changing or unsetting the token ends them.
  const operatorTag = operatorHash ? hashSecret(`console operator ${operatorHash}`).slice(0, 22) : undefined;
  const iso = (offsetSeconds = 0) => new Date(deps.now().getTime() + offsetSeconds * 1000).toISOString();

  /** The actor a presented secret signs in as, or undefined (same answer for every kind of wrong secret). */
  async function actorFor(secret: string): Promise<ConsoleActor | undefined> {
    if (secret.startsWith('ak_')) {
      const principal = await deps.apiKeys.authenticate(secret);
      return principal && { kind: 'project', projectId: principal.projectId, apiKeyId: principal.apiKeyId };
    }
    // Digests of equal length compared in constant time: the timing says nothing about the token.
    if (operatorHash && secret.length > 0 && constantTimeEqual(hashSecret(secret), operatorHash)) return { kind: 'operator' };
    return undefined;
  }

  return {
    operatorEnabled: operatorHash !== undefined,

    /** A new session for a valid secret: its cookie value (shown to nobody else), or undefined. */
    async signIn(secret: string): Promise<{ cookie: string; actor: ConsoleActor } | undefined> {
      const actor = await actorFor(secret.trim());
      if (!actor) return undefined;
      // Sign-ins are rare: each one also removes the sessions that can no longer be used (no sweeper needed).
      await store.consoleSessions.deleteExpired(iso(), iso(-IDLE_SECONDS));
      const cookie = newSecret('cs');
      const now = iso();
      await store.consoleSessions.insert({
        id: newId('csn'),
        token_hash: hashSecret(cookie),
        project_id: actor.kind === 'project' ? actor.projectId : null,
        api_key_id: actor.kind === 'project' ? actor.apiKeyId : null,
        operator_tag: actor.kind === 'operator' ? (operatorTag ?? null) : null,
        created_at: now,
        last_seen_at: now,
        expires_at: iso(ABSOLUTE_SECONDS),
      });
      return { cookie, actor };
    },

    /** The live session of this cookie (its idle clock restarted), or undefined. */
    async resume(cookie: string | undefined): Promise<ConsoleSession | undefined> {
      if (!cookie || !COOKIE_SHAPE.test(cookie)) return undefined;
      const row = await store.consoleSessions.findLive(hashSecret(cookie), iso(), iso(-IDLE_SECONDS));
      if (!row) return undefined;
      const isProject = row.project_id !== null && row.api_key_id !== null;
      // An operator session lives only while the token it signed in with is still the configured one.
      if (!isProject && (operatorTag === undefined || row.operator_tag !== operatorTag)) return undefined;
      if (row.last_seen_at <= iso(-TOUCH_EVERY_SECONDS)) await store.consoleSessions.touch(row.id, iso());
      const actor: ConsoleActor = isProject ? { kind: 'project', projectId: row.project_id!, apiKeyId: row.api_key_id! } : { kind: 'operator' };
      return { id: row.id, actor, csrf: consoleCsrf(cookie) };
    },

    checkCsrf(session: ConsoleSession, presented: unknown): boolean {
      return typeof presented === 'string' && constantTimeEqual(presented, session.csrf);
    },

    async signOut(cookie: string | undefined): Promise<void> {
      if (cookie && COOKIE_SHAPE.test(cookie)) await store.consoleSessions.deleteByHash(hashSecret(cookie));
    },

    /** Ends the console sessions of a revoked key (the lookup refuses them anyway; this removes the rows). */
    async endForKey(apiKeyId: string): Promise<void> {
      await store.consoleSessions.deleteByApiKey(apiKeyId);
    },
  };
}

export type ConsoleSessions = ReturnType<typeof createConsoleSessions>;
