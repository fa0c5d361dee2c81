// Builds dist/ from src/ with tsc (tsconfig.build.json) and copies the data
// files the code loads beside itself (toolkit and tool JSON, anything under
// src/ that is not TypeScript), so dist/ runs on its own. Then esbuild bundles
// dist/main.js with its dependencies into dist/authlink.mjs, which is what
// bin/authlink.js runs: loading one file instead of ~1,500 modules took
// start-up from ~0.6 s to ~0.15 s of module loading (docs/benchmarks.md,
// "Start-up"). Without esbuild, bin/authlink.js runs dist/main.js.
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
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs'];
const STAMP = 'dist/.build-stamp';
export const BUNDLE = 'dist/authlink.mjs';
// Native addons (and the optional native pg driver) stay in node_modules.
const EXTERNAL = ['better-sqlite3', 'pg-native'];
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

/**
 * Mirrors the data files of src/ (everything that is not TypeScript: toolkit
 * and tool JSON, generated data) into dist/: copies each, and deletes a data
 * file dist/ still has but src/ no longer does (a renamed or removed toolkit
 * must not keep loading from a directory listing). Compiled output (.js,
 * .mjs, .map) and dotfiles are tsc's and esbuild's, and left alone.
 */
export function copyAssets(from, to) {
  const wanted = new Set();
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    wanted.add(entry.name);
    if (entry.isDirectory()) copyAssets(src, dst);
    else if (!entry.name.endsWith('.ts')) {
      fs.mkdirSync(to, { recursive: true });
      fs.copyFileSync(src, dst);
    }
  }
  if (!fs.existsSync(to)) return;
  for (const entry of fs.readdirSync(to, { withFileTypes: true })) {
    if (entry.isDirectory() || wanted.has(entry.name) || entry.name.startsWith('.') || /\.(js|mjs|map)$/.test(entry.name)) continue;
    fs.rmSync(path.join(to, entry.name));
  }
}

/** The esbuild API, or undefined when it is not installed. */
async function findEsbuild(root) {
  try {
    return await import(createRequire(path.join(root, 'package.json')).resolve('esbuild'));
  } catch {
    return undefined;
  }
}

/**
 * dist/main.js and its dependencies in one ES module. Inside the bundle every
 * module's import.meta.url would be the bundle's: our own modules get theirs
 * back (their place in dist/, beside the JSON they load); dependencies that
 * locate files themselves do not do so on authlink's paths.
 */
async function bundle(root) {
  const esbuild = await findEsbuild(root);
  const out = path.join(root, BUNDLE);
  if (!esbuild) {
    fs.rmSync(out, { force: true });
    return false;
  }
  const dist = path.join(root, 'dist');
  const ownUrl = {
    name: 'own-import-meta-url',
    setup(b) {
      b.onLoad({ filter: /\.js$/ }, (args) => {
        if (!args.path.startsWith(dist + path.sep)) return undefined;
        const rel = `./${path.relative(dist, args.path).split(path.sep).join('/')}`;
        const contents = fs.readFileSync(args.path, 'utf8').replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`);
        return { contents, loader: 'js', resolveDir: path.dirname(args.path) };
      });
    },
  };
  await esbuild.build({
    entryPoints: [path.join(dist, 'main.js')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
    sourcemap: true,
    minify: true,
    keepNames: true,
    logLevel: 'error',
    plugins: [ownUrl],
    // CommonJS dependencies call require(); an ES module has none of its own.
    banner: { js: "import { createRequire as __authlinkCreateRequire } from 'node:module'; const require = __authlinkCreateRequire(import.meta.url);" },
  });
  return true;
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
    // esbuild's API is asynchronous; a child keeps build() synchronous for bin/authlink.js.
    const b = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--bundle-only'], { cwd: root, encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`bundling failed:\n${b.stdout}${b.stderr}`);
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

async function main(argv) {
  if (argv.includes('--bundle-only')) {
    await bundle(ROOT);
    return 0;
  }
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

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
