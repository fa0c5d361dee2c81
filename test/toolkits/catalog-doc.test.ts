// docs/catalog.md answers "does authlink support X?": generated from the
// toolkit and tool files (scripts/catalog-doc.ts), so it cannot fall behind them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CATALOG_DOC, generateCatalogDoc } from '../../scripts/catalog-doc.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

test(`${CATALOG_DOC} is what npm run catalog-doc writes, and lists every built-in toolkit once`, () => {
  const onDisk = readFileSync(`${root}${CATALOG_DOC}`, 'utf8');
  assert.ok(onDisk === generateCatalogDoc(root), `${CATALOG_DOC} is stale: run \`npm run catalog-doc\` and commit the result`);
  const slugs = [...onDisk.matchAll(/^\| [^|]+ \| `([a-z0-9_]+)` \|/gm)].map((m) => m[1]);
  const files = readdirSync(`${root}src/toolkits/builtin`).filter((f) => f.endsWith('.json'));
  assert.equal(slugs.length, files.length);
  assert.equal(new Set(slugs).size, slugs.length);
  assert.match(onDisk, /^\| GitHub \| `github` \| OAUTH2\+PKCE, BEARER_TOKEN \| \d+ \|/m);
});
