// Issue #16: bin/authlink.js runs the compiled dist/. When dist/ is missing or
// older than src/ it rebuilds (TypeScript installed) or stops with a message
// saying what to run (TypeScript not installed, e.g. `npm ci --omit=dev`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
// @ts-expect-error plain JavaScript without declarations (it runs before anything is compiled)
import { copyAssets, staleReason } from '../../scripts/build.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);

function tree(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'authlink-build-'));
  fs.mkdirSync(path.join(dir, 'src', 'store'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'src', 'store', 'a.ts'), 'export const a = 1;\n');
  return dir;
}
const stamp = (dir: string, at: Date) => {
  fs.mkdirSync(path.join(dir, 'dist'), { recursive: true });
  const f = path.join(dir, 'dist', '.build-stamp');
  fs.writeFileSync(f, 'x\n');
  fs.utimesSync(f, at, at);
};

test('staleness: no build, a source newer than the build, an up-to-date build', () => {
  const dir = tree();
  try {
    assert.equal(staleReason(dir), 'dist/ has not been built');
    stamp(dir, new Date(Date.now() - 60_000));
    assert.equal(staleReason(dir), 'src/ changed since the last build');
    stamp(dir, new Date(Date.now() + 60_000));
    assert.equal(staleReason(dir), undefined);
    // A deleted source changes its directory, which counts too.
    stamp(dir, new Date(Date.now() - 1000));
    const past = new Date(Date.now() - 120_000);
    fs.utimesSync(path.join(dir, 'src', 'store', 'a.ts'), past, past);
    for (const d of ['src', 'src/store']) fs.utimesSync(path.join(dir, d), past, past);
    assert.equal(staleReason(dir), undefined);
    fs.rmSync(path.join(dir, 'src', 'store', 'a.ts'));
    assert.equal(staleReason(dir), 'src/ changed since the last build');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('data files are mirrored: a renamed or deleted one leaves dist/, compiled output stays', () => {
  const dir = tree();
  try {
    const src = path.join(dir, 'src');
    const dist = path.join(dir, 'dist');
    fs.mkdirSync(path.join(src, 'toolkits', 'builtin'), { recursive: true });
    fs.writeFileSync(path.join(src, 'toolkits', 'builtin', 'new_name.json'), '{}');
    fs.mkdirSync(path.join(dist, 'toolkits', 'builtin'), { recursive: true });
    fs.mkdirSync(path.join(dist, 'store'), { recursive: true });
    for (const f of ['toolkits/builtin/old_name.json', 'toolkits/catalog.js', 'toolkits/catalog.js.map', 'store/a.js', 'authlink.mjs', '.build-stamp'])
      fs.writeFileSync(path.join(dist, f), 'x');
    copyAssets(src, dist);
    assert.deepEqual(fs.readdirSync(path.join(dist, 'toolkits', 'builtin')), ['new_name.json']);
    for (const f of ['toolkits/catalog.js', 'toolkits/catalog.js.map', 'store/a.js', 'authlink.mjs', '.build-stamp'])
      assert.ok(fs.existsSync(path.join(dist, f)), f);
    assert.ok(!fs.existsSync(path.join(dist, 'store', 'a.ts')), 'TypeScript is compiled, not copied');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the real checkout is built, bundled and up to date after `npm test` / `npm run build`', () => {
  assert.equal(staleReason(ROOT), undefined);
  for (const f of ['dist/main.js', 'dist/authlink.mjs', 'dist/toolkits/builtin/github.json', 'dist/toolkits/validate.js'])
    assert.ok(fs.existsSync(path.join(ROOT, f)), f);
  // The bundle finds the data files as its modules would from dist/ (the CLI and child-process tests run it).
  const bundle = fs.readFileSync(path.join(ROOT, 'dist', 'authlink.mjs'), 'utf8');
  assert.match(bundle, /new URL\("\.\/builtin\/", ?new URL\("\.\/toolkits\/catalog\.js", ?import\.meta\.url\)\.href\)/);
  assert.equal(fs.readdirSync(path.join(ROOT, 'dist', 'toolkits', 'builtin')).length, fs.readdirSync(path.join(ROOT, 'src', 'toolkits', 'builtin')).length);
});

test('without TypeScript and without a build, start-up stops with what to run', async () => {
  const dir = tree();
  try {
    fs.mkdirSync(path.join(dir, 'bin'));
    fs.mkdirSync(path.join(dir, 'scripts'));
    fs.copyFileSync(path.join(ROOT, 'bin', 'authlink.js'), path.join(dir, 'bin', 'authlink.js'));
    fs.copyFileSync(path.join(ROOT, 'scripts', 'build.mjs'), path.join(dir, 'scripts', 'build.mjs'));
    fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
    const r = await run(process.execPath, [path.join(dir, 'bin', 'authlink.js'), 'serve']).then(
      () => ({ code: 0, err: '' }),
      (e: { code: number; stderr: string }) => ({ code: e.code, err: e.stderr }),
    );
    assert.equal(r.code, 1);
    assert.match(r.err, /dist\/ has not been built and TypeScript is not installed to build it/);
    assert.match(r.err, /Run `npm ci` \(it builds dist\/\) or `npm run build`/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
