// Start-up cost of `authlink serve` (issue #16): time from spawning the
// process to the first 200 from GET /health, and the resident memory once it
// has been idle for a moment. Runs the compiled build (bin/authlink.js ->
// dist/, what `npm start` runs) and, for comparison, the sources through tsx
// (what `npm start` ran before the build step existed).
//
//   npx tsx bench/startup.ts [--runs 7] [--idle-ms 3000] [--mode compiled|tsx|both] [--json]
//
// Each mode starts once on a fresh data directory (creating the database and
// the default project; not counted), then --runs times on that store, as a
// restart would. Prints the median and the best run; results in docs/benchmarks.md.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { freePort } from '../test/helpers/child.ts';
// @ts-expect-error plain JavaScript without declarations (it runs before anything is compiled)
import { ensureBuilt } from '../scripts/build.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

type Mode = 'compiled' | 'tsx';
interface Sample {
  healthMs: number;
  /** CPU time (user + system) the process used until its first /health answer: robust on a busy machine, where wall time is not. */
  cpuMs: number;
  idleRssMb: number;
}

function commandFor(mode: Mode): string[] {
  if (mode === 'compiled') return [path.join(ROOT, 'bin', 'authlink.js'), 'serve', '--json'];
  const entry = `const { main } = await import(${JSON.stringify(path.join(ROOT, 'src', 'main.ts'))}); process.exitCode = await main(process.argv.slice(1), process.env);`;
  return ['--import', 'tsx', '--input-type=module', '-e', entry, 'serve', '--json'];
}

function healthOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/health', agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
  });
}

const CLOCK_TICKS_PER_S = 100; // USER_HZ on Linux

/** User + system CPU of a process so far, from /proc (10 ms resolution). */
function cpuMsOf(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S; // utime, stime (fields 14 and 15)
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error('no VmRSS in /proc (Linux only)');
  return Number(m[1]) / 1024;
}

async function startOnce(mode: Mode, dataDir: string, idleMs: number): Promise<Sample> {
  const port = await freePort();
  const started = performance.now();
  const proc = spawn(process.execPath, commandFor(mode), {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', AUTHLINK_DATA_DIR: dataDir, DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  try {
    const deadline = started + 30_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`authlink exited with ${proc.exitCode}: ${out}`);
      if (await healthOnce(port)) break;
      if (performance.now() > deadline) throw new Error(`no /health after 30 s: ${out}`);
      await new Promise((r) => setTimeout(r, 2));
    }
    const healthMs = performance.now() - started;
    const cpuMs = cpuMsOf(proc.pid!);
    await new Promise((r) => setTimeout(r, idleMs));
    return { healthMs, cpuMs, idleRssMb: rssMb(proc.pid!) };
  } finally {
    proc.kill('SIGTERM');
    await exited;
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function measureStartup(opts: { runs: number; idleMs: number; modes: Mode[] }) {
  if (opts.modes.includes('compiled')) ensureBuilt(); // a stale dist/ would make the first start a build
  const results = [];
  for (const mode of opts.modes) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'authlink-startup-'));
    try {
      await startOnce(mode, dataDir, 0); // first start: creates the store and the default project
      const samples: Sample[] = [];
      for (let i = 0; i < opts.runs; i++) samples.push(await startOnce(mode, dataDir, opts.idleMs));
      const h = samples.map((s) => s.healthMs);
      const c = samples.map((s) => s.cpuMs);
      const r = samples.map((s) => s.idleRssMb);
      results.push({
        mode,
        runs: opts.runs,
        healthMs: { median: Math.round(median(h)), best: Math.round(Math.min(...h)) },
        cpuMs: { median: Math.round(median(c)), best: Math.round(Math.min(...c)) },
        idleRssMb: { median: Math.round(median(r)), best: Math.round(Math.min(...r)) },
      });
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  }
  return results;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '7' },
      'idle-ms': { type: 'string', default: '3000' },
      mode: { type: 'string', default: 'both' },
      json: { type: 'boolean', default: false },
    },
  });
  const modes: Mode[] = values.mode === 'both' ? ['compiled', 'tsx'] : [values.mode as Mode];
  const results = await measureStartup({ runs: Number(values.runs), idleMs: Number(values['idle-ms']), modes });
  const load = os.loadavg()[0].toFixed(2);
  if (values.json) process.stdout.write(JSON.stringify({ node: process.version, load, results }) + '\n');
  else {
    process.stdout.write(`node ${process.version}, ${os.cpus().length} cores, load average ${load}\n`);
    process.stdout.write(
      '| mode | runs | start to /health, median (best) | CPU until /health, median (best) | idle RSS, median (best) |\n|---|---|---|---|---|\n',
    );
    for (const r of results)
      process.stdout.write(
        `| ${r.mode} | ${r.runs} | ${r.healthMs.median} ms (${r.healthMs.best} ms) | ${r.cpuMs.median} ms (${r.cpuMs.best} ms) | ${r.idleRssMb.median} MiB (${r.idleRssMb.best} MiB) |\n`,
      );
  }
}
