// Asserts an error carries none of the given secrets: not in its message, not
// in any own property, not in what util.inspect (what loggers print) shows.
import assert from 'node:assert/strict';
import { inspect } from 'node:util';

export function assertNoSecrets(err: unknown, secrets: ReadonlyArray<string | undefined>): void {
  assert.ok(err instanceof Error, 'expected an Error');
  const views = [err.message, String(err.stack), inspect(err, { depth: 10, showHidden: true }), JSON.stringify(err)];
  for (const s of secrets) {
    if (!s) continue;
    for (const v of views) {
      assert.ok(!v.includes(s), `error exposes a secret (${s.slice(0, 4)}…): ${err.message}`);
    }
  }
}
