// What Linux says about a process's memory and CPU (proc(5)), read from outside it: for bench/sync.ts, which
// measures the syncing Mailroom process, its parse threads included (threads share the process's memory).
import { readFileSync, writeFileSync } from 'node:fs';

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
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces and parentheses: fields start after the last ')', at field 3.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / TICKS) * 1000;
};

export const mb = (bytes: number): string => (bytes / 1e6).toFixed(0);
