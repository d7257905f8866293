/** What can go wrong while reading mail that is not an HTTP error of the caller's. */
export type ReadingErrorCode =
  /**
   * The server answered NO or BAD to UID STORE (imapflow reports it as `false`, not as an error): the
   * flags stay pending and the next push tries again.
   */
  | 'reading.flags_refused'
  /** Sanitising a message's HTML failed or took too long in its worker thread (html-sanitizer.ts). */
  | 'reading.sanitize_failed';

export class ReadingError extends Error {
  constructor(
    readonly code: ReadingErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ReadingError';
  }
}
