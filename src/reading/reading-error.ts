/** What can go wrong while reading mail that is not an HTTP error of the caller's. */
export type ReadingErrorCode =
  /** Sanitising a message's HTML failed or took too long in its worker thread (html-sanitizer.ts). */
  'reading.sanitize_failed';

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
