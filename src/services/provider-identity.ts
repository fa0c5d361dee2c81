// Who a credential belongs to at the provider, and the reconnect rule built on
// it (issue #15): reconnecting an account as another provider identity than
// the one connected before is refused unless the auth config allows it.
//
// The subject comes from where the toolkit says (oauth2.subject: an id_token
// claim, or a field of its userinfo_url answer); without a declaration, from
// an id_token's `sub` (OpenID Connect Core 2: locally unique and never
// reassigned within the issuer). id_token claims are read unverified
// (src/oauth/id-token.ts): acceptable here because the token came straight
// from the token endpoint over TLS in a client-authenticated request (OIDC
// Core 3.1.3.7), and because the rule only ever refuses.
import { fetchUserinfoField, identifierAt } from '../oauth/userinfo.ts';
import type { OAuthProvider, TokenSet } from '../oauth/types.ts';
import type { ResolvedAuthConfig } from './auth-configs.ts';

/** The subject a token set tells without asking the provider anything (an id_token claim), or undefined. */
export function subjectFromTokens(resolved: ResolvedAuthConfig, tokens: Pick<TokenSet, 'id_token_claims'>): string | undefined {
  const declared = resolved.scheme.oauth2?.subject;
  if (declared && declared.from !== 'id_token') return undefined;
  return tokens.id_token_claims ? identifierAt(tokens.id_token_claims, declared?.field ?? 'sub') : undefined;
}

/**
 * The subject of a fresh token set: from its id_token, or asked of the
 * toolkit's userinfo endpoint. undefined when the toolkit cannot tell or the
 * provider did not answer usably (the caller decides what that means).
 */
export async function providerSubject(
  resolved: ResolvedAuthConfig,
  provider: OAuthProvider,
  tokens: TokenSet,
  transport: { fetch: typeof fetch; allowInsecure: boolean },
): Promise<string | undefined> {
  const declared = resolved.scheme.oauth2?.subject;
  if (declared?.from !== 'userinfo') return subjectFromTokens(resolved, tokens);
  try {
    return await fetchUserinfoField({ provider, accessToken: tokens.access_token, field: declared.field, ...transport });
  } catch {
    return undefined; // unknown: a reconnect that must compare refuses it (identity_unverified)
  }
}

export type IdentityVerdict = 'ok' | 'identity_mismatch' | 'identity_unverified';

/**
 * A reconnect keeps the identity connected before: nothing to compare when it
 * was never recorded (or the auth config allows any identity); otherwise the
 * new subject must be known and equal (exact comparison, as the provider gave it).
 */
export function compareIdentity(before: string | null | undefined, after: string | undefined, allowOther: boolean): IdentityVerdict {
  if (!before || allowOther) return 'ok';
  if (after === undefined) return 'identity_unverified';
  return after === before ? 'ok' : 'identity_mismatch';
}
