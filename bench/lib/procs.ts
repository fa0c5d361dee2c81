// Child processes of the harness (authlink, the bare fastify baseline, the
// local upstream): each on its own event loop, output to a file (request logs
// would otherwise cost the load generator CPU to drain), readiness read from
// that file, peak RSS from /proc/<pid>/status.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';

export interface Proc {
  name: string;
  proc: ChildProcess;
  pid: number;
  /** The first line of output that matched `ready`, parsed by the caller. */
  readyLine: string;
  logFile: string;
  /** The last `bytes` of the process's output (for error messages). */
  tail(bytes?: number): string;
  /** Peak resident set (VmHWM) so far in MiB; the last value read once the process is gone. */
  peakRssMb(): number;
  /** Empties the log file when it grew past `maxBytes` (request logs at info level are large). */
  trimLog(maxBytes?: number): void;
  stop(timeoutMs?: number): Promise<number | null>;
}

export interface StartOptions {
  name: string;
  args: string[]; // node arguments after the node flags: a script and its arguments
  nodeArgs?: string[]; // e.g. --cpu-prof
  env: Record<string, string>;
  ready: RegExp; // matched against the output, line by line
  logFile: string;
  cwd?: string;
  timeoutMs?: number;
  /** Removed once the process has stopped (its temp dir). */
  removeAfter?: string;
}

// Children still running when this process ends (Ctrl-C, a crash) are killed with it.
const live = new Set<ChildProcess>();
let hooked = false;
function track(proc: ChildProcess): void {
  live.add(proc);
  proc.once('exit', () => live.delete(proc));
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const p of live) p.kill('SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      for (const p of live) p.kill('SIGKILL');
      process.exit(130);
    });
  }
}

/** Pids of the harness's children still running (for CPU accounting). */
export function childPids(): number[] {
  return [...live].map((p) => p.pid!).filter(Boolean);
}

export function readPeakRssMb(pid: number): number | undefined {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** A port that was free a moment ago (the OAuth redirect URI needs the port before the server starts). */
export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

function readTail(file: string, bytes: number): string {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const size = fs.fstatSync(fd).size;
      const len = Math.min(size, bytes);
      const buf = Buffer.alloc(len);
      fs.readSync(fd, buf, 0, len, size - len);
      return buf.toString('utf8');
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return '';
  }
}

export async function startProc(o: StartOptions): Promise<Proc> {
  // O_APPEND: after trimLog() truncates the file, the child keeps writing at its (new) end.
  const fd = fs.openSync(o.logFile, 'a');
  const proc = spawn(process.execPath, [...(o.nodeArgs ?? []), ...o.args], { env: o.env, cwd: o.cwd, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  track(proc);
  let exited: number | null | undefined;
  const exitPromise = new Promise<number | null>((resolve) =>
    proc.once('exit', (code, signal) => {
      exited = code ?? (signal ? -1 : null);
      resolve(exited);
    }),
  );
  let peak = 0;
  const sample = () => {
    const v = readPeakRssMb(proc.pid!);
    if (v !== undefined) peak = Math.max(peak, v);
    return peak;
  };

  const deadline = Date.now() + (o.timeoutMs ?? 60_000);
  let readyLine: string | undefined;
  while (!readyLine) {
    const text = readTail(o.logFile, 1 << 20);
    readyLine = text.split('\n').find((l) => o.ready.test(l));
    if (readyLine) break;
    if (exited !== undefined) throw new Error(`${o.name} exited (${exited}) before it was ready:\n${readTail(o.logFile, 4000)}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`${o.name} was not ready within ${o.timeoutMs ?? 60_000} ms:\n${readTail(o.logFile, 4000)}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const stopper = setInterval(sample, 500);
  stopper.unref();

  return {
    name: o.name,
    proc,
    pid: proc.pid!,
    readyLine,
    logFile: o.logFile,
    tail: (bytes = 4000) => readTail(o.logFile, bytes),
    peakRssMb: () => (exited === undefined ? sample() : peak),
    trimLog(maxBytes = 256 << 20) {
      try {
        if (fs.statSync(o.logFile).size > maxBytes) fs.truncateSync(o.logFile, 0);
      } catch {
        /* gone */
      }
    },
    async stop(timeoutMs = 15_000) {
      clearInterval(stopper);
      if (exited !== undefined) {
        if (o.removeAfter) fs.rmSync(o.removeAfter, { recursive: true, force: true });
        return exited;
      }
      sample();
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
      const code = await exitPromise;
      clearTimeout(timer);
      if (o.removeAfter) fs.rmSync(o.removeAfter, { recursive: true, force: true });
      return code;
    },
  };
}
