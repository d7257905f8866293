import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readdir, rename, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { MessagesError } from './messages-error.ts';

/**
 * Attachment content, kept apart from message rows and named by its SHA-256: the same file attached to
 * a hundred messages is stored once, and a row only holds the name. Content streams in and out, so a
 * 20 MB attachment never sits in memory.
 */
export interface BlobStore {
  /** Stores the stream's bytes (idempotent: storing the same bytes again is a no-op). */
  put(stream: Readable): Promise<{ sha256: string; size: number }>;
  /** Streams a blob back; a missing blob makes the stream fail with ENOENT. */
  open(sha256: string): Readable;
  has(sha256: string): Promise<boolean>;
  /** Every stored blob with when it was last written or stored again (for the sweep). */
  list(): AsyncIterable<{ readonly sha256: string; readonly modifiedAt: number }>;
  /** Deletes a blob; a missing one is no error. */
  remove(sha256: string): Promise<void>;
  /** Deletes temporary files older than `before` (left by a crash mid-write). */
  removeStaleTemporaries(before: number): Promise<number>;
}

const SHA256 = /^[0-9a-f]{64}$/;

const missing = (error: unknown): boolean => (error as NodeJS.ErrnoException).code === 'ENOENT';
/** What `read` gives, or `absent` when the file or folder is not there (ENOENT); any other failure throws. */
const unlessMissing = <T, A>(read: Promise<T>, absent: A): Promise<T | A> =>
  read.catch((error: unknown) => {
    if (missing(error)) return absent;
    throw error;
  });

/** The blob store of a data folder (`<data>/blobs`): the one place that names it. */
export const dataBlobStore = (dataDir: string): BlobStore => createFileBlobStore(join(dataDir, 'blobs'));
/**
 * Content up to this size is hashed in memory before anything is written, so a blob already stored
 * (a logo in every signature) costs one stat instead of a temporary file, a flush and an unlink.
 * Larger content streams to a temporary file: memory stays bounded whatever the attachment.
 */
const SMALL = 256 * 1024;

/**
 * Blobs as files `<dir>/<first two hex digits>/<sha256>`. Several workers on several machines must see
 * one `dir` on shared storage (NFS, a mounted volume): a row written by one worker names a blob another
 * will open. Writes go to `<dir>/tmp` (the same file system, so the final rename is atomic) and are
 * flushed to disk before that rename, so a name that exists always holds its whole content, even after
 * a crash that the database row referring to it survived.
 */
export const createFileBlobStore = (dir: string): BlobStore => {
  const pathOf = (sha256: string): string => {
    // The name becomes a path: only a real digest may, never `../`.
    if (!SHA256.test(sha256))
      throw new MessagesError('messages.invalid_blob_name', `not a SHA-256 blob name: ${sha256}`);
    return join(dir, sha256.slice(0, 2), sha256);
  };
  const exists = async (path: string): Promise<boolean> => (await unlessMissing(stat(path), null)) !== null;
  // Folders are made once per process rather than once per blob (at most 256 + 1 of them).
  const made = new Map<string, Promise<unknown>>();
  const folder = (path: string): Promise<unknown> => {
    if (!made.has(path)) {
      const making = mkdir(path, { recursive: true }).catch((error: unknown) => {
        made.delete(path); // a failure is not remembered: the next blob tries again
        throw error;
      });
      made.set(path, making);
    }
    return made.get(path)!;
  };

  return {
    async put(stream) {
      await folder(join(dir, 'tmp'));
      const sink = new HashingSink(join(dir, 'tmp', randomUUID()));
      try {
        await pipeline(stream, sink);
        const target = pathOf(sink.sha256);
        if (await exists(target)) {
          if (sink.spilled) await unlink(sink.tmp);
          // Stored again: the sweep's grace period starts over, so a blob a row is about to name again is
          // never swept between this put and that row's commit.
          const now = new Date();
          await utimes(target, now, now);
        } else {
          if (!sink.spilled) await writeFile(sink.tmp, Buffer.concat(sink.head), { flush: true });
          await folder(join(dir, sink.sha256.slice(0, 2)));
          // Two workers storing the same bytes both rename: the later replaces identical content.
          await rename(sink.tmp, target);
        }
        return { sha256: sink.sha256, size: sink.size };
      } catch (error) {
        // Not there (nothing spilled, or already renamed): nothing to remove. Any other failure is told with
        // the first one; the sweep removes the file later (removeStaleTemporaries).
        await unlessMissing(unlink(sink.tmp), undefined).catch((cleanup: unknown) => {
          throw new AggregateError(
            [error, cleanup],
            'storing a blob failed, and so did removing its temporary file',
          );
        });
        throw error;
      }
    },
    open: (sha256) => createReadStream(pathOf(sha256)),
    has: (sha256) => exists(pathOf(sha256)),
    async *list() {
      // Not there: no blob stored yet, or removed meanwhile by another sweep. An unreadable folder throws,
      // never reads as empty.
      const folders = await unlessMissing(readdir(dir), []);
      for (const name of folders.filter((f) => /^[0-9a-f]{2}$/.test(f)).sort()) {
        for (const file of await unlessMissing(readdir(join(dir, name)), [])) {
          if (!SHA256.test(file)) continue;
          const info = await unlessMissing(stat(join(dir, name, file)), null);
          if (info) yield { sha256: file, modifiedAt: info.mtimeMs };
        }
      }
    },
    async remove(sha256) {
      await unlessMissing(unlink(pathOf(sha256)), undefined);
    },
    async removeStaleTemporaries(before) {
      let removed = 0;
      for (const file of await unlessMissing(readdir(join(dir, 'tmp')), [])) {
        const path = join(dir, 'tmp', file);
        const info = await unlessMissing(stat(path), null);
        // Gone meanwhile (its put finished, or another worker's sweep took it): not counted.
        if (info && info.mtimeMs < before && (await unlessMissing(unlink(path), 'gone')) !== 'gone')
          removed++;
      }
      return removed;
    },
  };
};

/**
 * Hashes what is written and keeps it in memory up to SMALL bytes; past that it spills everything to
 * `tmp`, a file flushed to disk when it closes, and goes on streaming into it with back-pressure.
 */
class HashingSink extends Writable {
  readonly head: Buffer[] = [];
  size = 0;
  sha256 = '';
  private readonly hash = createHash('sha256');
  private file: WriteStream | null = null;

  constructor(readonly tmp: string) {
    super();
  }

  get spilled(): boolean {
    return this.file !== null;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    let file = this.file;
    if (!file) {
      this.head.push(chunk);
      if (this.size <= SMALL) {
        done();
        return;
      }
      file = this.file = createWriteStream(this.tmp, { flush: true });
      file.on('error', (error) => this.destroy(error));
      chunk = Buffer.concat(this.head.splice(0));
    }
    if (file.write(chunk)) done();
    else file.once('drain', () => done());
  }

  override _final(done: (error?: Error | null) => void): void {
    this.sha256 = this.hash.digest('hex');
    if (this.file) {
      this.file.once('close', () => done());
      this.file.end();
    } else {
      done();
    }
  }

  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.file?.destroy();
    done(error);
  }
}
