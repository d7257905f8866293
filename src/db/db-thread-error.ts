/** What can go wrong with a SQLite connection in a thread of its own (sqlite-thread.ts). */
export type DbThreadErrorCode =
  /** The thread ended (its heap ran out, or it failed to open the file): every statement sent fails. */
  | 'db.thread_died'
  /** A statement was sent after `destroy`. */
  | 'db.thread_closed'
  /** A query asked to stream its rows, which the thread does not do (the listing never streams). */
  | 'db.thread_stream';

export class DbThreadError extends Error {
  constructor(
    readonly code: DbThreadErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DbThreadError';
  }
}
