// Waits for the machine to go quiet (after seeding, PostgreSQL's checkpointer
// and autovacuum keep a core busy for a while), so a measurement does not
// compete with leftover background work. Bounded: other users of a shared
// machine may never let it go fully idle.
import fs from 'node:fs';

function cpuTimes(): { idle: number; total: number } {
  const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]; // cpu  user nice system idle iowait irq softirq steal
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const idle = v[3] + (v[4] ?? 0);
  return { idle, total: v.reduce((a, b) => a + b, 0) };
}

/** Fraction of all CPUs idle over `ms`. */
export async function idleFraction(ms = 1000): Promise<number> {
  try {
    const a = cpuTimes();
    await new Promise((r) => setTimeout(r, ms));
    const b = cpuTimes();
    return b.total > a.total ? (b.idle - a.idle) / (b.total - a.total) : 1;
  } catch {
    return 1; // no /proc/stat: nothing to wait for
  }
}

export async function waitQuiet(log: (m: string) => void, minIdle = 0.85, maxS = 60): Promise<void> {
  const deadline = Date.now() + maxS * 1000;
  let idle = await idleFraction();
  while (idle < minIdle && Date.now() < deadline) idle = await idleFraction();
  if (idle < minIdle) log(`  note: the machine is still ${Math.round((1 - idle) * 100)}% busy after ${maxS} s; measuring anyway`);
}
