import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { Db } from '../db/database.ts';
import { insertRows } from '../db/insert-rows.ts';
import { recordEvents, storedEvent } from '../events/record-event.ts';
import type { BlobStore } from './blob-store.ts';
import { contentOf, dedupeKey } from './dedupe.ts';
import { chunks, flagColumns } from './locations.ts';
import { keyColumns } from './lookup-keys.ts';
import type { MessageLocationsTable, MessagesTable } from './messages.table.ts';
import { MessagesError } from './messages-error.ts';
import { parseMessage } from './parse-message.ts';
import type { ParsedMessage } from './parsed-message.ts';
import { lastPerPlace, PlaceMap } from './place-map.ts';
import { resolveThreadIds } from './threading.ts';

/** One message as IMAP FETCH returned it, and where it was. */
export interface StoreInput {
  readonly mailboxId: string;
  readonly path: string;
  readonly uidValidity: number;
  readonly uid: number;
  readonly flags: ReadonlySet<string> | readonly string[];
  /** INTERNALDATE: when the server received it (RFC 3501 §2.3.3); the list is sorted by it. */
  readonly internalDate: Date | null;
  /** RFC822.SIZE. */
  readonly size: number;
  readonly source: Buffer;
  /**
   * Graph's immutable id of the copy (a Graph location: UIDVALIDITY 0 and a UID its folder handed out);
   * absent for IMAP.
   */
  readonly remoteId?: string;
}

/** A fetched message parsed and keyed, its source no longer needed: what `storePrepared` writes. */
export interface PreparedMessage {
  readonly input: Omit<StoreInput, 'source'>;
  readonly parsed: ParsedMessage;
  readonly key: string;
}

/** Parses a fetched message (attachments streamed into the blob store) outside any transaction. */
export const prepareMessage = async (blobs: BlobStore, input: StoreInput): Promise<PreparedMessage> => {
  const parsed = await parseMessage(input.source, blobs);
  const { source, ...rest } = input;
  return { input: rest, parsed, key: dedupeKey(parsed.messageId, contentOf(parsed), source) };
};

/**
 * Stores a fetched message: parsed first, then in one transaction the message found or inserted by its
 * dedupe key, its attachment rows, and its location with the copy's flags. Storing the same UID again
 * is a no-op beyond refreshing its flags, so a sync that resumes may fetch a message twice: a UID names
 * one message for as long as its UIDVALIDITY holds (RFC 3501 §2.3.1.1), so a copy already stored there
 * is that message even when the server renders it otherwise than the bytes first stored (the sent copy,
 * stored from what Mailroom sent before Exchange's own copy is fetched).
 */
export const storeMessage = async (
  db: Db,
  blobs: BlobStore,
  input: StoreInput,
): Promise<{ messageId: string; created: boolean }> =>
  (await storePrepared(db, [await prepareMessage(blobs, input)]))[0]!;

export type Stored = { messageId: string; created: boolean };

/**
 * Stores a batch of prepared messages of one mailbox in one transaction, with a handful of statements
 * whatever the batch's size (the sync stores a FETCH batch at a time): existing messages found by
 * dedupe key, threads resolved for the new ones in order, rows, attachments and locations inserted
 * many at a time. The same message twice in a batch is one row with two locations; a message another
 * worker inserted meanwhile is theirs (the unique dedupe key decides).
 */
export const storePrepared = async (db: Db, batch: readonly PreparedMessage[]): Promise<Stored[]> => {
  if (batch.length === 0) return [];
  const mailboxId = batch[0]!.input.mailboxId;
  if (batch.some((b) => b.input.mailboxId !== mailboxId))
    throw new MessagesError('messages.store_conflict', 'one batch stores messages of one mailbox');
  return db.transaction().execute(async (trx) => {
    const placed = await idsByPlace(trx, batch);
    const existing = await idsByKey(
      trx,
      mailboxId,
      batch.map((b) => b.key),
    );
    for (const b of batch) {
      const id = placed.get(b.input);
      if (id) existing.set(b.key, id);
    }
    const fresh = new Map<string, PreparedMessage>();
    for (const b of batch) if (!existing.has(b.key) && !fresh.has(b.key)) fresh.set(b.key, b);
    const news = [...fresh.values()];
    const threads = await resolveThreadIds(
      trx,
      news.map((b) => ({ mailboxId, fields: b.parsed, dedupeKey: b.key })),
    );
    const rows = news.map((b, i) => messageRow(randomUUID(), b.input, b.parsed, b.key, threads[i]!));
    // About 25 columns a row: 40 rows stay under SQLite's and PostgreSQL's bound-parameter limits.
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
    // A key the insert did not return was stored by another worker between our look-up and our insert.
    // PostgreSQL made our insert wait for theirs to commit (READ COMMITTED), so this look-up sees theirs.
    const theirs = [...fresh.keys()].filter((key) => !now.has(key));
    if (theirs.length > 0) for (const [key, id] of await idsByKey(trx, mailboxId, theirs)) now.set(key, id);
    const attachments = news.flatMap((b, i) =>
      ours.has(rows[i]!.id as string)
        ? b.parsed.attachments.map((a) => ({
            id: randomUUID(),
            message_id: rows[i]!.id as string,
            position: a.position,
            filename: a.filename,
            content_type: a.contentType,
            disposition: a.disposition,
            content_id: a.contentId,
            size: a.size,
            sha256: a.sha256,
          }))
        : [],
    );
    for (const part of chunks(attachments, 100)) await trx.insertInto('attachments').values(part).execute();
    return placeBatch(trx, batch, ours, (b) => {
      const messageId = existing.get(b.key) ?? now.get(b.key);
      if (!messageId)
        throw new MessagesError('messages.store_conflict', `no message for ${b.key} after a conflict`);
      return messageId;
    });
  });
};

/**
 * The end of a stored batch's transaction, for both store paths: each copy's message (`created` the first
 * time a message inserted by this batch, `ours`, is met), the copies' locations, and the `messages.stored`
 * event, last in the transaction (it serialises event writers until the commit on PostgreSQL).
 */
export const placeBatch = async <B extends { readonly input: Omit<StoreInput, 'source'> }>(
  trx: Db,
  batch: readonly B[],
  ours: ReadonlySet<string>,
  messageIdOf: (copy: B) => string,
): Promise<Stored[]> => (await placeBatches(trx, [batch], ours, messageIdOf))[0]!;

/**
 * `placeBatch` for batches of several mailboxes stored in one transaction (arrival rounds that commit
 * together): one statement for all their locations, one for their events (one event per batch).
 */
export const placeBatches = async <B extends { readonly input: Omit<StoreInput, 'source'> }>(
  trx: Db,
  batches: readonly (readonly B[])[],
  ours: ReadonlySet<string>,
  messageIdOf: (copy: B) => string,
  /** Written after the copies' locations and before the events (store-listed.ts: the cursor). */
  beforeEvents?: () => Promise<void>,
): Promise<Stored[][]> => {
  const createdOnce = new Set<string>();
  const results = batches.map((batch) =>
    batch.map((b): Stored => {
      const messageId = messageIdOf(b);
      const created = ours.has(messageId) && !createdOnce.has(messageId);
      if (created) createdOnce.add(messageId);
      return { messageId, created };
    }),
  );
  await upsertLocations(
    trx,
    batches.flatMap((batch, j) =>
      batch.map((b, i) => ({ input: b.input, messageId: results[j]![i]!.messageId })),
    ),
  );
  await beforeEvents?.();
  await recordEvents(
    trx,
    batches.flatMap((batch, j) =>
      batch.length === 0
        ? []
        : [
            storedEvent(
              batch[0]!.input.mailboxId,
              batch.map((b, i) => ({ path: b.input.path, ...results[j]![i]! })),
            ),
          ],
    ),
  );
  return results;
};

/** Folders looked up per statement by `idsByPlace` (each a few bound values). */
const FOLDERS_PER_LOOKUP = 100;

/**
 * The messages already stored at the batch's places (mailbox, folder, UIDVALIDITY, UID), by place: one
 * statement for the batch's folders (up to FOLDERS_PER_LOOKUP of them; a batch of arrival rounds spans
 * many mailboxes), one more per CHUNK UIDs of a folder.
 */
export const idsByPlace = async (
  db: Db,
  batch: readonly { readonly input: Omit<StoreInput, 'source'> }[],
): Promise<PlaceMap<string>> => {
  const found = new PlaceMap<string>();
  const folders = new Map<string, { mailboxId: string; path: string; uidValidity: number; uids: number[] }>();
  for (const { input } of batch) {
    const folder = `${input.mailboxId}\u0000${input.path}\u0000${input.uidValidity}`;
    if (!folders.has(folder))
      folders.set(folder, {
        mailboxId: input.mailboxId,
        path: input.path,
        uidValidity: input.uidValidity,
        uids: [],
      });
    folders.get(folder)!.uids.push(input.uid);
  }
  const asks = [...folders.values()].flatMap((folder) =>
    chunks(folder.uids).map((part) => {
      // A listing's UIDs are mostly a run: asked as a range (two parameters, one index range) when it is
      // dense, else one by one; rows of the range that are not asked for are left out.
      const lowest = Math.min(...part);
      const highest = Math.max(...part);
      return { ...folder, part, lowest, highest, dense: highest - lowest < part.length * 4 };
    }),
  );
  // Many small folders share a statement; a folder of many UIDs listed one by one has one of its own.
  const statements: (typeof asks)[] = [];
  for (const ask of asks) {
    const last = statements.at(-1);
    if (last && ask.dense && last.every((a) => a.dense) && last.length < FOLDERS_PER_LOOKUP) last.push(ask);
    else statements.push([ask]);
  }
  for (const group of statements) {
    const rows = await db
      .selectFrom('message_locations')
      .select(['mailbox_id', 'path', 'uidvalidity', 'uid', 'message_id'])
      .where((eb) =>
        eb.or(
          group.map((ask) =>
            eb.and([
              eb('mailbox_id', '=', ask.mailboxId),
              eb('path', '=', ask.path),
              eb('uidvalidity', '=', ask.uidValidity),
              ...(ask.dense
                ? [eb('uid', '>=', ask.lowest), eb('uid', '<=', ask.highest)]
                : [eb('uid', 'in', ask.part)]),
            ]),
          ),
        ),
      )
      .execute();
    const asked = new PlaceMap<true>();
    for (const { mailboxId, path, uidValidity, part } of group)
      for (const uid of part) asked.set({ mailboxId, path, uidValidity, uid }, true);
    for (const r of rows) {
      const place = { mailboxId: r.mailbox_id, path: r.path, uidValidity: r.uidvalidity, uid: r.uid };
      if (asked.has(place)) found.set(place, r.message_id);
    }
  }
  return found;
};

export const idsByKey = async (
  db: Db,
  mailboxId: string,
  keys: readonly string[],
): Promise<Map<string, string>> => {
  const found = new Map<string, string>();
  for (const part of chunks([...new Set(keys)])) {
    const rows = await db
      .selectFrom('messages')
      .select(['id', 'dedupe_key'])
      .where('mailbox_id', '=', mailboxId)
      .where('dedupe_key', 'in', part)
      .execute();
    for (const r of rows) found.set(r.dedupe_key, r.id);
  }
  return found;
};

/** Characters as SQL's length() counts them: code points, a surrogate pair being one. */
export const characters = (text: string): number => {
  let count = text.length;
  for (let at = 0; at < text.length - 1; at++) {
    const code = text.charCodeAt(at);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(at + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--;
        at++;
      }
    }
  }
  return count;
};

export const isoOrNull = (date: Date | null): string | null =>
  date && !Number.isNaN(date.getTime()) ? date.toISOString() : null;

const messageRow = (
  id: string,
  input: Omit<StoreInput, 'source'>,
  parsed: ParsedMessage,
  key: string,
  threadId: string,
): Insertable<MessagesTable> => {
  const now = new Date().toISOString();
  return {
    id,
    mailbox_id: input.mailboxId,
    dedupe_key: key,
    message_id: parsed.messageId,
    thread_id: threadId,
    ...keyColumns(input.mailboxId, threadId, parsed.messageId),
    in_reply_to: parsed.inReplyTo,
    references: JSON.stringify(parsed.references),
    subject: parsed.subject,
    from_address: parsed.from?.address ?? null,
    from_name: parsed.from?.name || null,
    to_json: JSON.stringify(parsed.to),
    cc_json: JSON.stringify(parsed.cc),
    sent_at: isoOrNull(parsed.date),
    // The server's arrival time orders the list; the Date header is the sender's word, and may lie.
    received_at: isoOrNull(input.internalDate) ?? isoOrNull(parsed.date) ?? now,
    size: input.size,
    snippet: parsed.snippet,
    body_text: parsed.text,
    body_html: parsed.html,
    html_length: parsed.html === null ? null : characters(parsed.html),
    // Inline parts with a Content-ID are pictures of the HTML, not attachments a person would list.
    has_attachments: parsed.attachments.some((a) => !(a.disposition === 'inline' && a.contentId)) ? 1 : 0,
    parse_warnings: JSON.stringify(parsed.warnings),
    created_at: now,
  };
};

/** The copies at (folder, UIDVALIDITY, UID); flags changed in Mailroom and not yet sent stay pending. */
export const upsertLocations = async (
  trx: Db,
  copies: readonly { input: Omit<StoreInput, 'source'>; messageId: string }[],
): Promise<void> => {
  // One row per place (PostgreSQL refuses to update a row twice in one statement): the last one wins.
  const places = lastPerPlace(copies, (c) => c.input);
  await insertRows(trx, 'message_locations', locationRows(places), {
    types: {
      uidvalidity: 'bigint',
      uid: 'bigint',
      seen: 'integer',
      flagged: 'integer',
      answered: 'integer',
      draft: 'integer',
    },
    onConflict: `on conflict (mailbox_id, path, uidvalidity, uid) do update set message_id = excluded.message_id,
      seen = excluded.seen, flagged = excluded.flagged, answered = excluded.answered, draft = excluded.draft`,
  });
};

const locationRows = (
  copies: readonly { input: Omit<StoreInput, 'source'>; messageId: string }[],
): Insertable<MessageLocationsTable>[] => {
  // A batch of IMAP copies leaves the columns to their defaults ('imap_smtp', no remote id); every row of a
  // statement names the same columns.
  const graph = copies.some((c) => c.input.remoteId !== undefined);
  return copies.map(({ input, messageId }) => ({
    mailbox_id: input.mailboxId,
    path: input.path,
    uidvalidity: input.uidValidity,
    uid: input.uid,
    message_id: messageId,
    ...flagColumns(input.flags),
    pending_flags: null,
    ...(graph
      ? { transport: input.remoteId === undefined ? 'imap_smtp' : 'graph', remote_id: input.remoteId ?? null }
      : {}),
  }));
};
