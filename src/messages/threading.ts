import { createHash } from 'node:crypto';
import type { Db } from '../db/database.ts';
import { normaliseMessageId } from './dedupe.ts';

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
 * A new thread's id: the hash of its root's dedupe key, the root being the oldest reference (RFC 5322
 * §3.6.4 keeps the thread's first message first in References) or, for a message without any, the
 * message itself. A root that arrives after its replies then names the thread they already started,
 * and two workers storing two replies of one conversation at once agree without seeing each other.
 */
export const newThreadId = (m: ThreadFields, dedupeKey: string): string => {
  const root = m.references[0] ?? m.inReplyTo;
  return threadNamed(root ? `mid:${normaliseMessageId(root)}` : dedupeKey);
};

const threadNamed = (key: string): string => createHash('sha256').update(key).digest('hex').slice(0, 32);

/**
 * The thread a message joins in its mailbox: that of the nearest stored message it refers to; else
 * that of stored messages referring to it (a parent arriving after its child); else a new one. The
 * second rule is an indexed look-up of the thread named after this message, which is where a child
 * that found no older relative went (`newThreadId`): scanning every stored References list instead
 * costs a pass over the mailbox per message. Threads are never merged: a message whose relatives sit
 * in two threads joins the nearer.
 */
export const resolveThreadId = async (
  db: Db,
  mailboxId: string,
  m: ThreadFields,
  dedupeKey: string,
): Promise<string> => {
  const candidates = threadCandidates(m);
  if (candidates.length > 0) {
    const rows = await db
      .selectFrom('messages')
      .select(['message_id', 'thread_id'])
      .where('mailbox_id', '=', mailboxId)
      .where('message_id', 'in', candidates)
      .execute();
    const found = pickThread(candidates, new Map(rows.map((r) => [r.message_id ?? '', r.thread_id])));
    if (found) return found;
  }
  if (m.messageId) {
    const named = threadNamed(`mid:${normaliseMessageId(m.messageId)}`);
    const child = await db
      .selectFrom('messages')
      .select('thread_id')
      .where('mailbox_id', '=', mailboxId)
      .where('thread_id', '=', named)
      .limit(1)
      .executeTakeFirst();
    if (child) return child.thread_id;
  }
  return newThreadId(m, dedupeKey);
};
