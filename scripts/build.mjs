// Builds dist/ from src/ with tsc (tsconfig.build.json) and copies the data
// files the code loads beside itself (toolkit and tool JSON, anything under
// src/ that is not TypeScript), so dist/ runs on its own.
//
//   node scripts/build.mjs                 build when dist/ is missing or older than src/
//   node scripts/build.mjs --force         build anyway
//   node scripts/build.mjs --if-possible   as the first, but only a note when TypeScript is not
//                                          installed (`npm ci --omit=dev` over an already built tree)
//
// Plain JavaScript on purpose: it runs before anything is compiled, without tsx.
// bin/authlink.js uses the same staleness check at every start (a few ms).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json'];
const STAMP = 'dist/.build-stamp';
const LOCK = '.dist.lock';

function newestMtime(p) {
  let st;
  try {
    st = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs; // a deleted or renamed file changes its directory
  for (const name of fs.readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, name)));
  return newest;
}

/** Why dist/ needs a build, or undefined when it is up to date. */
export function staleReason(root = ROOT) {
  let built;
  try {
    built = fs.statSync(path.join(root, STAMP)).mtimeMs;
  } catch {
    return 'dist/ has not been built';
  }
  // Without the sources (an installed package) there is nothing to compare with.
  if (!fs.existsSync(path.join(root, 'src'))) return undefined;
  const newest = Math.max(...INPUTS.map((p) => newestMtime(path.join(root, p))));
  return newest > built ? 'src/ changed since the last build' : undefined;
}

/** The TypeScript compiler's entry point, or undefined when TypeScript is not installed. */
export function findTsc(root = ROOT) {
  try {
    return createRequire(path.join(root, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    return undefined;
  }
}

function copyAssets(from, to) {
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) copyAssets(src, dst);
    else if (!entry.name.endsWith('.ts')) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(src, dst);
    }
  }
}

/** One build at a time per checkout (several processes may start at once); a lock older than 5 minutes is abandoned. */
function withLock(root, fn) {
  const lock = path.join(root, LOCK);
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > 5 * 60_000) fs.rmSync(lock, { recursive: true, force: true });
      } catch {}
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock} (another build?)`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    return fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * Compiles src/ into dist/ (incremental) and copies the data files. Returns
 * true when it built, false when dist/ was already up to date (and !force).
 * Throws with tsc's output when the build fails.
 */
export function build(root = ROOT, opts = {}) {
  const tsc = findTsc(root);
  if (!tsc) throw new Error('TypeScript is not installed (npm ci installs it; `npm ci --omit=dev` does not)');
  return withLock(root, () => {
    if (!opts.force && !staleReason(root)) return false; // built by another process meanwhile
    const started = new Date();
    const r = spawnSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json')], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tsc failed:\n${r.stdout}${r.stderr}`);
    copyAssets(path.join(root, 'src'), path.join(root, 'dist'));
    // The stamp carries the time the build started: a source saved during the build still counts as newer.
    const stamp = path.join(root, STAMP);
    fs.writeFileSync(stamp, `${started.toISOString()} node ${process.version}\n`);
    fs.utimesSync(stamp, started, started);
    return true;
  });
}

/** Builds when dist/ is stale; a no-op (a few ms) otherwise. For test helpers that spawn bin/authlink.js. */
export function ensureBuilt(root = ROOT) {
  const reason = staleReason(root);
  if (!reason) return;
  process.stderr.write(`authlink build: ${reason}; building dist/ before starting authlink processes...\n`);
  build(root);
}

function main(argv) {
  const force = argv.includes('--force');
  const ifPossible = argv.includes('--if-possible');
  const reason = force ? 'forced' : staleReason();
  if (!reason) return 0;
  if (!findTsc() && ifPossible) {
    process.stderr.write(`authlink build: skipped (${reason}, and TypeScript is not installed); \`npm start\` needs a built dist/\n`);
    return 0;
  }
  const t0 = performance.now();
  try {
    build(ROOT, { force });
  } catch (e) {
    process.stderr.write(`authlink build: ${e.message}\n`);
    return 1;
  }
  process.stderr.write(`authlink build: dist/ built in ${((performance.now() - t0) / 1000).toFixed(1)} s (${reason})\n`);
  return 0;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = main(process.argv.slice(2));
