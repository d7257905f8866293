import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { Db } from '../db/database.ts';
import { chunks } from './locations.ts';
import type { MessageSourcesTable, MessagesTable } from './messages.table.ts';
import { MessagesError } from './messages-error.ts';
import type { HeaderFields } from './read-header.ts';
import {
  idsByKey,
  idsByPlace,
  isoOrNull,
  placeOf,
  type StoreInput,
  upsertLocations,
} from './store-message.ts';
import { resolveThreadIds } from './threading.ts';

/** A fetched message as the listing path keeps it: its envelope read from the header, its raw source. */
export interface ListedMessage {
  readonly input: Omit<StoreInput, 'source'>;
  readonly header: HeaderFields;
  /** SHA-256 of the whole raw source. */
  readonly sourceSha256: string;
  /** The raw source, or null when it was streamed to the blob store (`blobSha256`). */
  readonly source: Buffer | null;
  readonly blobSha256: string | null;
}

type Stored = { messageId: string; created: boolean };

/**
 * The dedupe key a message is listed under until its body is read: the content hash that makes copies
 * one message (dedupe.ts) needs the decoded body. Byte-identical copies already share it; copies a server
 * rendered otherwise are merged when their parse gives them their real key (apply-parsed.ts).
 */
export const pendingKey = (sourceSha256: string): string => `pending:${sourceSha256}`;

/**
 * Stores a FETCH batch of one mailbox as listed messages, in one transaction: each message found by its
 * place (a UID already stored is that message) or pending key, or inserted with its envelope, thread and
 * raw source (`parse_state = 'pending'`), and every copy's location and flags. The message is in the list
 * as soon as this commits; the parse queue reads its body later.
 */
export const storeListed = async (db: Db, batch: readonly ListedMessage[]): Promise<Stored[]> => {
  if (batch.length === 0) return [];
  const mailboxId = batch[0]!.input.mailboxId;
  if (batch.some((b) => b.input.mailboxId !== mailboxId))
    throw new MessagesError('messages.store_conflict', 'one batch stores messages of one mailbox');
  const keyOf = (b: ListedMessage) => pendingKey(b.sourceSha256);
  return db.transaction().execute(async (trx) => {
    const placed = await idsByPlace(trx, mailboxId, batch);
    const existing = await idsByKey(
      trx,
      mailboxId,
      batch.filter((b) => !placed.has(placeOf(b.input))).map(keyOf),
    );
    const known = (b: ListedMessage) => placed.get(placeOf(b.input)) ?? existing.get(keyOf(b));
    const fresh = new Map<string, ListedMessage>();
    for (const b of batch) if (!known(b) && !fresh.has(keyOf(b))) fresh.set(keyOf(b), b);
    const news = [...fresh.values()];
    const threads = await resolveThreadIds(
      trx,
      mailboxId,
      news.map((b) => ({ fields: b.header, dedupeKey: keyOf(b) })),
    );
    const rows = news.map((b, i) => listedRow(randomUUID(), b, threads[i]!));
    const now = new Map<string, string>();
    for (const part of chunks(rows, 40))
      for (const r of await trx
        .insertInto('messages')
        .values(part)
        .onConflict((oc) => oc.columns(['mailbox_id', 'dedupe_key']).doNothing())
        .returning(['id', 'dedupe_key'])
        .execute())
        now.set(r.dedupe_key, r.id);
    const ours = new Set(now.values());
    // A key the insert did not return was listed by another worker between our look-up and our insert.
    const theirs = [...fresh.keys()].filter((key) => !now.has(key));
    if (theirs.length > 0) for (const [key, id] of await idsByKey(trx, mailboxId, theirs)) now.set(key, id);
    const sources: Insertable<MessageSourcesTable>[] = news.flatMap((b, i) =>
      ours.has(rows[i]!.id as string)
        ? [{ message_id: rows[i]!.id as string, source: b.source, blob_sha256: b.blobSha256 }]
        : [],
    );
    for (const part of chunks(sources, 50)) await trx.insertInto('message_sources').values(part).execute();
    const results: Stored[] = [];
    const createdOnce = new Set<string>();
    for (const b of batch) {
      const messageId = known(b) ?? now.get(keyOf(b));
      if (!messageId)
        throw new MessagesError('messages.store_conflict', `no message for ${keyOf(b)} after a conflict`);
      const created = ours.has(messageId) && !createdOnce.has(messageId);
      if (created) createdOnce.add(messageId);
      results.push({ messageId, created });
    }
    await upsertLocations(
      trx,
      batch.map((b, i) => ({ input: b.input, messageId: results[i]!.messageId })),
    );
    return results;
  });
};

const listedRow = (id: string, b: ListedMessage, threadId: string): Insertable<MessagesTable> => {
  const now = new Date().toISOString();
  const h = b.header;
  return {
    id,
    mailbox_id: b.input.mailboxId,
    dedupe_key: pendingKey(b.sourceSha256),
    message_id: h.messageId,
    thread_id: threadId,
    in_reply_to: h.inReplyTo,
    references: JSON.stringify(h.references),
    subject: h.subject,
    from_address: h.from?.address ?? null,
    from_name: h.from?.name || null,
    to_json: JSON.stringify(h.to),
    cc_json: JSON.stringify(h.cc),
    sent_at: isoOrNull(h.date),
    received_at: isoOrNull(b.input.internalDate) ?? isoOrNull(h.date) ?? now,
    size: b.input.size,
    snippet: '',
    body_text: null,
    body_html: null,
    html_length: null,
    has_attachments: 0,
    parse_warnings: '[]',
    created_at: now,
    parse_state: 'pending',
  };
};
