// Turns stored credentials into what a proxied request carries, exactly as the
// scheme's `apply` rules in the toolkit file say, nothing more.
import type { ApplyRule, AuthScheme } from './types.ts';
import { fillTemplate, lookup, placeholders, TemplateError, type TemplateVars } from './template.ts';

export interface AppliedCredentials {
  headers: Record<string, string>;
  query: Record<string, string>;
  /** An `oauth1` rule: the request is signed once its method, URL and body are final (src/proxy/oauth1-sign.ts). */
  signOAuth1?: boolean;
}

function ruleTemplates(rule: ApplyRule): string[] {
  if (rule.in === 'oauth1') return [];
  return rule.in === 'basic' ? [rule.username, rule.password] : [rule.value];
}

// CR/LF in a header value would let a stored field smuggle extra headers.
const HEADER_UNSAFE = /[\r\n\0]/;

function headerValue(name: string, template: string, vars: TemplateVars): string {
  const value = fillTemplate(template, vars);
  if (HEADER_UNSAFE.test(value)) {
    throw new TemplateError('unsafe', placeholders(template), `Value for header ${name} must not contain line breaks or NUL`);
  }
  return value;
}

/**
 * vars: connection fields, auth-config fields and the token (access_token, or OAUTH1's oauth_token).
 * Throws TemplateError naming every missing placeholder at once, so a caller
 * can report them together.
 */
export function applyCredentials(scheme: AuthScheme, vars: TemplateVars): AppliedCredentials {
  const missing = [...new Set(scheme.apply.flatMap(ruleTemplates).flatMap(placeholders))].filter((n) => lookup(vars, n) === undefined);
  if (missing.length) throw TemplateError.missing(missing);

  const out: AppliedCredentials = { headers: {}, query: {} };
  for (const rule of scheme.apply) {
    if (rule.in === 'header') {
      out.headers[rule.name] = headerValue(rule.name, rule.value, vars);
    } else if (rule.in === 'query') {
      out.query[rule.name] = fillTemplate(rule.value, vars);
    } else if (rule.in === 'oauth1') {
      out.signOAuth1 = true;
    } else {
      const username = fillTemplate(rule.username, vars);
      // RFC 7617: the user-id ends at the first colon, so one inside it would shift into the password.
      if (username.includes(':')) throw new TemplateError('unsafe', placeholders(rule.username), 'Basic auth username must not contain ":"');
      const password = fillTemplate(rule.password, vars);
      const token = Buffer.from(`${username}:${password}`, 'utf8').toString('base64');
      out.headers.Authorization = headerValue('Authorization', `Basic ${token}`, {});
    }
  }
  return out;
}
