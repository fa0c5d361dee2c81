import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { generateOpenApi, OPENAPI_FILE } from '../../scripts/openapi.ts';
import { startTestApp } from '../helpers/test-app.ts';

test('docs/openapi.json matches what the route schemas generate (run `npm run openapi` after changing a route)', async () => {
  const committed = fs.readFileSync(OPENAPI_FILE, 'utf8');
  assert.equal(committed, await generateOpenApi());
});

test('the document is served at /api/v3.1/openapi.json, lists only v3.1 paths, with the api key scheme', async () => {
  const t = await startTestApp('sqlite');
  try {
    const doc = (await t.app.inject({ url: '/api/v3.1/openapi.json' })).json();
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc.components.securitySchemes.apiKey, { type: 'apiKey', in: 'header', name: 'x-api-key' });
    const paths = Object.keys(doc.paths);
    assert.ok(paths.includes('/api/v3.1/connected_accounts/link'));
    assert.ok(
      paths.every((p) => p.startsWith('/api/v3.1/')),
      paths.join(','),
    );
  } finally {
    await t.close();
  }
});
