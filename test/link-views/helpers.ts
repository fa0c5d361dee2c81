// Shared fixtures and a tiny tag scanner for the link-views tests. Every
// attribute the views emit is double-quoted and escaped, so a regex scan of
// tags is exact for our output; injected markup would show up as extra tags.

import type { ConsentVm, CredentialFormVm } from '../../src/link/views/pages.ts';

export const PAYLOADS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'><svg onload=alert(1)>",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a hostile value, literally
  '`${alert(1)}`<b>x</b>',
  '</title><script>alert(1)</script>',
  '</textarea></style><iframe src="https://evil.example/">',
  '&lt;already-escaped&gt;',
];

export const JS_URLS = [
  'javascript:alert(1)',
  ' JaVaScRiPt:alert(1)',
  'java\tscript:alert(1)',
  '\u0001javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'vbscript:msgbox(1)',
];

export function consentVm(overrides: Partial<ConsentVm> = {}): ConsentVm {
  return {
    projectName: 'Acme CRM',
    toolkit: { slug: 'github', name: 'GitHub', description: 'Code hosting.' },
    userId: 'user_42',
    alias: 'work',
    scopes: ['repo', 'read:user'],
    accountType: 'PRIVATE',
    csrfToken: 'csrf-token-123',
    action: '/link/lk_abc/consent',
    cancelAction: '/link/lk_abc/cancel',
    ...overrides,
  };
}

export function credentialVm(overrides: Partial<CredentialFormVm> = {}): CredentialFormVm {
  return {
    projectName: 'Acme CRM',
    toolkit: { slug: 'stripe', name: 'Stripe' },
    userId: 'user_42',
    alias: 'work',
    accountType: 'PRIVATE',
    schemeName: 'API Key',
    fields: [
      { name: 'api_key', display_name: 'API Key', description: 'Your secret key.', secret: true, required: true },
      { name: 'subdomain', display_name: 'Subdomain', description: 'e.g. acme', secret: false, required: false, value: 'acme' },
    ],
    csrfToken: 'csrf-token-123',
    action: '/link/lk_abc/credentials',
    cancelAction: '/link/lk_abc/cancel',
    ...overrides,
  };
}

export interface Tag {
  name: string;
  attrs: Array<[string, string | null]>;
}

export function scanTags(doc: string): Tag[] {
  const tags: Tag[] = [];
  for (const m of doc.matchAll(/<([a-zA-Z][^\s>/]*)([^>]*)>/g)) {
    const attrs: Array<[string, string | null]> = [];
    for (const a of m[2].matchAll(/([^\s"'=<>`/]+)(?:="([^"]*)")?/g)) attrs.push([a[1].toLowerCase(), a[2] ?? null]);
    tags.push({ name: m[1].toLowerCase(), attrs });
  }
  return tags;
}

/** Tag names and attribute names only: must not change whatever the data. */
export function structure(doc: string): string[] {
  return scanTags(doc).map((t) => `${t.name}[${t.attrs.map(([n]) => n).join(',')}]`);
}

const ALLOWED_TAGS = new Set([
  'html',
  'head',
  'meta',
  'title',
  'link',
  'body',
  'div',
  'main',
  'footer',
  'span',
  'strong',
  'code',
  'h1',
  'h2',
  'p',
  'ul',
  'li',
  'dl',
  'dt',
  'dd',
  'form',
  'input',
  'label',
  'button',
  'a',
  'svg',
  'path',
]);

/** Structural safety checks every rendered page must pass. */
export function unsafeBits(doc: string, allowedExternal: string[] = []): string[] {
  const problems: string[] = [];
  if (/<script/i.test(doc)) problems.push('<script');
  if (/<style/i.test(doc)) problems.push('<style');
  for (const tag of scanTags(doc)) {
    if (!ALLOWED_TAGS.has(tag.name)) problems.push(`tag <${tag.name}>`);
    for (const [name, value] of tag.attrs) {
      if (name.startsWith('on')) problems.push(`event handler ${name}`);
      if (name === 'style') problems.push('style attribute');
      if ((name === 'href' || name === 'src' || name === 'action' || name === 'formaction') && value !== null) {
        const sameOrigin = value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\');
        if (!sameOrigin && value !== 'data:,' && !allowedExternal.includes(value)) problems.push(`${name}=${value}`);
      }
    }
  }
  return problems;
}

export function forms(doc: string): string[] {
  return [...doc.matchAll(/<form\b[\s\S]*?<\/form>/g)].map((m) => m[0]);
}
