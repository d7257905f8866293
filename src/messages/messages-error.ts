/** What can go wrong storing or reading messages; malformed mail is never one of them (it is stored). */
export type MessagesErrorCode =
  /** The blob store could not take an attachment (disk full, shared storage gone): retry later. */
  | 'messages.blob_failed'
  /** A blob name that is not a SHA-256 digest. */
  | 'messages.invalid_blob_name'
  /** A message insert lost a race and the winner's row could not be found (should not happen). */
  | 'messages.store_conflict'
  /** A paging cursor that listMessages did not make. */
  | 'messages.invalid_cursor'
  /** Reading a listed message's body failed (its parse thread failed or ran out of time). */
  | 'messages.parse_failed'
  /** A message waits for its parse but its raw source is gone. */
  | 'messages.source_missing';

export class MessagesError extends Error {
  constructor(
    readonly code: MessagesErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MessagesError';
  }
}
