import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { type BlobStore, createFileBlobStore } from './blob-store.ts';
import { contentOf, dedupeKey } from './dedupe.ts';
import { parseMessage } from './parse-message.ts';
import type { ParsedMessage } from './parsed-message.ts';

/** Messages to read, from parse-pool.ts: each source in the job (transferred) or a blob to open. */
export interface ParseJob {
  readonly id: number;
  readonly items: readonly {
    readonly messageId: string;
    readonly source: Uint8Array | null;
    readonly blobSha256: string | null;
  }[];
}

export type ParseOutcome =
  | { readonly messageId: string; readonly parsed: ParsedMessage; readonly key: string }
  | { readonly messageId: string; readonly error: string; readonly errorCode: string };

export interface ParseReply {
  readonly id: number;
  readonly outcomes: readonly ParseOutcome[];
}

/** Reads one raw source: parsed (attachments into the blob store) and keyed for dedupe. */
export const readSource = async (
  source: Buffer,
  blobs: BlobStore,
): Promise<{ parsed: ParsedMessage; key: string }> => {
  const parsed = await parseMessage(source, blobs);
  return { parsed, key: dedupeKey(parsed.messageId, contentOf(parsed), source) };
};

if (parentPort) {
  const port = parentPort;
  // The listing path runs on the main thread: parsing gives way to it (on Linux a priority set for
  // "process 0" is the calling thread's own; elsewhere it would be the whole process's).
  if (process.platform === 'linux') setPriority(0, 10);
  const blobs = createFileBlobStore((workerData as { blobDir: string }).blobDir);
  port.on('message', async (job: ParseJob) => {
    const outcomes: ParseOutcome[] = [];
    for (const item of job.items) {
      try {
        const source = item.source
          ? Buffer.from(item.source.buffer, item.source.byteOffset, item.source.byteLength)
          : Buffer.concat(await blobs.open(item.blobSha256 ?? '').toArray());
        outcomes.push({ messageId: item.messageId, ...(await readSource(source, blobs)) });
      } catch (error) {
        // Reported to the pool, which records it on the message: one message never stops the others.
        outcomes.push({
          messageId: item.messageId,
          error: (error as Error).message,
          errorCode: (error as { code?: string }).code ?? 'messages.parse_failed',
        });
      }
    }
    port.postMessage({ id: job.id, outcomes } satisfies ParseReply);
  });
}
