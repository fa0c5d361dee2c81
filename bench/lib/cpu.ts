// CPU time spent during a measurement, per process group: the server under
// test, PostgreSQL (every `postgres` process on the machine: its backends do
// the queries' work; other users of the same server are counted too), and
// this process (the load generator, plus the OAuth provider in that scenario).
// Divided by the requests served, it says where a request's CPU goes. Also
// how many cores the rest of the machine (other users) kept busy meanwhile:
// on a shared 2-core machine that is what makes two runs disagree.
import fs from 'node:fs';
import { childPids } from './procs.ts';

const TICK_MS = 10; // USER_HZ is 100 on Linux

export function processCpuMs(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) * TICK_MS;
  } catch {
    return undefined;
  }
}

/** CPU ms of every `postgres` process, by pid (a backend that exits between two snapshots is lost). */
export function postgresCpuMs(): Map<number, number> {
  const out = new Map<number, number>();
  let pids: string[] = [];
  try {
    pids = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return out;
  }
  for (const pid of pids) {
    try {
      if (fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
      const ms = processCpuMs(Number(pid));
      if (ms !== undefined) out.set(Number(pid), ms);
    } catch {
      /* exited */
    }
  }
  return out;
}

/** Busy CPU ms of the whole machine (all cores), from /proc/stat. */
function machineBusyMs(): number {
  try {
    const v = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
    return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) * TICK_MS; // user nice system irq softirq steal
  } catch {
    return 0;
  }
}

export interface CpuSnapshot {
  at: number;
  server?: number;
  postgres: Map<number, number>;
  children: Map<number, number>;
  self: number;
  machine: number;
}

function delta(a: Map<number, number>, b: Map<number, number>): number {
  let d = 0;
  for (const [pid, ms] of b) d += Math.max(0, ms - (a.get(pid) ?? 0));
  return d;
}

export interface CpuUse {
  /** CPU microseconds per successful request. */
  serverUs?: number;
  postgresUs: number;
  loadgenUs: number;
  /** Cores the server kept busy on average (1 = one core saturated). */
  serverCores?: number;
  /** Cores busy with anything but this harness, its children and PostgreSQL. */
  otherCores: number;
}

export function snapshot(serverPid?: number): CpuSnapshot {
  const u = process.cpuUsage();
  const children = new Map<number, number>();
  for (const pid of childPids()) {
    const ms = processCpuMs(pid);
    if (ms !== undefined) children.set(pid, ms);
  }
  return {
    at: performance.now(),
    server: serverPid ? processCpuMs(serverPid) : undefined,
    postgres: postgresCpuMs(),
    children,
    self: (u.user + u.system) / 1000,
    machine: machineBusyMs(),
  };
}

export function cpuUse(a: CpuSnapshot, b: CpuSnapshot, requests: number): CpuUse {
  const per = (ms: number) => (requests > 0 ? (ms * 1000) / requests : 0);
  const wall = b.at - a.at;
  const pg = delta(a.postgres, b.postgres);
  const ours = b.self - a.self + delta(a.children, b.children) + pg;
  return {
    ...(a.server !== undefined && b.server !== undefined
      ? { serverUs: per(b.server - a.server), serverCores: wall > 0 ? (b.server - a.server) / wall : 0 }
      : {}),
    postgresUs: per(pg),
    loadgenUs: per(b.self - a.self),
    otherCores: wall > 0 ? Math.max(0, (b.machine - a.machine - ours) / wall) : 0,
  };
}
