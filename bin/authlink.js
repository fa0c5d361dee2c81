#!/usr/bin/env node
// Runs the compiled JavaScript in dist/ (`npm ci` builds it; so does `npm run build`):
// dist/authlink.mjs, the whole program in one module (scripts/build.mjs).
// When dist/ is missing or older than src/ (a fresh checkout, a pull, an edit),
// it is rebuilt first if TypeScript is installed; otherwise start-up stops with
// a message saying what to run. README, "Quick start".
import fs from 'node:fs';
import module from 'node:module';
import { build, findTsc, ROOT, staleReason } from '../scripts/build.mjs';

// Node 22.1+ keeps compiled code on disk between starts (a third of the start-up time otherwise).
module.enableCompileCache?.();

const stale = staleReason();
if (stale) {
  if (!findTsc()) {
    process.stderr.write(
      `authlink: ${stale} and TypeScript is not installed to build it.\n` +
        `Run \`npm ci\` (it builds dist/) or \`npm run build\` in ${ROOT}, or deploy a tree where dist/ is already built.\n`,
    );
    process.exit(1);
  }
  process.stderr.write(`authlink: ${stale}; building dist/ first (npm run build)...\n`);
  try {
    build();
  } catch (e) {
    process.stderr.write(`authlink: the build failed: ${e.message}\n`);
    process.exit(1);
  }
}
// The bundle (dist/authlink.mjs) when the build made one; the module tree otherwise.
const entry = new URL('../dist/authlink.mjs', import.meta.url);
const { main } = await import(fs.existsSync(entry) ? entry.href : '../dist/main.js');
process.exitCode = await main(process.argv.slice(2), process.env);
