// What a tool returns from the provider's answer: success or failure, the
// projected `data`, and the provider's own error message. Pure.
import type { Json, ToolResponse } from './types.ts';

export const DEFAULT_ERROR_PATHS = ['message', 'error.message', 'error_description', 'error', 'errors.0.message', 'detail'];

/** The value at a dotted path (segments may index arrays), or undefined. */
export function valueAt(doc: unknown, path: string): unknown {
  let at: unknown = doc;
  for (const key of path.split('.')) {
    if (Array.isArray(at) && /^\d+$/.test(key)) at = at[Number(key)];
    else if (typeof at === 'object' && at !== null && !Array.isArray(at) && Object.hasOwn(at, key)) at = (at as Record<string, unknown>)[key];
    else return undefined;
  }
  return at;
}

function isObject(v: unknown): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `data` for a successful answer: the selected part of the body, always an object. */
export function projectData(spec: ToolResponse | undefined, body: unknown): { [key: string]: Json } {
  if (body === undefined || body === null || body === '') return {};
  const selected = spec?.select ? valueAt(body, spec.select) : body;
  if (isObject(selected)) return selected;
  const key = spec?.wrap_as ?? (Array.isArray(selected) ? 'items' : 'value');
  return { [key]: (selected ?? null) as Json };
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The provider's message in a failure body, by the tool's paths or the usual ones. */
export function providerMessage(spec: ToolResponse | undefined, body: unknown): string | undefined {
  if (typeof body === 'string') return body.trim().slice(0, 500) || undefined;
  for (const path of spec?.error_message ?? DEFAULT_ERROR_PATHS) {
    const v = valueAt(body, path);
    if (typeof v === 'string' && v.trim()) return v.trim().slice(0, 500);
  }
  return undefined;
}

export interface ToolOutcome {
  successful: boolean;
  data: { [key: string]: Json };
  error: string | null;
}

/** Success is a 2xx that `error_when` does not catch; a failure carries the provider's status and message. */
export function toolOutcome(spec: ToolResponse | undefined, status: number, body: unknown): ToolOutcome {
  const caught = spec?.error_when !== undefined && deepEqual(valueAt(body, spec.error_when.path), spec.error_when.equals);
  if (status >= 200 && status < 300 && !caught) return { successful: true, data: projectData(spec, body), error: null };
  const message = providerMessage(spec, body) ?? (caught ? 'the provider reported a failure' : 'the provider refused the request');
  return { successful: false, data: { status, body: (body ?? null) as Json }, error: `${status}: ${message}` };
}
