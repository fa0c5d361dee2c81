// Issue #17: `authlink toolkits check [dir]` as an operator runs it — a real
// process, no database and no configuration (a bad environment does not
// matter), exit 0 when clean and 1 with problems, --json machine-readable.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(ROOT, 'bin', 'authlink.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'authlink-check-cli-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

// No data directory, a configuration that would stop `serve`: the check reads files only.
const ENV = { ...process.env, AUTHLINK_DATA_DIR: path.join(tmp, 'never-created'), PORT: 'not-a-port', LOG_LEVEL: 'silent' };

async function cli(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: ENV, cwd: tmp });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

test('toolkits check (no dir): the built-in catalog, exit 0', async () => {
  const human = await cli(['toolkits', 'check']);
  assert.equal(human.code, 0, human.stdout + human.stderr);
  assert.match(human.stdout, /^\d{3} built-in toolkits: no problems\n$/);
  const json = await cli(['toolkits', 'check', '--json']);
  assert.equal(json.code, 0);
  const body = JSON.parse(json.stdout);
  assert.equal(body.ok, true);
  assert.equal(body.builtin, true);
  assert.ok(body.toolkits >= 253);
  assert.deepEqual(body.problems, []);
  assert.ok(!fs.existsSync(ENV.AUTHLINK_DATA_DIR), 'no data directory, no database');
});

test('toolkits check DIR: an operator directory over the built-ins; problems listed with file + pointer, exit 1', async () => {
  const dir = path.join(tmp, 'toolkits');
  fs.mkdirSync(dir);
  const github = JSON.parse(fs.readFileSync(path.join(ROOT, 'src', 'toolkits', 'builtin', 'github.json'), 'utf8'));
  delete github.$schema;
  fs.writeFileSync(path.join(dir, 'github.json'), JSON.stringify(github));
  const clean = await cli(['toolkits', 'check', 'toolkits']);
  assert.equal(clean.code, 0, clean.stdout + clean.stderr);
  assert.equal(clean.stdout, `1 toolkit in ${dir} (replacing the built-in github): no problems\n`);

  const broken = { ...github, slug: 'my_github', docs_url: 'http://docs.github.com/en/apps' };
  broken.auth_schemes = [
    { ...github.auth_schemes[0], oauth2: { ...github.auth_schemes[0].oauth2, token_url: 'https://github.example.net/login/oauth/access_token' } },
  ];
  fs.writeFileSync(path.join(dir, 'mine.json'), JSON.stringify(broken));
  const file = path.join(dir, 'mine.json');
  const human = await cli(['toolkits', 'check', dir]);
  assert.equal(human.code, 1);
  assert.equal(
    human.stdout,
    [
      `${file}: /docs_url: must be https:// (got "http://docs.github.com/en/apps"): credentials, tokens and the pages users are sent to travel over it`,
      `${file}: /auth_schemes/0/oauth2/token_url: host github.example.net is not on the provider's domains (github.com (base_url)): an OAuth endpoint must share a registrable domain with base_url or docs_url, or be a sign-in domain src/toolkits/check.ts lists for one of them`,
      '2 problems in 1 file(s) of 2 toolkits in ' + dir,
      '',
    ].join('\n'),
  );
  const json = await cli(['toolkits', 'check', dir, '--json']);
  assert.equal(json.code, 1);
  const body = JSON.parse(json.stdout);
  assert.equal(body.ok, false);
  assert.deepEqual(body.replaces, ['github']);
  assert.deepEqual(
    body.problems.map((p: { file: string; pointer: string }) => [p.file, p.pointer]),
    [
      [file, '/docs_url'],
      [file, '/auth_schemes/0/oauth2/token_url'],
    ],
  );
});

test('toolkits check on a missing directory, or a wrong subcommand: exit 1 saying so', async () => {
  const missing = await cli(['toolkits', 'check', 'nope', '--json']);
  assert.equal(missing.code, 1);
  assert.deepEqual(JSON.parse(missing.stdout).problems, [{ file: path.join(tmp, 'nope'), pointer: '/', message: 'cannot read toolkit directory (ENOENT)' }]);
  const wrong = await cli(['toolkits', 'lint']);
  assert.equal(wrong.code, 1);
  assert.equal(wrong.stderr, 'authlink: toolkits check [dir]   (no dir: the built-in catalog)\n');
});
