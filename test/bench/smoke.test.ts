// The benchmark harness must not rot: run `bench/run.ts --smoke --json` as a
// child process (every scenario for about a second, 1k accounts) and check
// that every scenario produced numbers on every backend that ran; and
// `bench/ab.ts` (two builds side by side) with this checkout on both sides.
// Benchmarks themselves never run in the test suite; these are the only ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SCENARIOS } from '../../bench/lib/options.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const PG = process.env.BENCH_DATABASE_URL || process.env.TEST_DATABASE_URL;

interface Row {
  scenario: string;
  backend: string;
  run: { rps: number; p50: number; p99: number; requests: number; non2xx: number };
  baseline: { rps: number; p50: number; p99: number; label: string };
  ratio: number;
  rssMb: number;
  webhooks?: { accounts: number; deliveries: number; succeeded: number; failed: number };
}

function runBench(script: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; seconds: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx/esm', path.join(ROOT, 'bench', script), ...args], {
      cwd: ROOT,
      env: process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr, seconds: (Date.now() - started) / 1000 }));
  });
}

test('npm run bench -- --smoke: every scenario, on every backend, with numbers', { timeout: 180_000 }, async () => {
  const { code, stdout, stderr, seconds } = await runBench('run.ts', ['--smoke', '--json']);
  assert.equal(code, 0, `bench --smoke failed:\n${stderr.slice(-4000)}`);
  const result = JSON.parse(stdout.trim().split('\n').pop()!) as {
    results: Row[];
    skipped: Array<{ backend: string }>;
    targets: Array<{ name: string; status: string }>;
  };

  const backends = PG ? ['sqlite', 'postgres'] : ['sqlite'];
  if (!PG)
    assert.ok(
      result.skipped.some((s) => s.backend === 'postgres'),
      'the PostgreSQL half says it was skipped',
    );
  for (const backend of backends) {
    for (const scenario of SCENARIOS) {
      const row = result.results.find((r) => r.scenario === scenario && r.backend === backend);
      assert.ok(row, `${scenario} on ${backend} is in the results`);
      const numbers = {
        rps: row.run.rps,
        p50: row.run.p50,
        p99: row.run.p99,
        requests: row.run.requests,
        baselineRps: row.baseline.rps,
        baselineP50: row.baseline.p50,
        ratio: row.ratio,
        rssMb: row.rssMb,
      };
      for (const [k, v] of Object.entries(numbers)) assert.ok(Number.isFinite(v) && v > 0, `${scenario} on ${backend}: ${k} = ${v}`);
      assert.equal(row.run.non2xx, 0, `${scenario} on ${backend}: no failed requests`);
    }
    // link_webhook's links were announced: one delivery each, delivered to the receiver, none failed.
    const hooks = result.results.find((r) => r.scenario === 'link_webhook' && r.backend === backend)?.webhooks;
    assert.ok(hooks && hooks.accounts > 0, `link_webhook on ${backend} reports its webhook outbox`);
    assert.equal(hooks.deliveries, hooks.accounts, `link_webhook on ${backend}: one delivery per link`);
    assert.ok(hooks.succeeded > 0, `link_webhook on ${backend}: deliveries reached the receiver`);
    assert.equal(hooks.failed, 0, `link_webhook on ${backend}: no delivery failed`);
  }
  assert.ok(result.targets.length >= 5, 'targets are evaluated');
  for (const t of result.targets) assert.ok(['met', 'missed', 'not measured'].includes(t.status), `${t.name}: ${t.status}`);
  // The human table goes to stderr with --json.
  assert.match(stderr, /\| scenario\s+\| backend/);
  assert.ok(seconds < 90, `smoke took ${seconds} s; it must stay well under a minute`);
});

test('bench/ab.ts: two builds in alternating slices, a CPU figure per side and scenario', { timeout: 120_000 }, async () => {
  const args = ['--other', ROOT, '--only', 'get,link', '--backends', 'sqlite', '--rounds', '2', '--slice', '0.5'];
  const { code, stdout, stderr } = await runBench('ab.ts', args);
  assert.equal(code, 0, `bench/ab.ts failed:\n${stderr.slice(-4000)}`);
  for (const scenario of ['get', 'link']) {
    const line = stdout.split('\n').find((l) => l.startsWith(`${scenario} `));
    assert.ok(line, `${scenario} is reported:\n${stdout}`);
    const m = /A +(\d+) µs +B +(\d+) µs +B\/A median (\d+\.\d+) .* A (\d+) req, B (\d+) req/.exec(line);
    assert.ok(m, `a full line for ${scenario}: ${line}`);
    for (const v of m.slice(1)) assert.ok(Number(v) > 0, `${scenario}: ${line}`);
  }
});
