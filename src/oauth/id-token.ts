// id_token handling, deliberately minimal. authlink talks to plain OAuth2
// providers whose issuer and JWKS are unknown (no discovery), so an id_token
// cannot be validated the OIDC way. We only decode its claims, WITHOUT checking
// signature, issuer, audience or expiry, to remember who connected (email,
// name, sub) for display. That is acceptable only because the token came
// straight from the token endpoint over TLS in a client-authenticated request
// (cf. OIDC Core 3.1.3.7 on TLS-received ID Tokens), and because nothing in
// authlink may make an authorization decision from these claims.

/** Claims of a compact JWS, or undefined when it isn't one (JWE, garbage). */
export function decodeJwtClaimsUnverified(jwt: string): Record<string, unknown> | undefined {
  const parts = jwt.split('.');
  if (parts.length !== 3 || !parts[1]) return undefined; // 5 parts = encrypted: no key to read it
  try {
    const claims: unknown = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    return claims !== null && typeof claims === 'object' && !Array.isArray(claims) ? (claims as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
