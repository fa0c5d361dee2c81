// The file-format validators are generated from the schemas in docs/
// (scripts/validators.ts). A schema edited without `npm run validators` would
// ship a validator that checks the old format: this fails instead.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { generate, TARGETS } from '../../scripts/validators.ts';

const root = new URL('../../', import.meta.url);

for (const target of TARGETS) {
  test(`${target.file} is what npm run validators writes from ${Object.values(target.schemas).join(', ')}`, () => {
    const onDisk = readFileSync(new URL(target.file, root), 'utf8');
    assert.ok(onDisk === generate(target, root), `${target.file} is stale: run \`npm run validators\` and commit the result`);
  });
}
