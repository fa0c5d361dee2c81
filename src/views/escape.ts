// HTML escaping and the `html` tagged template used by every view.
//
// Rule: every interpolated value is escaped unless it is a SafeHtml, and a
// SafeHtml can only come from `html` itself (whose literal parts are ours) or
// from `raw()` (the single, greppable escape hatch). Attribute values in the
// templates are always double-quoted, so escaping is sufficient there too.

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes & < > " ' and backtick. null/undefined become ''. */
export function escapeHtml(value: unknown): string {
  if (value === null || value === undefined) return '';
  return String(value).replace(/[&<>"'`]/g, (ch) => ESCAPES[ch]);
}

/** A string of markup that is already safe to emit as-is. */
export class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

/** Marks trusted markup as safe. Never pass user- or app-supplied data here. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  // null/undefined/false render nothing, so `cond && html`...`` works.
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(value);
}

/**
 * Tagged template: literal parts are kept, interpolations are escaped unless
 * they are SafeHtml (or arrays of values, each rendered by the same rule).
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) {
    out += render(values[i]) + strings[i + 1];
  }
  return new SafeHtml(out);
}
