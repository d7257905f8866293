import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { type SanitizeOptions, sanitizeEmailHtml } from './sanitize.ts';

/** A job from sanitize-pool.ts; inline images travel as entries (a Map is cloned too, but this is plain). */
export interface SanitizeJob {
  readonly id: number;
  readonly html: string;
  readonly allowRemoteImages: boolean;
  readonly inlineImages: readonly (readonly [string, string])[];
}

/** The HTML as UTF-8, its buffer transferred rather than copied: what a response sends. */
export type SanitizeReply =
  | { readonly id: number; readonly bytes: Uint8Array; readonly blockedImages: number }
  | { readonly id: number; readonly error: string };

// On Linux a priority set for "process 0" is the calling thread's own (threads are tasks there): this
// thread gives way to the one answering requests. Elsewhere it would be the whole process's, so it is
// left alone.
if (process.platform === 'linux') setPriority(0, 10);

// The worker's whole life: sanitise what the pool sends, answer with the result or the error's message.
parentPort?.on('message', (job: SanitizeJob) => {
  const options: SanitizeOptions = {
    allowRemoteImages: job.allowRemoteImages,
    inlineImages: new Map(job.inlineImages),
  };
  let reply: SanitizeReply;
  try {
    const { html, blockedImages } = sanitizeEmailHtml(job.html, options);
    reply = { id: job.id, bytes: new TextEncoder().encode(html), blockedImages };
  } catch (error) {
    reply = { id: job.id, error: (error as Error).message };
  }
  parentPort?.postMessage(reply, 'bytes' in reply ? [reply.bytes.buffer as ArrayBuffer] : []);
});
