// 6. Full OAuth link completions against the in-process provider: the app's
// backend asks for a link, a browser stand-in (cookie jar, manual redirects)
// opens it, consents, logs in at the provider, consents there, and lands on
// authlink's callback, which exchanges the code; the account is ACTIVE.
// Baseline: the provider alone, driven the same way by a minimal client
// (authorize -> login -> consent -> code -> token exchange with PKCE), i.e.
// the part of the work authlink cannot avoid.
import { createHash, randomBytes } from 'node:crypto';
import { createCookieClient, driveOidcInteraction } from '../../test/helpers/cookie-fetch.ts';
import { percentile, withSamples } from '../lib/load.ts';
import { cpuUse, snapshot } from '../lib/cpu.ts';
import type { Measurement, ResultRow } from '../lib/report.ts';
import { resultRow, type Ctx } from './context.ts';

const BASELINE_REDIRECT = 'http://127.0.0.1:1/bench-callback'; // another origin: never requested

async function completions(
  fn: (i: number) => Promise<void>,
  concurrency: number,
  durationS: number,
  minimum: number,
  serverPid?: number,
): Promise<Measurement> {
  const latencies: number[] = [];
  let failures = 0;
  let lastError: unknown;
  let i = 0;
  const cpuBefore = snapshot(serverPid);
  const start = performance.now();
  const deadline = start + durationS * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline || latencies.length + failures < minimum) {
        const t = performance.now();
        try {
          await fn(i++);
          latencies.push(performance.now() - t);
        } catch (e) {
          failures++;
          lastError = e;
          if (failures > 20 && !latencies.length) break;
        }
      }
    }),
  );
  const elapsedS = (performance.now() - start) / 1000;
  const cpu = cpuUse(cpuBefore, snapshot(serverPid), latencies.length);
  if (!latencies.length) throw new Error(`no OAuth completion succeeded: ${(lastError as Error)?.stack ?? lastError}`);
  if (failures) process.stderr.write(`  ${failures} OAuth completion(s) failed; last: ${(lastError as Error)?.message}\n`);
  const sorted = Float64Array.from(latencies).sort();
  return withSamples(
    {
      rps: latencies.length / elapsedS,
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      requests: latencies.length,
      non2xx: failures,
      errors: 0,
      durationS: elapsedS,
      cpu,
    },
    sorted,
  );
}

function expect(cond: boolean, what: string): void {
  if (!cond) throw new Error(what);
}

export async function oauthScenario(ctx: Ctx): Promise<ResultRow> {
  const w = ctx.world;
  const op = ctx.provider;
  const stamp = Date.now().toString(36);

  let seq = 0;
  async function viaAuthlink(i: number): Promise<void> {
    const link = await w.api('POST', '/api/v3.1/connected_accounts/link', { auth_config_id: w.oauthConfigId, user_id: `oauth-${stamp}-${seq++}` });
    expect(link.status === 201, `link: HTTP ${link.status}`);
    const client = createCookieClient();
    const opened = await client.get(link.body.redirect_url);
    expect(opened.status === 303 && !!opened.location, `open link: HTTP ${opened.status}`);
    const page = await client.get(opened.location!);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)?.[1];
    expect(page.status === 200 && !!csrf, `link page: HTTP ${page.status}`);
    const go = await client.post(`${w.a.url}/link/authorize`, { csrf: csrf! });
    expect(go.status === 303 && !!go.location, `authorize: HTTP ${go.status}`);
    const callback = await driveOidcInteraction(client, go.location!, { login: `user-${i}`, consent: 'accept' });
    const done = await client.get(callback);
    expect(done.status === 200, `callback: HTTP ${done.status} ${done.text.slice(0, 200)}`);
  }

  if (!op.redirectUris.includes(BASELINE_REDIRECT)) op.redirectUris.push(BASELINE_REDIRECT);
  async function providerAlone(i: number): Promise<void> {
    const client = createCookieClient();
    const verifier = randomBytes(32).toString('base64url');
    const url = new URL(op.authorizationUrl);
    url.search = new URLSearchParams({
      client_id: op.clientId,
      response_type: 'code',
      redirect_uri: BASELINE_REDIRECT,
      scope: 'openid offline_access repo',
      state: randomBytes(16).toString('base64url'),
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      prompt: 'consent',
    }).toString();
    const callback = new URL(await driveOidcInteraction(client, url.href, { login: `user-${i}`, consent: 'accept' }));
    const code = callback.searchParams.get('code');
    expect(!!code, `provider gave no code: ${callback.search}`);
    const res = await fetch(op.tokenUrl, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${op.clientId}:${op.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: code!, redirect_uri: BASELINE_REDIRECT, code_verifier: verifier }),
    });
    const tokens = (await res.json()) as { access_token?: string };
    expect(res.status === 200 && !!tokens.access_token, `token exchange: HTTP ${res.status}`);
  }

  // One completion first, with the server's output at hand when it fails.
  await viaAuthlink(0).catch((e) => {
    throw new Error(`OAuth completion failed: ${(e as Error).message}\n${w.a.proc.tail(2000)}`);
  });

  const { oauthConcurrency: c } = ctx.opts;
  const minimum = ctx.opts.smoke ? c : 2 * c;
  const { run, baseline } = await ctx.baselines.compare(
    ctx.baseKey('oauth'),
    'provider alone',
    async () => ({ run: (d) => completions(providerAlone, c, d, minimum) }),
    { run: (d) => completions(viaAuthlink, c, d, minimum, w.a.proc.pid) },
  );

  const active = await w.api('GET', `/api/v3.1/connected_accounts?user_ids=oauth-${stamp}-0&statuses=ACTIVE&limit=1`);
  if (active.status !== 200 || active.body.total_items !== 1)
    throw new Error(`after the OAuth run, oauth-${stamp}-0 has no ACTIVE account: ${JSON.stringify(active.body).slice(0, 300)}`);
  return resultRow(ctx, 'oauth', c, run, baseline, 'completions/s');
}
