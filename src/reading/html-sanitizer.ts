import { availableParallelism } from 'node:os';
import { createThreadPool, workerModule } from '../threads/thread-pool.ts';
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

export const createHtmlSanitizer = (settings: HtmlSanitizerOptions = {}): HtmlSanitizer => {
  const workers = settings.workers ?? Math.max(1, Math.min(4, availableParallelism() - 1));
  const cacheBytes = settings.cacheBytes ?? 64 * 1024 * 1024;
  const timeoutMs = settings.timeoutMs ?? 30_000;
  const kept = new Map<string, SanitizedBytes>();
  let keptBytes = 0;
  const running = new Map<string, Promise<SanitizedBytes>>();
  const pool = createThreadPool<Omit<SanitizeJob, 'id'>, SanitizeReply, SanitizedBytes>({
    source: workerModule(import.meta.url, 'sanitize-worker'),
    name: 'sanitising',
    size: workers,
    timeoutMs,
    // Each thread holds sanitize-html's heap: ended once no message has been opened for a while.
    idleMs: 30_000,
    settle: (reply) =>
      'error' in reply
        ? { error: new ReadingError('reading.sanitize_failed', `sanitize-html: ${reply.error}`) }
        : {
            result: {
              bytes: Buffer.from(reply.bytes.buffer, reply.bytes.byteOffset, reply.bytes.byteLength),
              blockedImages: reply.blockedImages,
            },
          },
    failure: (message, cause) => new ReadingError('reading.sanitize_failed', message, { cause }),
  });

  const run = (html: string, options: SanitizeOptions): Promise<SanitizedBytes> =>
    pool.run(() => ({
      payload: {
        html,
        allowRemoteImages: options.allowRemoteImages,
        inlineImages: [...(options.inlineImages ?? new Map())],
      },
    }));

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
    close: () => pool.close(),
  };
};
