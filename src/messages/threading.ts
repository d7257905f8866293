import { hash } from 'node:crypto';
import type { Db } from '../db/database.ts';
import { normaliseMessageId } from './dedupe.ts';
import { chunks } from './locations.ts';

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
  stored: ReadonlyMap<string, string>,
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
export const newThreadId = (m: ThreadFields, dedupeKey: string): string => {
  const root = m.references[0] ?? m.inReplyTo ?? m.messageId;
  const normalised = root ? normaliseMessageId(root) : '';
  return threadNamed(normalised ? `mid:${normalised}` : dedupeKey);
};

const threadNamed = (key: string): string => hash('sha256', key, 'hex').slice(0, 32);

/**
 * The threads a batch of new messages join in their mailbox, in order: each takes that of the nearest
 * message it refers to, stored or earlier in the batch; else that of messages referring to it (a parent
 * arriving after its child: the thread named after this message, which is where such a child went, see
 * `newThreadId`); else a new one. Two indexed look-ups for the whole batch, whatever its size, rather
 * than scanning every stored References list. Threads are never merged: a message whose relatives sit
 * in two threads joins the nearer.
 */
export const resolveThreadIds = async (
  db: Db,
  mailboxId: string,
  batch: readonly { readonly fields: ThreadFields; readonly dedupeKey: string }[],
): Promise<string[]> => {
  const candidates = batch.map((b) => threadCandidates(b.fields));
  const named = batch.map((b) =>
    b.fields.messageId ? threadNamed(`mid:${normaliseMessageId(b.fields.messageId)}`) : null,
  );
  // Two messages may share a Message-ID (a sender reused or forged it): a reply joins the thread of the
  // one stored first, the id's first claimant, whichever order the rows come back in.
  const stored = new Map<string, string>();
  for (const part of chunks([...new Set(candidates.flat())])) {
    const rows = await db
      .selectFrom('messages')
      .select(['message_id', 'thread_id'])
      .where('mailbox_id', '=', mailboxId)
      .where('message_id', 'in', part)
      .orderBy('created_at')
      .orderBy('received_at')
      .orderBy('id')
      .execute();
    for (const r of rows)
      if (r.message_id && !stored.has(r.message_id)) stored.set(r.message_id, r.thread_id);
  }
  const existingThreads = new Set<string>();
  for (const part of chunks([...new Set(named.filter((n): n is string => n !== null))])) {
    const rows = await db
      .selectFrom('messages')
      .select('thread_id')
      .distinct()
      .where('mailbox_id', '=', mailboxId)
      .where('thread_id', 'in', part)
      .execute();
    for (const r of rows) existingThreads.add(r.thread_id);
  }
  return batch.map((b, i) => {
    const thread =
      pickThread(candidates[i]!, stored) ??
      (named[i] && existingThreads.has(named[i]) ? named[i] : null) ??
      newThreadId(b.fields, b.dedupeKey);
    // Later messages of the batch see this one as if it were stored.
    if (b.fields.messageId && !stored.has(b.fields.messageId)) stored.set(b.fields.messageId, thread);
    existingThreads.add(thread);
    return thread;
  });
};
