import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { Db } from '../db/database.ts';
import { insertRows } from '../db/insert-rows.ts';
import { keyColumns } from './lookup-keys.ts';
import type { MessageSourcesTable, MessagesTable } from './messages.table.ts';
import { MessagesError } from './messages-error.ts';
import type { HeaderFields } from './read-header.ts';
import {
  idsByPlace,
  isoOrNull,
  placeBatches,
  placeOf,
  type Stored,
  type StoreInput,
} from './store-message.ts';
import { resolveThreadIds, type ThreadCarry } from './threading.ts';

/** A fetched message as the listing path keeps it: its envelope read from the header, its raw source. */
export interface ListedMessage {
  readonly input: Omit<StoreInput, 'source'>;
  readonly header: HeaderFields;
  /** The raw source, or null when it was streamed to the blob store (`blobSha256`). */
  readonly source: Buffer | null;
  readonly blobSha256: string | null;
}

/**
 * The dedupe key a message is listed under until its body is read: the content hash that makes copies
 * one message (dedupe.ts) needs the decoded body, so copies merge when their parse gives them their real
 * key (apply-parsed.ts). Named after the row, which is unique and grows with time like the id.
 */
export const pendingKey = (id: string): string => `pending:${id}`;

/**
 * A UUID whose first 48 bits are the time in milliseconds (the layout of RFC 9562's version 7): rows
 * listed together sit together in the primary key's index, so a batch writes a few pages of it rather
 * than one page per row — with 20,000 messages stored, random ids made commits cost more than the inserts.
 */
export const timeOrderedId = (now = Date.now()): string => {
  // randomUUID draws from a cache of entropy (one call to the system per 128 ids, unlike randomBytes):
  // its version 4 digits are replaced by the time and the version 7, its variant bits kept.
  const random = randomUUID();
  const time = now.toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8)}-7${random.slice(15)}`;
};

/**
 * Stores a FETCH batch of one mailbox as listed messages, in one transaction: each message found by its
 * place (a UID already stored is that message), or inserted with its envelope, thread and
 * raw source (`parse_state = 'pending'`), and every copy's location and flags. The message is in the list
 * as soon as this commits; the parse queue reads its body later. `alsoInTransaction` writes what must
 * commit with the batch (the sync's cursor), after the rows of the batch's own and before the
 * `messages.stored` event that ends it (rows another transaction may write too: see list-new.ts).
 */
export const storeListed = async (
  db: Db,
  batch: readonly ListedMessage[],
  alsoInTransaction?: (trx: Db) => Promise<void>,
  threadCarry?: ThreadCarry,
): Promise<Stored[]> => {
  if (batch.length === 0) return [];
  const mailboxId = batch[0]!.input.mailboxId;
  if (batch.some((b) => b.input.mailboxId !== mailboxId))
    throw new MessagesError('messages.store_conflict', 'one batch stores messages of one mailbox');
  return (await storeListedBatches(db, [batch], alsoInTransaction, threadCarry))[0]!;
};

/**
 * `storeListed` for batches of several mailboxes (each batch one mailbox's) in one transaction, with the
 * same handful of statements whatever their number: arrival rounds of many mailboxes commit together
 * (listing-group.ts). Results per batch, in order.
 */
export const storeListedBatches = async (
  db: Db,
  batches: readonly (readonly ListedMessage[])[],
  alsoInTransaction?: (trx: Db) => Promise<void>,
  /** Batches of one listing stored while the one before commits (list-new.ts): their threads carried. */
  threadCarry?: ThreadCarry,
): Promise<Stored[][]> => {
  let release = () => {};
  try {
    return await db.transaction().execute(async (trx) => {
      const all = batches.flat();
      const placed = await idsByPlace(trx, all);
      // One row per new place (the same UID twice in a batch is one message).
      const fresh = new Map<string, ListedMessage>();
      for (const b of all) if (!placed.has(placeOf(b.input))) fresh.set(placeOf(b.input), b);
      const news = [...fresh.values()];
      const ids = news.map(() => timeOrderedId());
      const inputs = news.map((b, i) => ({
        mailboxId: b.input.mailboxId,
        fields: b.header,
        dedupeKey: pendingKey(ids[i]!),
      }));
      let threads: string[];
      if (threadCarry) ({ threads, release } = await threadCarry.resolve(trx, inputs));
      else threads = await resolveThreadIds(trx, inputs);
      const rows = news.map((b, i) => listedRow(ids[i]!, b, threads[i]!));
      const sources: Insertable<MessageSourcesTable>[] = news.map((b, i) => ({
        message_id: ids[i]!,
        source: b.source,
        blob_sha256: b.blobSha256,
      }));
      await insertRows(trx, 'messages', rows, {
        types: {
          size: 'integer',
          html_length: 'integer',
          has_attachments: 'integer',
          thread_key: 'bigint',
          message_key: 'bigint',
        },
      });
      await insertRows(trx, 'message_sources', sources, { types: { source: 'bytea' } });
      for (const [i, b] of news.entries()) placed.set(placeOf(b.input), ids[i]!);
      const ours = new Set(ids);
      return placeBatches(
        trx,
        batches,
        ours,
        (b) => placed.get(placeOf(b.input))!,
        async () => alsoInTransaction?.(trx),
      );
    });
  } finally {
    // Committed, the batch's threads are found by the look-ups; rolled back, they are no one's.
    release();
  }
};

const listedRow = (id: string, b: ListedMessage, threadId: string): Insertable<MessagesTable> => {
  const now = new Date().toISOString();
  const h = b.header;
  return {
    id,
    mailbox_id: b.input.mailboxId,
    dedupe_key: pendingKey(id),
    message_id: h.messageId,
    thread_id: threadId,
    ...keyColumns(b.input.mailboxId, threadId, h.messageId),
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
