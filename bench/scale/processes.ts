// Child processes of bench/scale.ts (the emulator, Mailroom's web and worker processes) and what /proc says
// about their CPU and memory, so each process's share is its own.
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (`getconf CLK_TCK`, 100 on Linux). */
const TICKS = 100;

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly pid: number;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/**
 * MAILROOM_BENCH_CPU_PROF_DIR=<dir> (with MAILROOM_BENCH_CPU_PROF=<name,…>, default `worker-a`): those
 * children profile their CPU over each window `measureUsage` measures them in (bench/scale/cpu-profile.ts),
 * written to <dir>/<name>-<n>.cpuprofile; sum one with bench/scale/profile-summary.ts.
 */
const profiled = (name: string): boolean =>
  Boolean(process.env.MAILROOM_BENCH_CPU_PROF_DIR) &&
  (process.env.MAILROOM_BENCH_CPU_PROF ?? 'worker-a').split(',').includes(name);
const profiledPids = new Set<number>();
/** Starts or stops (and writes) the CPU profile of the profiled children among `pids`. */
const toggleProfiles = (pids: readonly number[]): void => {
  for (const pid of pids) if (profiledPids.has(pid)) process.kill(pid, 'SIGUSR2');
};

/**
 * Runs a TypeScript entry point under plain node with tsx as a loader (not the tsx CLI, which would put a
 * second process between us and the one measured). Output goes to `logPath`, except the first stdout line
 * when `firstLine` is asked for.
 */
export const startChild = (
  name: string,
  entry: string,
  args: readonly string[],
  options: { env?: Record<string, string>; logPath: string },
): Child => {
  const profile = profiled(name);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', ...(profile ? ['--import', './bench/scale/cpu-profile.ts'] : []), entry, ...args],
    {
      env: { ...process.env, ...options.env, ...(profile ? { MAILROOM_BENCH_CPU_PROF_NAME: name } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  if (profile) profiledPids.add(child.pid!);
  const log = createWriteStream(options.logPath, { flags: 'a' });
  child.stderr!.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    name,
    process: child,
    pid: child.pid!,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
};

/** The first line the child prints on stdout (the emulator's JSON); the rest goes to the log. */
export const firstLine = (child: Child, logPath: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.process.stdout! });
    const log = createWriteStream(logPath, { flags: 'a' });
    let first = true;
    lines.on('line', (line) => {
      if (first) {
        first = false;
        resolve(line);
      } else log.write(`${line}\n`);
    });
    child.exited.then((code) =>
      reject(new Error(`${child.name} exited with ${code} before printing (see ${logPath})`)),
    );
  });

/** Drains a child's stdout into its log (for children whose output is not read). */
export const logStdout = (child: Child, logPath: string): void => {
  child.process.stdout!.pipe(createWriteStream(logPath, { flags: 'a' }));
};

interface ProcStat {
  readonly ppid: number;
  /** utime + stime, in ticks. */
  readonly cpuTicks: number;
}

/** /proc/<pid> is gone (ENOENT) or going (ESRCH): the process ended. */
const ended = (error: unknown): boolean =>
  ['ENOENT', 'ESRCH'].includes((error as { code?: string }).code ?? '');

const readStat = (pid: number): ProcStat | null => {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // Fields 4 (ppid), 14 (utime) and 15 (stime) of proc(5), here shifted by the two before the name.
    return { ppid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]) };
  } catch (error) {
    if (!ended(error)) throw error;
    return null; // the process ended between listing and reading: it is no longer counted
  }
};

/** Resident memory of a process in MB (VmRSS), 0 once it has ended. */
export const rssMb = (pid: number): number => {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Number(kb ?? 0) / 1024;
  } catch (error) {
    if (!ended(error)) throw error;
    return 0;
  }
};

/** Every process below `root` (children, their children…), not `root` itself. */
export const descendants = (root: number): number[] => {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (stat) parents.set(pid, stat.ppid);
  }
  const below = new Set<number>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!below.has(pid) && (ppid === root || below.has(ppid))) {
        below.add(pid);
        grew = true;
      }
    }
  }
  return [...below];
};

export interface Usage {
  /** Average CPU over the window, in % of one core. */
  readonly cpuPercent: number;
  /** Resident memory at the end of the window, MB. */
  readonly rssMb: number;
}

const ticksOf = (pids: readonly number[]): number =>
  pids.reduce((n, pid) => n + (readStat(pid)?.cpuTicks ?? 0), 0);

/**
 * CPU and memory of groups of processes over the same `seconds`: each group is a list of pids, read again
 * at the end (a group given as a function is listed at both ends, for process trees that change).
 */
export const measureUsage = async <K extends string>(
  groups: Record<K, () => number[]>,
  seconds: number,
): Promise<Record<K, Usage>> => {
  const keys = Object.keys(groups) as K[];
  const before = Object.fromEntries(keys.map((k) => [k, ticksOf(groups[k]())])) as Record<K, number>;
  const started = performance.now();
  const watched = keys.flatMap((k) => groups[k]());
  toggleProfiles(watched);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const elapsed = (performance.now() - started) / 1000;
  toggleProfiles(watched);
  return Object.fromEntries(
    keys.map((k) => {
      const pids = groups[k]();
      const cpuPercent = (Math.max(0, ticksOf(pids) - before[k]) / TICKS / elapsed) * 100;
      return [k, { cpuPercent, rssMb: pids.reduce((n, pid) => n + rssMb(pid), 0) }];
    }),
  ) as Record<K, Usage>;
};

/** A process that keeps one core busy until stopped (bench/scale.ts --busy-core): other work on the machine. */
export const startBusyLoop = (): (() => void) => {
  const loop = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  return () => {
    if (loop.exitCode === null && loop.signalCode === null) loop.kill('SIGKILL');
  };
};
