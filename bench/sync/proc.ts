// What Linux says about a process's memory and CPU (proc(5)), read from outside it: for bench/sync.ts, which
// measures the syncing Mailroom process, its parse threads included (threads share the process's memory).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (`getconf CLK_TCK`, 100 on Linux). */
const TICKS = 100;

export interface ProcMemory {
  /** VmRSS: resident now, bytes. */
  readonly rss: number;
  /** VmHWM: the highest VmRSS since the process started or since `resetPeak`. */
  readonly peak: number;
  /** RssAnon: heaps (V8's of every thread, malloc's, SQLite's cache): what the process itself allocated. */
  readonly anon: number;
  /** RssFile: mapped files (node's binary, the native modules) resident. */
  readonly file: number;
  /** Threads of the process (node's own, libuv's pool, the parse and sanitiser threads). */
  readonly threads: number;
}

const field = (status: string, name: string): number => {
  const value = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1];
  if (value === undefined) throw new Error(`/proc status has no ${name}`);
  return Number(value);
};

export const procMemory = (pid: number): ProcMemory => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    rss: field(status, 'VmRSS') * 1024,
    peak: field(status, 'VmHWM') * 1024,
    anon: field(status, 'RssAnon') * 1024,
    file: field(status, 'RssFile') * 1024,
    threads: field(status, 'Threads'),
  };
};

/** Sets VmHWM back to the current VmRSS (proc(5), clear_refs "5"): the peak from here on. */
export const resetPeak = (pid: number): void => writeFileSync(`/proc/${pid}/clear_refs`, '5');

/** CPU time of the process, every thread of it, in ms (utime + stime, fields 14 and 15 of /proc/<pid>/stat). */
export const procCpuMs = (pid: number): number => {
  const cpu = statCpu(`/proc/${pid}/stat`);
  if (!cpu) throw new Error(`process ${pid} has ended`);
  return cpu.ms;
};

export const mb = (bytes: number): string => (bytes / 1e6).toFixed(0);

/**
 * CPU time the whole machine spent busy (every process: the emulator, PostgreSQL, Mailroom, the neighbours),
 * in ms of one core (/proc/stat's first line: user, nice, system, irq, softirq, steal).
 */
export const machineCpuMs = (): number => {
  const fields = readFileSync('/proc/stat', 'utf8')
    .split('\n', 1)[0]!
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  const busy = fields[0]! + fields[1]! + fields[2]! + fields[5]! + fields[6]! + fields[7]!;
  return (busy / TICKS) * 1000;
};

/**
 * The command name and CPU time (utime + stime, ms) of a process or thread from its stat file, or null
 * when it ended between the listing of /proc and the read (the named case: ENOENT, ESRCH).
 */
const statCpu = (path: string): { name: string; ms: number } | null => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return null;
    throw error;
  }
  // The command name may hold spaces and parentheses: fields start after the last ')', at field 3.
  const name = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { name, ms: ((Number(fields[11]) + Number(fields[12])) / TICKS) * 1000 };
};

/** CPU time of each thread of the process, in ms, by thread id, with its name (/proc/<pid>/task/<tid>/stat). */
export const threadCpuMs = (pid: number): Map<number, { name: string; ms: number }> => {
  const threads = new Map<number, { name: string; ms: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const cpu = statCpu(`/proc/${pid}/task/${tid}/stat`);
    if (cpu) threads.set(Number(tid), cpu);
  }
  return threads;
};

/** CPU each thread of process `pid` spent between two `threadCpuMs` readings, by name, the most first. */
export const threadCpuSince = (
  pid: number,
  before: ReadonlyMap<number, { name: string; ms: number }>,
  now: ReadonlyMap<number, { name: string; ms: number }>,
): [string, number][] => {
  const byName = new Map<string, number>();
  for (const [tid, t] of now) {
    const spent = t.ms - (before.get(tid)?.ms ?? 0);
    // The main thread's id is the process's; the others are told apart by how long after it they started.
    const name = tid === pid ? `${t.name} (main)` : `${t.name}#${tid - pid}`;
    byName.set(name, (byName.get(name) ?? 0) + spent);
  }
  return [...byName].filter(([, ms]) => ms > 0).sort((a, b) => b[1] - a[1]);
};

/**
 * CPU time of every process on the machine, in ms, by pid, with its command name (/proc/<pid>/stat), to see
 * where the machine's CPU went (PostgreSQL's backends, the emulator's Dovecot, Mailroom's processes).
 */
export const processesCpuMs = (): Map<number, { name: string; ms: number }> => {
  const processes = new Map<number, { name: string; ms: number }>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const cpu = statCpu(`/proc/${pid}/stat`);
    if (cpu) processes.set(pid, cpu);
  }
  return processes;
};

/**
 * CPU each kind of process spent between two `processesCpuMs` readings, by command name, the most first
 * (a process that started in between counts from zero; one that ended is not counted).
 */
export const processesCpuSince = (
  before: ReadonlyMap<number, { name: string; ms: number }>,
  now: ReadonlyMap<number, { name: string; ms: number }>,
): [string, number][] => {
  const byName = new Map<string, number>();
  for (const [pid, p] of now) {
    const spent = p.ms - (before.get(pid)?.ms ?? 0);
    byName.set(p.name, (byName.get(p.name) ?? 0) + spent);
  }
  return [...byName].filter(([, ms]) => ms >= 10).sort((a, b) => b[1] - a[1]);
};
