import { Worker } from 'node:worker_threads';
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
}

/** Messages sent to a worker at once: one message each, the posting would cost the main thread more. */
const PER_JOB = 8;

interface Job {
  readonly id: number;
  readonly items: readonly ParseItem[];
  resolve(outcomes: ParseOutcome[]): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker | null;
  job: Job | null;
  timer: NodeJS.Timeout | null;
}

/** From source (tsx), a worker thread registers tsx's loader before importing TypeScript (as html-sanitizer.ts). */
const workerSource = (): string => {
  const ts = import.meta.url.endsWith('.ts');
  const entry = new URL(`./parse-worker.${ts ? 'ts' : 'js'}`, import.meta.url).href;
  if (!ts) return `import(${JSON.stringify(entry)})`;
  const tsx = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
};

const failed = (items: readonly ParseItem[], error: Error): ParseOutcome[] =>
  items.map((i) => ({
    messageId: i.messageId,
    error: error.message,
    errorCode: (error as { code?: string }).code ?? 'messages.parse_failed',
  }));

export const createParsePool = (options: ParsePoolOptions): ParsePool => {
  if (options.workers === 0) return inlinePool(options.blobs);
  const timeoutMs = options.timeoutMs ?? 120_000;
  const slots: Slot[] = Array.from({ length: options.workers }, () => ({
    worker: null,
    job: null,
    timer: null,
  }));
  const queue: Job[] = [];
  let nextId = 1;
  let closed = false;

  const finish = (slot: Slot, outcome: { outcomes: ParseOutcome[] } | { error: Error }): void => {
    const job = slot.job;
    if (slot.timer) clearTimeout(slot.timer);
    slot.job = null;
    slot.timer = null;
    if (job) 'outcomes' in outcome ? job.resolve(outcome.outcomes) : job.reject(outcome.error);
    dispatch();
  };

  const drop = (slot: Slot, error: Error): void => {
    const worker = slot.worker;
    slot.worker = null;
    void worker?.terminate();
    finish(slot, { error });
  };

  const spawn = (slot: Slot): Worker => {
    const worker = new Worker(workerSource(), { eval: true, workerData: { blobDir: options.blobDir } });
    worker.unref();
    worker.on('message', (reply: ParseReply) => {
      if (slot.job?.id === reply.id) finish(slot, { outcomes: [...reply.outcomes] });
    });
    worker.on('error', (error) => {
      if (slot.worker === worker)
        drop(slot, new MessagesError('messages.parse_failed', 'the parse thread failed', { cause: error }));
    });
    worker.on('exit', () => {
      if (slot.worker === worker)
        drop(slot, new MessagesError('messages.parse_failed', 'the parse thread stopped'));
    });
    return worker;
  };

  const dispatch = (): void => {
    for (const slot of slots) {
      if (closed || slot.job || queue.length === 0) continue;
      const job = queue.shift()!;
      slot.worker ??= spawn(slot);
      slot.job = job;
      slot.timer = setTimeout(
        () => drop(slot, new MessagesError('messages.parse_failed', `no answer in ${timeoutMs} ms`)),
        timeoutMs,
      );
      // Sources are copied into buffers of their own and those transferred: no second copy in flight.
      const items = job.items.map((i) => ({
        messageId: i.messageId,
        source: i.source ? new Uint8Array(i.source) : null,
        blobSha256: i.blobSha256,
      }));
      slot.worker.postMessage(
        { id: job.id, items } satisfies ParseJob,
        items.flatMap((i) => (i.source ? [i.source.buffer] : [])),
      );
    }
  };

  const run = (items: readonly ParseItem[]): Promise<ParseOutcome[]> =>
    new Promise((resolve, reject) => {
      if (closed) return reject(new MessagesError('messages.parse_failed', 'the parse pool is closed'));
      queue.push({ id: nextId++, items, resolve, reject });
      dispatch();
    });

  /** A job whose thread failed is tried again one message at a time, so one bad message fails alone. */
  const runJob = async (items: readonly ParseItem[]): Promise<ParseOutcome[]> => {
    try {
      return await run(items);
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
    async close() {
      closed = true;
      for (const job of queue.splice(0))
        job.reject(new MessagesError('messages.parse_failed', 'the parse pool is closed'));
      await Promise.all(
        slots.map(async (slot) => {
          const worker = slot.worker;
          if (!worker) return;
          drop(slot, new MessagesError('messages.parse_failed', 'the parse pool is closed'));
          await worker.terminate();
        }),
      );
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
  close: async () => undefined,
});
