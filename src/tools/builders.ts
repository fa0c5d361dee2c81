// Named builders: values a provider needs that no field mapping can express,
// computed from several arguments. A tool file names a builder and maps its
// parameters to arguments; this is the only code per format, never per tool.
import type { BuilderName, Json } from './types.ts';

type Args = { [name: string]: Json | undefined };

const CRLF = '\r\n';

function text(v: Json | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  return Array.isArray(v) ? v.map((x) => String(x)).join(', ') : String(v);
}

/** RFC 2047 encoded-word for a header with non-ASCII text. */
function headerText(s: string): string {
  return /^[\x20-\x7e]*$/.test(s) ? s : `=?UTF-8?B?${Buffer.from(s, 'utf8').toString('base64')}?=`;
}

// A header value must stay on its line: CR/LF would let an argument add headers (or a body) to the message.
function oneLine(name: string, s: string): string {
  if (/[\r\n]/.test(s)) throw new BuilderError(name, `${name} must not contain line breaks`);
  return s;
}

export class BuilderError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
    this.name = 'BuilderError';
  }
}

/** An RFC 2822 message (Gmail's `raw`), base64url without padding. */
function emailRfc2822Base64url(get: (p: string) => Json | undefined): string {
  const lines: string[] = [];
  const header = (name: string, param: string, encode = false) => {
    const v = text(get(param));
    if (v !== undefined) lines.push(`${name}: ${encode ? headerText(oneLine(param, v)) : oneLine(param, v)}`);
  };
  header('From', 'from');
  header('To', 'to');
  header('Cc', 'cc');
  header('Bcc', 'bcc');
  header('Subject', 'subject', true);
  header('In-Reply-To', 'in_reply_to');
  header('References', 'references');
  lines.push('MIME-Version: 1.0');
  lines.push(`Content-Type: ${get('is_html') === true ? 'text/html' : 'text/plain'}; charset="UTF-8"`);
  lines.push('Content-Transfer-Encoding: base64');
  lines.push('');
  const body = Buffer.from(text(get('body')) ?? '', 'utf8').toString('base64');
  lines.push((body.match(/.{1,76}/g) ?? ['']).join(CRLF));
  return Buffer.from(lines.join(CRLF), 'utf8').toString('base64url');
}

export function buildValue(builder: BuilderName, mapping: Record<string, string>, args: Args): Json {
  const get = (param: string) => (mapping[param] === undefined ? undefined : args[mapping[param]]);
  switch (builder) {
    case 'email_rfc2822_base64url':
      return emailRfc2822Base64url(get);
  }
}

/** Parameters each builder understands (the loader refuses others). */
export const BUILDER_PARAMETERS: Record<BuilderName, readonly string[]> = {
  email_rfc2822_base64url: ['to', 'cc', 'bcc', 'from', 'subject', 'body', 'is_html', 'in_reply_to', 'references'],
};
