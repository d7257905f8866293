import { createThreadPool, workerModule } from '../threads/thread-pool.ts';
import type { BlobStore } from './blob-store.ts';
import { MessagesError } from './messages-error.ts';
import { type ParseJob, type ParseOutcome, type ParseReply, readSource } from './parse-worker.ts';

/** A listed message to read: its raw source, or the blob it was streamed to. */
export interface ParseItem {
  readonly messageId: string;
  readonly source: Buffer | null;
  readonly blobSha256: string | null;
}

/** Reads listed messages' bodies in worker threads (or on this thread, with no workers). */
export interface ParsePool {
  parse(items: readonly ParseItem[]): Promise<ParseOutcome[]>;
  /** Threads running now: they start with work and end after `idleMs` without any. */
  threads(): number;
  close(): Promise<void>;
}

export interface ParsePoolOptions {
  /** Worker threads; 0 reads on the calling thread (what tests of the store alone use). */
  readonly workers: number;
  /** The file blob store's folder: each worker opens it to store attachments and read large sources. */
  readonly blobDir: string;
  /** The blob store of this thread, for `workers: 0`. */
  readonly blobs: BlobStore;
  /** A job longer than this is given up, its worker replaced and its messages tried one by one. */
  readonly timeoutMs?: number;
  /** A thread idle this long ends (PARSE_THREAD_IDLE_MS unless given). */
  readonly idleMs?: number;
  /** Above this RSS the pool reads with one thread (ONE_PARSE_THREAD_ABOVE_RSS unless given). */
  readonly oneThreadAboveRss?: number;
  /** The process's RSS in bytes (`process.memoryUsage.rss` unless given): for tests. */
  readonly rss?: () => number;
}

/**
 * How long a parse thread waits for more work before it ends: ~20 MB of the process each, held for nothing
 * once a folder is read (bench/parse-threads.ts). Starting one again costs ~0.1 s of CPU, next to the
 * seconds between a mailbox's syncs; a mailbox being read keeps its threads busy batch after batch.
 */
export const PARSE_THREAD_IDLE_MS = 10_000;

/**
 * Each parse thread's heap: V8 lets an unlimited one grow to hundreds of MB before collecting, which was
 * most of the syncing process's peak RSS (bench/sync.ts 20000 sqlite: 598 MB, 462 MB with this). A
 * thread holds a job of PER_JOB sources and streams attachments to the blob store, so 96 MB leaves room
 * for a 20 MB attachment (sync.test.ts); a thread that runs out fails its job, which is retried one
 * message at a time and a message that still fails is marked failed. The young generation of 3 MB (8
 * before): a thread loading mailparser and reading 4 KB messages makes many small objects, and V8 keeps
 * its young generation grown: bench/parse-threads.ts 20000 2, two threads started +36–41 MB (+48–49 with 8),
 * peak while reading +54–57 MB (+71–76); CPU 15.4 and 18.0 s (17.8 and 17.8 s), within the machine's noise.
 */
const THREAD_HEAP = { maxOldGenerationSizeMb: 96, maxYoungGenerationSizeMb: 3 } as const;

/**
 * The memory budget: above this resident size of the process, the pool hands its jobs to one thread. Issue 12
 * holds the syncing process under 200 MB for a 50,000-message folder (bench/sync.ts 50000 sqlite): after
 * such a listing the process keeps 155–170 MB (malloc does not give the listing's memory back), and each
 * thread reading adds ~20 MB; two threads took the sync to 206–210 MB, one to 181–187 MB (seven runs). Under the budget
 * two still fit (150 + 2 × 20). One thread costs little time: the main thread, which writes what the threads
 * read, is the busier (per-thread CPU during the reading: main ~47 %, the one parse thread ~35 %), and kept
 * busy (parse-queue.ts looks ahead; PER_JOB) one read 50,000 as fast as two had (README, *Scale*).
 */
export const ONE_PARSE_THREAD_ABOVE_RSS = 150_000_000;

/**
 * Messages sent to a worker at once: one message each, the posting would cost the main thread more; and a
 * thread that has answered waits for the main thread to hand it the next job, which it does only between
 * its own writes. 32 (8 before): a round of the parse queue (64) is two jobs, one for each of two threads,
 * or two in a row for one thread over the memory budget instead of eight.
 */
const PER_JOB = 32;

const failed = (items: readonly ParseItem[], error: Error): ParseOutcome[] =>
  items.map((i) => ({
    messageId: i.messageId,
    error: error.message,
    errorCode: (error as { code?: string }).code ?? 'messages.parse_failed',
  }));

export const createParsePool = (options: ParsePoolOptions): ParsePool => {
  if (options.workers === 0) return inlinePool(options.blobs);
  let closed = false;
  const pool = createThreadPool<Omit<ParseJob, 'id'>, ParseReply, ParseOutcome[]>({
    source: workerModule(import.meta.url, 'parse-worker'),
    name: 'parse',
    size: options.workers,
    timeoutMs: options.timeoutMs ?? 120_000,
    idleMs: options.idleMs ?? PARSE_THREAD_IDLE_MS,
    workerData: { blobDir: options.blobDir },
    resourceLimits: THREAD_HEAP,
    oneThreadAboveRss: options.oneThreadAboveRss ?? ONE_PARSE_THREAD_ABOVE_RSS,
    ...(options.rss ? { rss: options.rss } : {}),
    settle: (reply) => ({ result: [...reply.outcomes] }),
    failure: (message, cause) => new MessagesError('messages.parse_failed', message, { cause }),
  });

  /** A job whose thread failed is tried again one message at a time, so one bad message fails alone. */
  const runJob = async (items: readonly ParseItem[]): Promise<ParseOutcome[]> => {
    try {
      return await pool.run(() => {
        // Sources are copied into buffers of their own and those transferred: no second copy in flight.
        const copies = items.map((i) => ({
          messageId: i.messageId,
          source: i.source ? new Uint8Array(i.source) : null,
          blobSha256: i.blobSha256,
        }));
        return {
          payload: { items: copies },
          transfer: copies.flatMap((i) => (i.source ? [i.source.buffer as ArrayBuffer] : [])),
        };
      });
    } catch (error) {
      if (closed) throw error;
      if (items.length === 1) return failed(items, error as Error);
      return (await Promise.all(items.map((item) => runJob([item])))).flat();
    }
  };

  return {
    async parse(items) {
      const jobs: ParseItem[][] = [];
      for (let at = 0; at < items.length; at += PER_JOB) jobs.push(items.slice(at, at + PER_JOB));
      return (await Promise.all(jobs.map(runJob))).flat();
    },
    threads: () => pool.threads(),
    async close() {
      closed = true;
      await pool.close();
    },
  };
};

/** Reads on the calling thread, one message at a time: for `workers: 0`. */
const inlinePool = (blobs: BlobStore): ParsePool => ({
  async parse(items) {
    const outcomes: ParseOutcome[] = [];
    for (const item of items) {
      try {
        const source = item.source ?? Buffer.concat(await blobs.open(item.blobSha256 ?? '').toArray());
        outcomes.push({ messageId: item.messageId, ...(await readSource(source, blobs)) });
      } catch (error) {
        outcomes.push(...failed([item], error as Error));
      }
    }
    return outcomes;
  },
  threads: () => 0,
  close: async () => undefined,
});
