// How deeply a parsed JSON value nests. Serialising a value recurses once per
// level (JSON.stringify overflows the stack a few thousand levels down), so
// JSON that authlink accepts from a caller, or relays from an upstream, is
// bounded here first. Iterative: measuring never recurses itself.

/** Nesting levels any request body may have (tool arguments, proxy bodies, connection data, session configs). */
export const MAX_REQUEST_JSON_DEPTH = 64;
/** Nesting levels of a provider's JSON answer relayed as parsed data; deeper answers are relayed as text. */
export const MAX_UPSTREAM_JSON_DEPTH = 256;

/** True when `value` nests objects/arrays more than `max` levels deep. */
export function jsonDeeperThan(value: unknown, max: number): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}
