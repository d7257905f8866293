import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { ReadingError } from './reading-error.ts';
import type { SanitizeOptions } from './sanitize.ts';
import type { SanitizeJob, SanitizeReply } from './sanitize-worker.ts';

/**
 * Sanitises mail HTML off the thread that answers requests, once per key: sanitize-html takes about a
 * second for 5 MB of HTML, during which that thread would answer nobody (not even /healthz). Results are
 * kept in memory as UTF-8 (least recently used first out, bounded in bytes), and the same key asked for
 * while it is being sanitised waits for that one run.
 */
/** Sanitised HTML as UTF-8, ready to send (a response would encode a string again on every view). */
export interface SanitizedBytes {
  readonly bytes: Buffer;
  /** Remote images removed: the reader may ask for them. */
  readonly blockedImages: number;
}

export interface HtmlSanitizer {
  /**
   * `load` is called only when `key` is neither kept nor on its way: the HTML is read from the database
   * and inline images from the blob store then, not on every view.
   */
  sanitize(
    key: string,
    load: () => Promise<{ readonly html: string; readonly options: SanitizeOptions }>,
  ): Promise<SanitizedBytes>;
  /** Stops the worker threads; waiting calls fail. */
  close(): Promise<void>;
}

export interface HtmlSanitizerOptions {
  /** Worker threads: one core is left to the request thread. */
  readonly workers?: number;
  /** Bytes of sanitised HTML kept. */
  readonly cacheBytes?: number;
  /** A run longer than this is given up and its worker replaced. */
  readonly timeoutMs?: number;
}

interface Job {
  readonly id: number;
  readonly html: string;
  readonly options: SanitizeOptions;
  resolve(result: SanitizedBytes): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker | null;
  job: Job | null;
  timer: NodeJS.Timeout | null;
}

/**
 * The worker's code. From source (tsx), a worker thread does not inherit tsx's loader in Node 20, so it
 * registers it before importing the TypeScript; built (dist/), the worker is plain JavaScript.
 */
const workerSource = (): string => {
  const ts = import.meta.url.endsWith('.ts');
  const entry = new URL(`./sanitize-worker.${ts ? 'ts' : 'js'}`, import.meta.url).href;
  if (!ts) return `import(${JSON.stringify(entry)})`;
  const tsx = import.meta.resolve('tsx/esm/api');
  return `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); })`;
};

export const createHtmlSanitizer = (settings: HtmlSanitizerOptions = {}): HtmlSanitizer => {
  const workers = settings.workers ?? Math.max(1, Math.min(4, availableParallelism() - 1));
  const cacheBytes = settings.cacheBytes ?? 64 * 1024 * 1024;
  const timeoutMs = settings.timeoutMs ?? 30_000;
  const slots: Slot[] = Array.from({ length: workers }, () => ({ worker: null, job: null, timer: null }));
  const queue: Job[] = [];
  const kept = new Map<string, SanitizedBytes>();
  let keptBytes = 0;
  const running = new Map<string, Promise<SanitizedBytes>>();
  let nextId = 1;
  let closed = false;

  const finish = (slot: Slot, outcome: { result: SanitizedBytes } | { error: Error }): void => {
    const job = slot.job;
    if (slot.timer) clearTimeout(slot.timer);
    slot.job = null;
    slot.timer = null;
    if (job) 'result' in outcome ? job.resolve(outcome.result) : job.reject(outcome.error);
    dispatch();
  };

  /** A worker that failed or was stopped is forgotten; the next job starts a new one. */
  const drop = (slot: Slot, error: Error): void => {
    const worker = slot.worker;
    slot.worker = null;
    void worker?.terminate();
    finish(slot, { error });
  };

  const spawn = (slot: Slot): Worker => {
    const worker = new Worker(workerSource(), { eval: true });
    // Idle workers do not keep a process (a CLI command, a test) alive.
    worker.unref();
    worker.on('message', (reply: SanitizeReply) => {
      if (slot.job?.id !== reply.id) return;
      if ('error' in reply)
        finish(slot, { error: new ReadingError('reading.sanitize_failed', `sanitize-html: ${reply.error}`) });
      else {
        const bytes = Buffer.from(reply.bytes.buffer, reply.bytes.byteOffset, reply.bytes.byteLength);
        finish(slot, { result: { bytes, blockedImages: reply.blockedImages } });
      }
    });
    worker.on('error', (error) => {
      if (slot.worker === worker)
        drop(
          slot,
          new ReadingError('reading.sanitize_failed', 'the sanitising thread failed', { cause: error }),
        );
    });
    worker.on('exit', () => {
      if (slot.worker === worker)
        drop(slot, new ReadingError('reading.sanitize_failed', 'the sanitising thread stopped'));
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
        () => drop(slot, new ReadingError('reading.sanitize_failed', `no answer in ${timeoutMs} ms`)),
        timeoutMs,
      );
      const message: SanitizeJob = {
        id: job.id,
        html: job.html,
        allowRemoteImages: job.options.allowRemoteImages,
        inlineImages: [...(job.options.inlineImages ?? new Map())],
      };
      slot.worker.postMessage(message);
    }
  };

  const run = (html: string, options: SanitizeOptions): Promise<SanitizedBytes> =>
    new Promise((resolve, reject) => {
      if (closed) return reject(new ReadingError('reading.sanitize_failed', 'the sanitiser is closed'));
      queue.push({ id: nextId++, html, options, resolve, reject });
      dispatch();
    });

  const keep = (key: string, result: SanitizedBytes): void => {
    if (result.bytes.length > cacheBytes) return;
    kept.set(key, result);
    keptBytes += result.bytes.length;
    for (const [oldKey, old] of kept) {
      if (keptBytes <= cacheBytes) break;
      kept.delete(oldKey);
      keptBytes -= old.bytes.length;
    }
  };

  return {
    sanitize(key, load) {
      const hit = kept.get(key);
      if (hit) {
        kept.delete(key);
        kept.set(key, hit);
        return Promise.resolve(hit);
      }
      const pending = running.get(key);
      if (pending) return pending;
      const started = load()
        .then(({ html, options }) => run(html, options))
        .then((result) => {
          keep(key, result);
          return result;
        })
        .finally(() => running.delete(key));
      running.set(key, started);
      return started;
    },
    async close() {
      closed = true;
      for (const job of queue.splice(0))
        job.reject(new ReadingError('reading.sanitize_failed', 'the sanitiser is closed'));
      await Promise.all(
        slots.map(async (slot) => {
          const worker = slot.worker;
          if (!worker) return;
          drop(slot, new ReadingError('reading.sanitize_failed', 'the sanitiser is closed'));
          await worker.terminate();
        }),
      );
    },
  };
};
