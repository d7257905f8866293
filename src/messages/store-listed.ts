import { randomFillSync } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { Db } from '../db/database.ts';
import { insertRows } from '../db/insert-rows.ts';
import { keyColumns } from './lookup-keys.ts';
import type { MessageSourcesTable, MessagesTable } from './messages.table.ts';
import { MessagesError } from './messages-error.ts';
import { lastPerPlace } from './place-map.ts';
import type { HeaderFields } from './read-header.ts';
import { idsByPlace, isoOrNull, placeBatches, type Stored, type StoreInput } from './store-message.ts';
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

/** The ASCII codes of the hex digits. */
const HEX = Buffer.from('0123456789abcdef', 'latin1');
const DASH = 0x2d;
const UUID_LENGTH = 36;
/** Random bytes drawn per id: 18 hex digits (9 bytes) and the variant's 2 bits. */
const RANDOM_BYTES = 10;

/**
 * `count` UUIDs whose first 48 bits are the time in milliseconds (the layout of RFC 9562's version 7,
 * `tttttttt-tttt-7rrr-Vrrr-rrrrrrrrrrrr`): rows listed together sit together in the primary key's index, so
 * a batch writes a few pages of it rather than one page per row — with 20,000 messages stored, random ids
 * made commits cost more than the inserts. 74 random bits each, drawn for the batch at once. Each id is
 * written as bytes and read as one string: joined from parts, it was a tree of V8 strings (~250 bytes)
 * held until its batch committed, so copied into the old generation with it (README *Scale*).
 */
export const timeOrderedIds = (count: number, now = Date.now()): string[] => {
  const hex = now.toString(16).padStart(12, '0');
  const time = Buffer.from(`${hex.slice(0, 8)}-${hex.slice(8)}-7`, 'latin1');
  const random = randomFillSync(Buffer.allocUnsafe(count * RANDOM_BYTES));
  const text = Buffer.allocUnsafe(UUID_LENGTH);
  const ids: string[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const r = i * RANDOM_BYTES;
    let at = time.copy(text, 0);
    text[at++] = HEX[random[r]! & 15]!;
    at = hexAt(text, at, random[r + 1]!);
    text[at++] = DASH;
    text[at++] = HEX[8 | (random[r + 9]! & 3)]!;
    text[at++] = HEX[random[r]! >> 4]!;
    at = hexAt(text, at, random[r + 2]!);
    text[at++] = DASH;
    for (let b = 3; b < 9; b++) at = hexAt(text, at, random[r + b]!);
    ids[i] = text.toString('latin1', 0, at);
  }
  return ids;
};

/** Writes `byte` as two hex digits at `at`; returns where the next character goes. */
const hexAt = (text: Buffer, at: number, byte: number): number => {
  text[at] = HEX[byte >> 4]!;
  text[at + 1] = HEX[byte & 15]!;
  return at + 2;
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
      const news = lastPerPlace(
        all.filter((b) => !placed.has(b.input)),
        (b) => b.input,
      );
      const ids = timeOrderedIds(news.length);
      const inputs = news.map((b, i) => ({
        mailboxId: b.input.mailboxId,
        fields: b.header,
        dedupeKey: pendingKey(ids[i]!),
      }));
      let threads: string[];
      if (threadCarry) ({ threads, release } = await threadCarry.resolve(trx, inputs));
      else threads = await resolveThreadIds(trx, inputs);
      const now = new Date().toISOString();
      // Made as they are written: the batch's rows are never all held at once (row-source.ts).
      const rows = {
        count: news.length,
        row: (i: number) => listedRow(ids[i]!, inputs[i]!.dedupeKey, news[i]!, threads[i]!, now),
      };
      const sources = {
        count: news.length,
        row: (i: number): Insertable<MessageSourcesTable> => ({
          message_id: ids[i]!,
          source: news[i]!.source,
          blob_sha256: news[i]!.blobSha256,
        }),
      };
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
      for (const [i, b] of news.entries()) placed.set(b.input, ids[i]!);
      const ours = new Set(ids);
      return placeBatches(
        trx,
        batches,
        ours,
        (b) => placed.get(b.input)!,
        async () => alsoInTransaction?.(trx),
      );
    });
  } finally {
    // Committed, the batch's threads are found by the look-ups; rolled back, they are no one's.
    release();
  }
};

/**
 * A listed message's row, made as its statement writes it (row-source.ts). One object literal of a fixed
 * shape (the key columns named, not spread in: 285 bytes a row against 321 in a measure of 20,000) and
 * one `now` for the batch: held with the batch's others until it committed, the rows were a fifth of what
 * a listing copied into the old generation.
 */
const listedRow = (
  id: string,
  dedupeKey: string,
  b: ListedMessage,
  threadId: string,
  now: string,
): Insertable<MessagesTable> => {
  const h = b.header;
  const keys = keyColumns(b.input.mailboxId, threadId, h.messageId);
  return {
    id,
    mailbox_id: b.input.mailboxId,
    dedupe_key: dedupeKey,
    message_id: h.messageId,
    thread_id: threadId,
    thread_key: keys.thread_key,
    message_key: keys.message_key,
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
