/**
 * The one failure type of the mail-transport seam (STYLE.md 5 and 7). Each transport translates its
 * foreign errors once, at its adapter (imapflow and nodemailer in `imap-smtp/`, Graph's error envelope
 * in `graph/`), into a subclass with its own code union; callers that do not care which transport it
 * was read `whoMustAct` and `userMessage`, callers that do branch on the stable `code`.
 */
export type TransportKind = 'imap_smtp' | 'graph';

/**
 * Who must act for the failure to go away, once the transport's own retry (one forced token refresh
 * after an authentication failure) has been tried:
 * - `user`: the mailbox's owner reconnects (or the sender fixes the message);
 * - `administrator`: an Exchange, Entra or Mailroom administrator changes a setting or a permission;
 * - `microsoft`: Microsoft's service throttles or is unavailable; Mailroom tries again later;
 * - `nobody`: transient (a dropped connection, a timeout); Mailroom tries again.
 */
export type WhoMustAct = 'user' | 'administrator' | 'microsoft' | 'nobody';

export interface MailTransportFailure {
  /** Stable, `<transport>.<reason>`, e.g. `imap.token_expired`, `smtp.auth_disabled`, `graph.throttled`. */
  readonly code: string;
  readonly transport: TransportKind;
  readonly whoMustAct: WhoMustAct;
  /** One sentence for the person who must act; the mailbox page may say more with its own context. */
  readonly userMessage: string;
  /** A wait the server suggested (IMAP's Suggested Backoff Time, Graph's Retry-After), as sent; else null. */
  readonly retryAfterMs: number | null;
}

export class MailTransportError extends Error implements MailTransportFailure {
  override readonly name: string = 'MailTransportError';
  readonly code: string;
  readonly transport: TransportKind;
  readonly whoMustAct: WhoMustAct;
  readonly userMessage: string;
  readonly retryAfterMs: number | null;
  constructor(failure: MailTransportFailure, message: string, options: { cause: unknown }) {
    super(message, options);
    this.code = failure.code;
    this.transport = failure.transport;
    this.whoMustAct = failure.whoMustAct;
    this.userMessage = failure.userMessage;
    this.retryAfterMs = failure.retryAfterMs;
  }
}

/** Transient failures: the work is resumed (a new session, from the cursor) without a person. */
export const isTransient = (error: MailTransportFailure): boolean =>
  error.whoMustAct === 'nobody' || error.whoMustAct === 'microsoft';
