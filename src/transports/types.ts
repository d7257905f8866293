import type { AppDeps } from '../http/context.ts';
import type { BlobStore } from '../messages/blob-store.ts';
import type { ListingGroup } from '../messages/listing-group.ts';
import type { MessageParser } from '../messages/parse-queue.ts';
import type { Folder } from './folder-tree.ts';
import type { TransportKind } from './transport-error.ts';

/** What a transport needs of the process: the database, keys, Microsoft's metadata, the mail servers' CAs. */
export type TransportDeps = Pick<AppDeps, 'db' | 'secrets' | 'fetch' | 'microsoft' | 'log' | 'extraCa'>;

/** Where a sync puts what it reads: large messages into the blob store, every message to the parse queue. */
export interface SyncStore {
  readonly blobs: BlobStore;
  readonly parser: MessageParser;
  /** Arrival rounds of the process commit their listed batches together (IMAP; listing-group.ts). */
  readonly listingGroup?: ListingGroup | undefined;
}

/**
 * The mail-transport seam (DESIGN.md "Architecture"): what Mailroom needs from a mailbox, whichever way
 * it reaches it — IMAP and SMTP with XOAUTH2 (`imap-smtp/`) or Microsoft Graph (`graph/`). Every method
 * fails with a `MailTransportError` (transport-error.ts) saying who must act; before it throws, the
 * transport has tried once more with a freshly refreshed token where the failure was an authentication
 * one, and has stored a failure that stays on the mailbox by who must act.
 */
export interface MailTransport {
  readonly kind: TransportKind;
  /**
   * Runs `fn` in one reading session on the mailbox (IMAP: one authenticated connection; Graph: one
   * token and request context). When `signal` aborts, the session is closed at once and the signal's
   * reason thrown.
   */
  read<T>(fn: (session: MailSession) => Promise<T>, options?: { readonly signal?: AbortSignal }): Promise<T>;
  /**
   * Sends a prepared RFC 5322 message as it is (its Message-ID, In-Reply-To and References kept).
   * `beforeTransmit` runs last thing before the bytes may leave (the caller marks the message as
   * possibly delivered); an abort of `signal` while they go stops the transmission.
   */
  send(message: PreparedMessage, options: SendOptions): Promise<SendReceipt>;
  /**
   * Whether a copy of the message with this Message-ID (without brackets) is in Sent Items: the mailbox's,
   * and for a system mailbox sent from by a delegate, the delegate's too (a cut-off attempt may have gone).
   */
  wasSent(messageId: string): Promise<boolean>;
  /**
   * Makes sure the mailbox's Sent Items hold one copy of a message just sent: the one the server filed
   * itself, else one Mailroom adds. Null when the mailbox has no Sent folder.
   */
  keepSentCopy(message: SentMessage): Promise<SentCopy | null>;
  /** Signs in for sending without sending anything (check connection). */
  verifySending(): Promise<SendingCheck>;
  /**
   * Watches the Inbox for new mail (IMAP: an IDLE session; Graph: periodic delta or change
   * notifications) until `signal` aborts or the watch is to be renewed (its token is about to expire).
   * Resolves true when it ended that way, false when this transport cannot watch the mailbox at all.
   */
  watch(handlers: WatchHandlers, options: WatchOptions): Promise<boolean>;
}

export interface MailSession {
  /** The mailbox's folders in tree order (each parent before its children), with their special use. */
  listFolders(): Promise<Folder[]>;
  /**
   * Brings one folder's messages, flags and deletions into Mailroom's store from the folder's cursor
   * (IMAP: UIDVALIDITY, UIDNEXT and HIGHESTMODSEQ; Graph: the delta link), in batches, each committed
   * before the cursor moves past it, so a cut session resumes with no gap and no duplicate. A reset of
   * the server's side (a changed UIDVALIDITY, Graph's 410 SyncStateNotFound) drops the folder's old
   * locations and lists it again; messages come back by their dedupe key, not as copies.
   */
  syncFolder(store: SyncStore, path: string, options?: SyncFolderOptions): Promise<FolderSyncResult>;
  /** Writes a folder's read, flagged and answered changes made in Mailroom; returns how many copies. */
  pushFlags(path: string): Promise<number>;
}

export interface SyncFolderOptions {
  /** Messages per request (IMAP: UIDs per FETCH, and the largest batch stored at once): each batch is stored, then the cursor moves past it. */
  readonly batchSize?: number;
  readonly signal?: AbortSignal;
}

export interface FolderSyncResult {
  readonly fetched: number;
  readonly created: number;
  readonly flagsChanged: number;
  readonly removed: number;
  /** The server's side of the cursor was reset (UIDVALIDITY changed, or the delta link expired). */
  readonly reset: boolean;
}

export interface PreparedMessage {
  /** The whole message as built once when it was queued (send/build-mime.ts). */
  readonly raw: Buffer;
  /** SMTP's envelope; Graph takes the recipients from the MIME headers and ignores it. */
  readonly envelope: { readonly from: string; readonly to: readonly string[] };
}

export interface SendOptions {
  readonly signal: AbortSignal;
  readonly beforeTransmit: () => Promise<void>;
}

export interface SendReceipt {
  /** The server's final word (SMTP's reply to DATA), for the outbox; null when it says nothing. */
  readonly serverReply: string | null;
  /** Recipients the server refused while it took the message for the others. */
  readonly refused: readonly { readonly address: string; readonly serverText: string | null }[];
}

export interface SendingCheck {
  /** Who signed in: the mailbox, or a system mailbox's delegate. */
  readonly login: string;
  /** Where to: the SMTP host, or Graph's. */
  readonly server: string;
}

export interface SentMessage {
  /** Without brackets. */
  readonly messageId: string;
  readonly raw: Buffer;
  readonly sentAt: Date;
}

/**
 * Where a message is on the server. IMAP names a copy by folder path, UIDVALIDITY and UID (RFC 3501
 * §2.3.1.1); Graph by the folder's id and the message's immutable id (graph-mail-spec.md §3).
 */
export type RemoteLocation =
  | {
      readonly transport: 'imap_smtp';
      readonly path: string;
      readonly uidValidity: number;
      readonly uid: number;
    }
  | {
      readonly transport: 'graph';
      readonly path: string;
      readonly folderId: string;
      readonly remoteId: string;
    };

export interface SentCopy {
  readonly location: RemoteLocation;
  /** The server filed it itself (Exchange does for mail sent as the mailbox), or Mailroom added it. */
  readonly by: 'server' | 'appended';
}

export interface WatchHandlers {
  /** The watch is up (a failure count may be reset). */
  readonly onOpened: () => void;
  /**
   * Something may have arrived: the caller syncs. Called once at the start too, for what came unwatched
   * (unless `onArrival` lists it).
   */
  readonly onNewMail: () => void;
  /**
   * When given, a transport that holds a session open (IMAP) lists new mail on the watching session
   * itself, between IDLEs, instead of calling `onNewMail`, and what came unwatched by a round as the
   * session opens, before its first IDLE: `seenAt` is when the first EXISTS (or flag change, or expunge)
   * of the round came, or when the session opened; `session` the watching session.
   * Many EXISTS during a round make one more round. The caller bounds the round (a timeout, the sync lease: `close` ends the watching
   * session at once, and the watch is then renewed); a rejection ends the watch like any session
   * failure. Graph ignores it.
   */
  readonly onArrival?: (round: ArrivalRound) => Promise<void>;
}

export interface ArrivalRound {
  /** The watching session; with `changed`, the Inbox selected again for the whole folder's sync. */
  readonly session: MailSession;
  readonly seenAt: number;
  /**
   * The server told of changed flags or expunged messages since the last round (IMAP: untagged FETCH or
   * EXPUNGE during IDLE): the round syncs the whole folder. Else it lists the new mail alone.
   */
  readonly changed: boolean;
  /**
   * Lists only the mail past the Inbox's cursor, flags and deletions left to the whole folder's sync;
   * null when the cursor is not current (no sync yet, another UIDVALIDITY) and a whole sync must run.
   */
  readonly listArrivals: (
    store: SyncStore,
    options: { signal: AbortSignal },
  ) => Promise<FolderSyncResult | null>;
  readonly close: () => void;
}

export interface WatchOptions {
  readonly signal: AbortSignal;
  /**
   * Runs the opening of a watch (TLS, sign-in, SELECT) under the process' limit of openings at once, so
   * a worker taking a thousand mailboxes does not open them all together.
   */
  readonly opening: <T>(open: () => Promise<T>) => Promise<T>;
  /** Graph, which cannot hold a session open: how often the Inbox's delta is looked at (default 30 s). */
  readonly everyMs?: number;
  /** Graph: called after each look at the Inbox's delta, whatever it found (a test counts looks with it). */
  readonly onLooked?: () => void;
}
