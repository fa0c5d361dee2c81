// Issue #13: every example of every built-in tool file (files added later are
// covered automatically) is executed through authlink over real HTTP
// (POST /api/v3.1/tools/execute/{slug}) against a stand-in of the provider on
// 127.0.0.1, which records the request and answers the example's response.
// Each toolkit is loaded with its base_url moved to the stand-in (real path
// and {{placeholders}} kept). The request must match the example exactly
// (method, path, query as a multimap, the example's headers, the body), the
// toolkit's credential must be applied, and the result must be the example's
// outcome with data fitting output_parameters.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { forEachBackend } from '../helpers/backends.ts';
import { accountRow } from '../helpers/account-row.ts';
import { startTestApp, type TestApp } from '../helpers/test-app.ts';
import { writeToolkitsDir } from '../helpers/toolkits.ts';
import { sealCredentials } from '../../src/services/account-view.ts';
import { applyCredentials } from '../../src/toolkits/apply.ts';
import { BUILTIN_TOOLS_DIR } from '../../src/tools/catalog.ts';
import { toolOutcome } from '../../src/tools/response.ts';
import type { ToolFile } from '../../src/tools/types.ts';
import type { AuthScheme } from '../../src/toolkits/types.ts';
import { multimap, startStandIn, toolkitAt, type StandIn } from './helpers.ts';

const files: ToolFile[] = readdirSync(BUILTIN_TOOLS_DIR)
  .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
  .sort()
  .map((f) => JSON.parse(readFileSync(path.join(BUILTIN_TOOLS_DIR, f), 'utf8')) as ToolFile);
const toolkitSlugs = [...new Set(files.map((f) => f.toolkit))];

test('every tool has at least one example', () => {
  for (const file of files) for (const tool of file.tools) assert.ok(tool.examples?.length >= 1, `${tool.slug} has no example`);
});

/** The credential values a test account holds, by field: secrets and the OAuth token. */
function credentialsFor(scheme: AuthScheme, toolkit: string): Record<string, string> {
  const creds: Record<string, string> = {};
  if (scheme.mode === 'OAUTH2') creds.access_token = `token-for-${toolkit}`;
  const fields = [...scheme.fields.connected_account_initiation.required, ...scheme.fields.connected_account_initiation.optional];
  for (const f of fields) if (f.secret) creds[f.name] = `secret-${f.name}-${toolkit}`;
  return creds;
}

/** Non-secret connection fields: the example's, else a placeholder value. */
function dataFor(scheme: AuthScheme, connection: Record<string, string> = {}): Record<string, string> {
  const data: Record<string, string> = {};
  for (const f of [...scheme.fields.connected_account_initiation.required, ...scheme.fields.connected_account_initiation.optional]) {
    if (!f.secret) data[f.name] = connection[f.name] ?? f.default ?? `value-${f.name}`;
  }
  return { ...data, ...connection };
}

forEachBackend('tool contracts', (backend) => {
  let t: TestApp;
  let upstream: StandIn;
  const authConfigs = new Map<string, { id: string; scheme: AuthScheme }>();
  const accounts = new Map<string, string>();

  before(async () => {
    upstream = await startStandIn();
    t = await startTestApp(backend, {
      listen: true,
      env: { AUTHLINK_TOOLKITS_DIR: writeToolkitsDir(toolkitSlugs.map((s) => toolkitAt(s, upstream.origin))), AUTHLINK_PROXY_ALLOW_PRIVATE: '127.0.0.1' },
    });
    for (const slug of toolkitSlugs) {
      const scheme = t.runtime.catalog.get(slug)!.auth_schemes.find((s) => s.mode !== 'NO_AUTH') ?? t.runtime.catalog.get(slug)!.auth_schemes[0];
      const credentials = Object.fromEntries(scheme.fields.auth_config_creation.required.map((f) => [f.name, `${f.name}-value`]));
      const res = await fetch(`${t.config.publicUrl}/api/v3.1/auth_configs`, {
        method: 'POST',
        headers: { 'x-api-key': t.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify({ toolkit: { slug }, auth_config: { type: 'use_custom_auth', authScheme: scheme.mode, credentials } }),
      });
      const body = (await res.json()) as { auth_config: { id: string } };
      assert.equal(res.status, 201, JSON.stringify(body));
      authConfigs.set(slug, { id: body.auth_config.id, scheme });
    }
  });
  after(async () => {
    await t.close();
    await upstream.close();
  });

  /** One ACTIVE account per toolkit and connection data, written straight into the store with sealed credentials. */
  async function accountFor(toolkit: string, connection: Record<string, string> | undefined): Promise<string> {
    const key = `${toolkit} ${JSON.stringify(connection ?? {})}`;
    const known = accounts.get(key);
    if (known) return known;
    const { id: acId, scheme } = authConfigs.get(toolkit)!;
    const row = accountRow(t.projectId, acId, {
      toolkit_slug: toolkit,
      user_id: 'contract-user',
      word_id: `${toolkit}_contract`,
      data: JSON.stringify(dataFor(scheme, connection)),
    });
    row.credentials_enc = sealCredentials(t.runtime.keyRing, row, credentialsFor(scheme, toolkit));
    await t.runtime.store.accounts.insert(row);
    accounts.set(key, row.id);
    return row.id;
  }

  for (const file of files) {
    describe(file.toolkit, () => {
      for (const tool of file.tools) {
        tool.examples.forEach((ex, k) => {
          test(`${tool.slug} #${k}${ex.description ? ` (${ex.description})` : ''}`, async () => {
            const accountId = await accountFor(file.toolkit, ex.connection);
            upstream.requests.length = 0;
            upstream.reply = () => ({ status: ex.response.status, body: ex.response.body, headers: ex.response.headers });
            const res = await fetch(`${t.config.publicUrl}/api/v3.1/tools/execute/${tool.slug}`, {
              method: 'POST',
              headers: { 'x-api-key': t.apiKey, 'content-type': 'application/json' },
              body: JSON.stringify({ connected_account_id: accountId, arguments: ex.arguments }),
            });
            const result = (await res.json()) as { data: Record<string, unknown>; error: string | null; successful: boolean; log_id: string };
            assert.equal(res.status, 200, JSON.stringify(result));
            assert.equal(upstream.requests.length, 1, 'exactly one request reached the provider');
            const [seen] = upstream.requests;

            // The request, exactly.
            const want = ex.request;
            assert.equal(seen.method, want.method);
            assert.equal(seen.path, want.path);
            const { scheme } = authConfigs.get(file.toolkit)!;
            const applied = applyCredentials(scheme, { ...dataFor(scheme, ex.connection), ...credentialsFor(scheme, file.toolkit) });
            const query = { ...seen.query };
            for (const name of Object.keys(applied.query)) {
              assert.equal(query[name], applied.query[name], `credential query parameter ${name} applied`);
              delete query[name];
            }
            assert.deepEqual(query, want.query ?? {});
            for (const [name, value] of Object.entries(want.headers ?? {})) assert.equal(seen.headers[name.toLowerCase()], value, `header ${name}`);
            for (const [name, value] of Object.entries(applied.headers))
              assert.equal(seen.headers[name.toLowerCase()], value, `credential header ${name} applied`);
            if (want.body === undefined) assert.equal(seen.body, '', 'no body');
            else if (tool.request.body?.encoding === 'form') {
              assert.equal(seen.headers['content-type'], 'application/x-www-form-urlencoded');
              assert.deepEqual(multimap(new URLSearchParams(seen.body)), want.body);
            } else {
              assert.match(String(seen.headers['content-type']), /^application\/json/);
              assert.deepEqual(JSON.parse(seen.body), want.body);
            }

            // The result.
            const expected = toolOutcome(tool.response, ex.response.status, ex.response.body ?? null);
            assert.equal(result.successful, expected.successful);
            assert.equal(result.error, expected.error);
            assert.deepEqual(result.data, expected.data);
            assert.equal(result.log_id, res.headers.get('x-request-id'));
            if (result.successful) {
              const validate = t.runtime.tools.outputValidator(t.runtime.tools.get(tool.slug)!);
              assert.ok(validate(result.data), `data fits output_parameters: ${JSON.stringify(validate.errors)}`);
            }
          });
        });
      }
    });
  }
});
