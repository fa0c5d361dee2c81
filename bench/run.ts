// `npm run bench`: authlink under load, every scenario against a baseline
// measured in the same invocation. Child processes: authlink (one per world:
// backend x stored accounts), a bare fastify (baseline), the local upstream
// (proxy, tool_execute, and link_webhook's webhook receiver). This process:
// autocannon and the in-process OAuth provider.
// See docs/benchmarks.md.
import fs from 'node:fs';
import path from 'node:path';
import { startOidcProvider, type TestOidcProvider } from '../test/helpers/oidc-provider.ts';
import { Baselines, startBaselineServer, startUpstream } from './lib/baselines.ts';
import { machine } from './lib/machine.ts';
import { formatSize, parseOptions, SCALING, USAGE, type Options, type ScenarioName } from './lib/options.ts';
import { pgBaseUrl, pgReachable } from './lib/pg.ts';
import { mainProfileIn, renderSummary, summarize } from './lib/profile.ts';
import { evaluateTargets, renderResults, renderScaling, renderTargets, renderWorlds, scaling, type ResultRow, type WorldInfo } from './lib/report.ts';
import { benchToolkitsDir } from './lib/toolkits.ts';
import type { Backend } from './lib/authlink.ts';
import type { Proc } from './lib/procs.ts';
import type { Ctx } from './scenarios/context.ts';
import { getScenario } from './scenarios/get.ts';
import { linkScenario } from './scenarios/link.ts';
import { linkWebhookScenario } from './scenarios/link-webhook.ts';
import { listDeepScenario, listUserScenario } from './scenarios/list.ts';
import { oauthScenario } from './scenarios/oauth.ts';
import { proxyScenario } from './scenarios/proxy.ts';
import { toolExecuteScenario } from './scenarios/tool-execute.ts';
import { startWorld } from './scenarios/world.ts';

// Order inside a world: reads first (they see exactly the seeded size), link
// creation last (it adds an account and a link session per request), and
// link_webhook after link (its webhook subscription exists only while it runs).
const ORDER: ScenarioName[] = ['get', 'list_user', 'list_deep', 'proxy', 'proxy_c1', 'tool_execute', 'oauth', 'link', 'link_webhook'];
const RUNNERS: Record<ScenarioName, (ctx: Ctx) => Promise<ResultRow>> = {
  get: getScenario,
  list_user: listUserScenario,
  list_deep: listDeepScenario,
  proxy: (ctx) => proxyScenario(ctx, 'proxy'),
  proxy_c1: (ctx) => proxyScenario(ctx, 'proxy_c1'),
  tool_execute: toolExecuteScenario,
  oauth: oauthScenario,
  link: linkScenario,
  link_webhook: linkWebhookScenario,
};

const log = (msg: string) => process.stderr.write(msg + '\n');

async function main(opts: Options): Promise<void> {
  const started = Date.now();
  const m = machine();
  log(`authlink bench${opts.smoke ? ' (smoke)' : ''}: ${m.nproc} CPUs (${m.cpu}), node ${m.node}, load ${m.loadavg.join(' ')}`);
  log(
    `scenarios ${opts.only.join(', ')}; sizes ${opts.sizes.map(formatSize).join(', ')}; ${opts.durationS} s per measurement after ${opts.warmupS} s warm-up; ${opts.connections} connections`,
  );

  const pgUrl = pgBaseUrl();
  const skipped: Array<{ backend: Backend; reason: string }> = [];
  const backends: Backend[] = [];
  for (const b of opts.backends) {
    if (b === 'postgres') {
      if (!pgUrl) {
        skipped.push({ backend: b, reason: 'BENCH_DATABASE_URL / TEST_DATABASE_URL is not set' });
        log('NOTE: PostgreSQL half skipped: set BENCH_DATABASE_URL (or TEST_DATABASE_URL), e.g. postgres://authlink:authlink@127.0.0.1:5432/authlink_test');
        continue;
      }
      const problem = await pgReachable(pgUrl);
      if (problem) {
        skipped.push({ backend: b, reason: `PostgreSQL not reachable: ${problem}` });
        log(`NOTE: PostgreSQL half skipped: ${problem}`);
        continue;
      }
    }
    backends.push(b);
  }

  const procs: Proc[] = [];
  let provider: TestOidcProvider | undefined;
  let toolkitsDir: string | undefined;
  const rows: ResultRow[] = [];
  const worlds: WorldInfo[] = [];
  const profiles: Array<{ world: string; file: string; summary: string }> = [];
  try {
    const [upstream, fastify, op] = await Promise.all([startUpstream(), startBaselineServer(), startOidcProvider({ accessTokenTtl: 3600 })]);
    procs.push(upstream.proc, fastify);
    provider = op;
    const baselines = new Baselines(fastify, { durationS: opts.durationS, warmupS: opts.warmupS, reuse: opts.smoke });
    toolkitsDir = benchToolkitsDir(provider, upstream.url);

    for (const backend of backends) {
      for (const size of opts.sizes) {
        const smallest = size === opts.sizes[0];
        const scenarios = ORDER.filter((s) => opts.only.includes(s) && (smallest || SCALING.includes(s)));
        if (!scenarios.length) continue;
        const id = `${backend}-${formatSize(size)}`;
        log(`\n[${id}] starting authlink (${backend}, ${formatSize(size)} accounts)`);
        const profDir = opts.profile ? path.resolve(opts.profileDir, `${id}-${new Date().toISOString().replace(/[:.]/g, '-')}`) : undefined;
        const world = await startWorld({ backend, size, pgUrl, toolkitsDir, provider, logLevel: opts.logLevel, cpuProfDir: profDir, log });
        const ctx: Ctx = {
          opts,
          world,
          baselines,
          baseKey: (name) => (opts.smoke ? name : `${id}:${name}`),
          upstreamUrl: upstream.url,
          upstreamPid: upstream.proc.pid,
          provider,
          log,
        };
        try {
          for (const s of scenarios) {
            const t0 = Date.now();
            const row = await RUNNERS[s](ctx);
            const took = ((Date.now() - t0) / 1000).toFixed(1);
            rows.push(row);
            log(
              `  ${s.padEnd(12)} ${row.run.rps.toFixed(row.unit === 'req/s' ? 0 : 1).padStart(7)} ${row.unit}  p50 ${row.run.p50.toFixed(2)} ms  p99 ${row.run.p99.toFixed(2)} ms  | ${row.baseline.label} ${row.baseline.rps.toFixed(row.unit === 'req/s' ? 0 : 1)}  ratio ${row.ratio.toFixed(2)}  RSS ${row.rssMb.toFixed(0)} MiB  (${took} s)`,
            );
          }
        } finally {
          worlds.push({ backend, size, seedSeconds: world.seed.seconds, startSeconds: world.startSeconds, peakRssMb: world.a.proc.peakRssMb() });
          await world.close();
        }
        if (profDir) {
          const file = mainProfileIn(profDir);
          if (file) {
            const summary = renderSummary(summarize(file, 20));
            profiles.push({ world: id, file, summary });
            log(`  CPU profile ${path.relative(process.cwd(), file)}:\n${summary.replace(/^/gm, '    ')}`);
          } else log(`  (no CPU profile was written into ${profDir})`);
        }
      }
    }
  } finally {
    for (const p of procs) await p.stop();
    await provider?.close();
    if (toolkitsDir) fs.rmSync(toolkitsDir, { recursive: true, force: true });
  }

  const targets = evaluateTargets(rows, backends);
  const result = {
    machine: m,
    options: opts,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    skipped,
    worlds,
    results: rows,
    scaling: scaling(rows),
    targets,
    profiles: profiles.map(({ world, file }) => ({ world, file })),
  };
  const text = [
    '',
    renderResults(rows),
    '',
    'Scaling (req/s by stored accounts):',
    renderScaling(rows) || '(one size only)',
    '',
    'Worlds (seeding and authlink peak RSS):',
    renderWorlds(worlds),
    '',
    'Targets:',
    renderTargets(targets),
    ...skipped.map((s) => `\n${s.backend} skipped: ${s.reason}`),
    `\n${result.seconds} s in total`,
  ].join('\n');
  if (opts.out) fs.writeFileSync(opts.out, JSON.stringify(result, null, 2) + '\n');
  if (opts.json) {
    log(text);
    process.stdout.write(JSON.stringify(result) + '\n');
  } else process.stdout.write(text + '\n');
}

let opts: Options | 'help';
try {
  opts = parseOptions(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n\n${USAGE}\n`);
  process.exit(2);
}
if (opts === 'help') {
  process.stdout.write(USAGE + '\n');
} else {
  try {
    await main(opts);
  } catch (e) {
    process.stderr.write(`bench failed: ${(e as Error).stack ?? e}\n`);
    process.exitCode = 1;
  }
}
