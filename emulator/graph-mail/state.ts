import type { DeltaStore } from './delta-store.ts';
import { createDeltaStore } from './delta-store.ts';
import type { IdAliases } from './ids.ts';
import { createIdAliases } from './ids.ts';
import type { UploadSession } from './upload-session.ts';

/** The next Graph requests for a mailbox fail as a throttled or unavailable Exchange answers them. */
export interface GraphThrottle {
  readonly status: 429 | 503;
  /** `ApplicationThrottled` (MailboxConcurrency) or `TooManyRequests` for 429; 503 is `serviceNotAvailable`. */
  readonly code: 'ApplicationThrottled' | 'TooManyRequests' | 'serviceNotAvailable';
  /** Seconds; Graph allows a fraction (graph-mail-spec.md §7). `null` sends no `Retry-After`. */
  readonly retryAfterSeconds: number | null;
  remaining: number;
}

/**
 * Other misbehaviour for a mailbox's next requests: `drop_connection` cuts the TCP connection without an
 * answer; `replay` repeats every message of the next delta pages (Graph may send an item twice, §4).
 */
export interface GraphFault {
  readonly mode: 'drop_connection' | 'replay';
  remaining: number;
}

/** What the emulator's Graph sent, for tests: every recipient, local or not, and the bytes. */
export interface GraphSentMessage {
  readonly mailbox: string;
  readonly from: string;
  readonly recipients: readonly string[];
  readonly via: 'sendMail-json' | 'sendMail-mime' | 'draft-send';
  readonly savedToSentItems: boolean;
  readonly raw: Buffer;
  readonly sentAt: number;
}

/**
 * Switches for behaviours Microsoft leaves unconfirmed (graph-mail-spec.md, "unconfirmed"): each has the
 * default the spec leans to and can be flipped from the control API.
 */
export interface GraphMailSettings {
  /** Status of `MailboxNotEnabledForRESTAPI`: 404 is observed, 401 reported. */
  restDisabledStatus: 401 | 404;
  /** MIME sendMail: replace the MIME `From:` with the mailbox address, as EmailEngine observes. */
  mimeFromOverridden: boolean;
  /** Page size of `messages/delta` without `odata.maxpagesize` (Microsoft's default is not documented). */
  deltaPageSize: number;
  /** Answer a stale delta token with a `Location` header holding the initial delta URL. */
  deltaGoneLocation: boolean;
  /** Requests in flight before `429 ApplicationThrottled` (4, graph-mail-spec.md §7); `null` = no limit. */
  concurrencyLimit: number | null;
  /** Whether the limit counts per app (the docs) or per app and mailbox (the error's "MailboxConcurrency"). */
  concurrencyScope: 'app' | 'mailbox';
}

/** An attachment whose upload session finished, for tests: which mailbox, which file, how many PUTs. */
export interface GraphFinishedUpload {
  readonly mailbox: string;
  readonly name: string;
  readonly contentType: string;
  readonly size: number;
  readonly ranges: number;
  readonly finishedAt: number;
}

export interface GraphMailState {
  readonly throttles: Map<string, GraphThrottle>;
  readonly faults: Map<string, GraphFault>;
  /** Mailboxes (lower-case address) for which REST is switched off. */
  readonly restDisabled: Set<string>;
  readonly delta: DeltaStore;
  readonly aliases: IdAliases;
  readonly uploads: Map<string, UploadSession>;
  readonly finishedUploads: GraphFinishedUpload[];
  readonly sent: GraphSentMessage[];
  readonly settings: GraphMailSettings;
  /** Requests in flight per concurrency key (see concurrency.ts). */
  readonly inFlight: Map<string, number>;
}

export const createGraphMailState = (): GraphMailState => ({
  throttles: new Map(),
  faults: new Map(),
  restDisabled: new Set(),
  delta: createDeltaStore(),
  aliases: createIdAliases(),
  uploads: new Map(),
  finishedUploads: [],
  sent: [],
  settings: {
    restDisabledStatus: 404,
    mimeFromOverridden: false,
    deltaPageSize: 10,
    deltaGoneLocation: false,
    concurrencyLimit: 4,
    concurrencyScope: 'app',
  },
  inFlight: new Map(),
});
