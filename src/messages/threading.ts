import { hash } from 'node:crypto';
import type { Db } from '../db/database.ts';
import { ByMailbox } from './by-mailbox.ts';
import { normaliseMessageId } from './dedupe.ts';
import { CHUNK, chunks } from './locations.ts';
import { lookupKey } from './lookup-keys.ts';

/** What threading reads of a message. */
export interface ThreadFields {
  readonly messageId: string | null;
  readonly inReplyTo: string | null;
  readonly references: readonly string[];
}

/** A long References list is cut to its newest ids: the nearest relatives decide. */
const MAX_CANDIDATES = 50;

/** The Message-IDs a message points to, nearest first: In-Reply-To, then References newest to oldest. */
export const threadCandidates = (m: ThreadFields): string[] =>
  [...new Set([...(m.inReplyTo ? [m.inReplyTo] : []), ...[...m.references].reverse()])].slice(
    0,
    MAX_CANDIDATES,
  );

/** The thread of the nearest candidate already stored, if any. */
export const pickThread = (
  candidates: readonly string[],
  stored: { get(id: string): string | undefined },
): string | null => {
  for (const id of candidates) {
    const thread = stored.get(id);
    if (thread) return thread;
  }
  return null;
};

/**
 * A new thread's id: the hash of its root's Message-ID, the root being the oldest reference (RFC 5322
 * §3.6.4 keeps the thread's first message first in References) or, for a message without any, the
 * message itself (by its dedupe key when it has no id). A root that arrives after its replies then names
 * the thread they already started, and two workers storing two replies of one conversation at once
 * agree without seeing each other. Two messages that share a Message-ID share its thread's name.
 */
export const newThreadId = (
  m: ThreadFields,
  dedupeKey: string,
  /** The name the message's own Message-ID gives (`ownThreadName`), when already made: hashed once. */
  own: string | null = ownThreadName(m),
): string => {
  const root = m.references[0] ?? m.inReplyTo;
  if (root === undefined || root === null) return own ?? threadNamed(dedupeKey);
  const normalised = normaliseMessageId(root);
  return threadNamed(normalised ? `mid:${normalised}` : dedupeKey);
};

/** The thread a message names as its root: after its Message-ID; none when that normalises to nothing. */
const ownThreadName = (m: Pick<ThreadFields, 'messageId'>): string | null => {
  const id = m.messageId ? normaliseMessageId(m.messageId) : '';
  return id ? threadNamed(`mid:${id}`) : null;
};

const threadNamed = (key: string): string => hash('sha256', key, 'hex').slice(0, 32);

/** A new message to thread: its mailbox (threads never cross mailboxes), what it refers to, its key. */
export interface ThreadInput {
  readonly mailboxId: string;
  readonly fields: ThreadFields;
  readonly dedupeKey: string;
}

/**
 * The threads a batch of new messages join in their mailboxes, in order: each takes that of the nearest
 * message it refers to, stored or earlier in the batch; else that of messages referring to it (a parent
 * arriving after its child: the thread named after this message, which is where such a child went, see
 * `newThreadId`); else a new one. Two indexed look-ups for the whole batch, whatever its size and however
 * many mailboxes it spans (arrival rounds of many mailboxes commit together), rather than scanning every
 * stored References list. Threads are never merged: a message whose relatives sit in two threads joins
 * the nearer.
 */
export const resolveThreadIds = async (
  db: Db,
  batch: readonly ThreadInput[],
  /** Threads of earlier batches not committed yet (ThreadCarry), oldest first: seen as if stored. */
  uncommitted: readonly CarriedThreads[] = [],
): Promise<string[]> => {
  const candidates = batch.map((b) => threadCandidates(b.fields));
  // The thread each message would name as a root.
  const named = batch.map((b) => ownThreadName(b.fields));
  // Two messages may share a Message-ID (a sender reused or forged it): a reply joins the thread of the
  // one stored first, the id's first claimant, whichever order the rows come back in.
  const stored = new ByMailbox<string>();
  const wanted = byMailbox(batch.map((b, i) => ({ mailboxId: b.mailboxId, values: candidates[i]! })));
  for (const part of mailboxChunks(wanted)) {
    const rows = await db
      .selectFrom('messages')
      .select(['mailbox_id', 'message_id', 'thread_id'])
      .where('message_key', 'in', keysOf(part))
      .orderBy('created_at')
      .orderBy('received_at')
      .orderBy('id')
      .execute();
    const asked = askedIn(part);
    for (const r of rows) {
      if (!r.message_id) continue;
      if (asked.has(r.mailbox_id, r.message_id) && !stored.has(r.mailbox_id, r.message_id))
        stored.set(r.mailbox_id, r.message_id, r.thread_id);
    }
  }
  const existingThreads = new ByMailbox<true>();
  for (const earlier of uncommitted) {
    for (const [mailboxId, id, thread] of earlier.byMessageId.entries())
      if (!stored.has(mailboxId, id)) stored.set(mailboxId, id, thread);
    for (const [mailboxId, thread] of earlier.threads.entries()) existingThreads.set(mailboxId, thread, true);
  }
  const threadsAsked = byMailbox(
    batch.map((b, i) => ({ mailboxId: b.mailboxId, values: named[i] ? [named[i]] : [] })),
  );
  for (const part of mailboxChunks(threadsAsked)) {
    const rows = await db
      .selectFrom('messages')
      .select(['mailbox_id', 'thread_id'])
      .distinct()
      .where('thread_key', 'in', keysOf(part))
      .execute();
    const asked = askedIn(part);
    for (const r of rows)
      if (asked.has(r.mailbox_id, r.thread_id)) existingThreads.set(r.mailbox_id, r.thread_id, true);
  }
  return batch.map((b, i) => {
    const own = named[i];
    const thread =
      pickThread(candidates[i]!, stored.in(b.mailboxId)) ??
      (own && existingThreads.has(b.mailboxId, own) ? own : null) ??
      newThreadId(b.fields, b.dedupeKey, own);
    // Later messages of the batch see this one as if it were stored.
    if (b.fields.messageId && !stored.has(b.mailboxId, b.fields.messageId))
      stored.set(b.mailboxId, b.fields.messageId, thread);
    existingThreads.set(b.mailboxId, thread, true);
    return thread;
  });
};

/** What a resolved batch adds to the threads: its Message-IDs' threads and its threads, by mailbox. */
export interface CarriedThreads {
  readonly byMessageId: ByMailbox<string>;
  readonly threads: ByMailbox<true>;
}

/**
 * The threads of a listing's batches that overlap (PostgreSQL stores a batch while the one before it
 * commits, transports/imap-smtp/list-new.ts): a batch's look-ups do not see the rows of a batch still
 * committing, so a reply listed right after its parent would start a thread of its own. Each batch is
 * resolved after the one before it, seeing the threads of those not committed yet; `release` once its
 * transaction has ended (committed, its rows are found by the look-ups).
 */
export interface ThreadCarry {
  resolve(db: Db, batch: readonly ThreadInput[]): Promise<{ threads: string[]; release: () => void }>;
}

export const createThreadCarry = (): ThreadCarry => {
  let turn: Promise<unknown> = Promise.resolve();
  const open = new Set<CarriedThreads>();
  return {
    resolve(db, batch) {
      const resolved = turn.then(async () => {
        const threads = await resolveThreadIds(db, batch, [...open]);
        const carried = carriedBy(batch, threads);
        open.add(carried);
        return { threads, release: () => open.delete(carried) };
      });
      // Named case: the next batch waits for this one's turn only; this one's failure is its caller's.
      turn = resolved.catch(() => undefined);
      return resolved;
    },
  };
};

const carriedBy = (batch: readonly ThreadInput[], threads: readonly string[]): CarriedThreads => {
  const byMessageId = new ByMailbox<string>();
  const all = new ByMailbox<true>();
  for (const [i, b] of batch.entries()) {
    const id = b.fields.messageId;
    if (id && !byMessageId.has(b.mailboxId, id)) byMessageId.set(b.mailboxId, id, threads[i]!);
    all.set(b.mailboxId, threads[i]!, true);
  }
  return { byMessageId, threads: all };
};

/**
 * The lookup keys (lookup-keys.ts) of a look-up's values. The statement asks for the keys alone, so that the
 * only index it can use is theirs (asked for a mailbox too, both databases chose the mailbox's index and
 * read all of its messages); the rows' mailbox and value are compared with `askedIn`, so a key two values
 * share only costs a row read.
 */
const keysOf = (part: readonly (readonly [string, readonly string[]])[]): number[] => [
  ...new Set(part.flatMap(([mailboxId, values]) => values.map((v) => lookupKey(mailboxId, v)))),
];

/** The (mailbox, value) pairs of a look-up. */
const askedIn = (part: readonly (readonly [string, readonly string[]])[]): ByMailbox<true> => {
  const asked = new ByMailbox<true>();
  for (const [mailboxId, values] of part) for (const v of values) asked.set(mailboxId, v, true);
  return asked;
};

/** Each mailbox's distinct values, in the batch's order of mailboxes. */
const byMailbox = (
  entries: readonly { readonly mailboxId: string; readonly values: readonly string[] }[],
): Map<string, string[]> => {
  const out = new Map<string, Set<string>>();
  for (const { mailboxId, values } of entries) {
    if (values.length === 0) continue;
    const set = out.get(mailboxId) ?? new Set<string>();
    for (const v of values) set.add(v);
    out.set(mailboxId, set);
  }
  return new Map([...out].map(([m, set]) => [m, [...set]]));
};

/**
 * The (mailbox, values) pairs of a look-up, cut so that no statement binds more than CHUNK values (and
 * one mailbox's values may span statements): one statement for the usual round of a few mailboxes.
 */
const mailboxChunks = (wanted: ReadonlyMap<string, readonly string[]>): [string, string[]][][] => {
  const out: [string, string[]][][] = [];
  let part: [string, string[]][] = [];
  let size = 0;
  for (const [mailboxId, values] of wanted)
    for (const piece of chunks(values)) {
      if (size + piece.length + 1 > CHUNK && part.length > 0) {
        out.push(part);
        part = [];
        size = 0;
      }
      part.push([mailboxId, piece]);
      size += piece.length + 1;
    }
  if (part.length > 0) out.push(part);
  return out;
};
