// One sync of one folder, measured from outside the syncing process: Sync now pressed, then the database read
// every 20 ms for the folder's stored count (written with each committed batch: the message is listed) and
// for messages still waiting for their parse (the sync's end: every body read, searchable); the process's
// CPU and memory read from /proc meanwhile, its peak (VmHWM) reset when Sync now is pressed.
import { setTimeout as sleep } from 'node:timers/promises';
import {
  machineCpuMs,
  type ProcMemory,
  procCpuMs,
  processesCpuMs,
  processesCpuSince,
  procMemory,
  resetPeak,
  threadCpuMs,
  threadCpuSince,
} from './proc.ts';
import type { SyncTarget } from './target.ts';

export interface FolderSyncFigures {
  /** Messages stored in the folder at the end. */
  readonly stored: number;
  /** From Sync now to the folder's sync under way (the job taken, the session open and the folder selected). */
  readonly startedMs: number;
  /** From Sync now to the last message listed. */
  readonly listedMs: number;
  readonly listedCpuMs: number;
  /** The whole machine's busy CPU over the listing (the emulator and PostgreSQL included). */
  readonly listedMachineCpuMs: number;
  /** The same, by process name (postgres, dovecot's imap, node…), the most first. */
  readonly listedProcessesCpuMs: [string, number][];
  /** The syncing process's CPU over the listing by kind of thread (name), the most first. */
  readonly listedThreadsCpuMs: readonly [string, number][];
  /** From Sync now to every message read (bodies, attachments, search text). */
  readonly readableMs: number;
  readonly readableCpuMs: number;
  /** /proc at Sync now, at the last message listed (its `peak`: the listing's), at the end (the sync's). */
  readonly memory: {
    readonly atStart: ProcMemory;
    readonly atListed: ProcMemory;
    readonly atEnd: ProcMemory;
  };
  /** In-process only: the main thread's heap when the RSS was highest, during the listing and after. */
  readonly heap: { readonly listing: NodeJS.MemoryUsage; readonly sync: NodeJS.MemoryUsage } | null;
}

const POLL_MS = 20;
/** The pending count is read less often: on PostgreSQL each read is a round trip the sync competes with. */
const PENDING_POLL_MS = 200;

const folderState = (target: SyncTarget, path: string) =>
  target.db
    .selectFrom('folder_sync_state')
    .select(['stored_messages', 'status', 'last_error'])
    .where('mailbox_id', '=', target.mailboxId)
    .where('path', '=', path)
    .executeTakeFirst();

const pendingParses = async (target: SyncTarget): Promise<number> =>
  Number(
    (
      await target.db
        .selectFrom('messages')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('mailbox_id', '=', target.mailboxId)
        .where('parse_state', '=', 'pending')
        .executeTakeFirstOrThrow()
    ).n,
  );

export const measureFolderSync = async (
  target: SyncTarget,
  path: string,
  count: number,
  /** Called once the last message is listed (the CPU profile stops there). */
  onListed: () => Promise<void> = async () => undefined,
): Promise<FolderSyncFigures> => {
  resetPeak(target.pid);
  const atStart = procMemory(target.pid);
  const started = performance.now();
  const cpu = procCpuMs(target.pid);
  const machineCpu = machineCpuMs();
  const processesCpu = processesCpuMs();
  const threadsCpu = threadCpuMs(target.pid);
  const since = (t: number) => t - started;
  let heap: { listing: NodeJS.MemoryUsage; sync: NodeJS.MemoryUsage } | null = null;
  const highest = { listing: 0, sync: 0 };
  const sampleHeap = (listing: boolean) => {
    if (!target.inProcess) return;
    const m = process.memoryUsage();
    heap ??= { listing: m, sync: m };
    if (listing && m.rss > highest.listing) [highest.listing, heap.listing] = [m.rss, m];
    if (m.rss > highest.sync) [highest.sync, heap.sync] = [m.rss, m];
  };
  await target.syncNow();

  let startedMs = 0;
  let listed: {
    ms: number;
    cpuMs: number;
    machineCpuMs: number;
    processesCpuMs: [string, number][];
    threadsCpuMs: [string, number][];
    memory: ProcMemory;
  } | null = null;
  let lastPendingRead = 0;
  for (;;) {
    sampleHeap(listed === null);
    const state = await folderState(target, path);
    if (state?.status === 'failed') throw new Error(`the sync of ${path} failed: ${state.last_error}`);
    if (startedMs === 0 && state?.status === 'syncing') startedMs = since(performance.now());
    if (!listed && (state?.stored_messages ?? 0) >= count) {
      listed = {
        ms: since(performance.now()),
        cpuMs: procCpuMs(target.pid) - cpu,
        machineCpuMs: machineCpuMs() - machineCpu,
        processesCpuMs: processesCpuSince(processesCpu, processesCpuMs()),
        threadsCpuMs: threadCpuSince(target.pid, threadsCpu, threadCpuMs(target.pid)),
        memory: procMemory(target.pid),
      };
      await onListed();
    }
    if (listed && state?.status !== 'syncing' && performance.now() - lastPendingRead >= PENDING_POLL_MS) {
      lastPendingRead = performance.now();
      if ((await pendingParses(target)) === 0) {
        return {
          stored: state?.stored_messages ?? 0,
          startedMs,
          listedMs: listed.ms,
          listedCpuMs: listed.cpuMs,
          listedMachineCpuMs: listed.machineCpuMs,
          listedProcessesCpuMs: listed.processesCpuMs,
          listedThreadsCpuMs: listed.threadsCpuMs,
          readableMs: since(performance.now()),
          readableCpuMs: procCpuMs(target.pid) - cpu,
          memory: { atStart, atListed: listed.memory, atEnd: procMemory(target.pid) },
          heap,
        };
      }
    }
    await Promise.race([sleep(POLL_MS), target.failed]);
  }
};
