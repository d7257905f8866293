import { randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { Db } from '../db/database.ts';
import type { BlobStore } from './blob-store.ts';
import { dedupeKey } from './dedupe.ts';
import { flagColumns } from './locations.ts';
import type { MessagesTable } from './messages.table.ts';
import { MessagesError } from './messages-error.ts';
import { type ParsedMessage, parseMessage } from './parse-message.ts';
import { resolveThreadId } from './threading.ts';

export { pruneOrphans, removeLocations, updateFlags } from './locations.ts';

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
}

/**
 * Stores a fetched message: parsed first (attachments streamed into the blob store, outside any
 * transaction), then in one transaction the message found or inserted by its dedupe key, its
 * attachment rows, and its location with the copy's flags. Storing the same UID again is a no-op
 * beyond refreshing its flags, so a sync that resumes may fetch a message twice.
 */
export const storeMessage = async (
  db: Db,
  blobs: BlobStore,
  input: StoreInput,
): Promise<{ messageId: string; created: boolean }> => {
  const parsed = await parseMessage(input.source, blobs);
  const key = dedupeKey(parsed.messageId, input.source);
  return db.transaction().execute(async (trx) => {
    const existing = await findByKey(trx, input.mailboxId, key);
    const stored = existing
      ? { messageId: existing, created: false }
      : await insertMessage(trx, input, parsed, key);
    await upsertLocation(trx, input, stored.messageId);
    return stored;
  });
};

const findByKey = async (db: Db, mailboxId: string, key: string): Promise<string | undefined> =>
  (
    await db
      .selectFrom('messages')
      .select('id')
      .where('mailbox_id', '=', mailboxId)
      .where('dedupe_key', '=', key)
      .executeTakeFirst()
  )?.id;

const insertMessage = async (
  trx: Db,
  input: StoreInput,
  parsed: ParsedMessage,
  key: string,
): Promise<{ messageId: string; created: boolean }> => {
  const threadId = await resolveThreadId(trx, input.mailboxId, parsed, key);
  const id = randomUUID();
  const result = await trx
    .insertInto('messages')
    .values(messageRow(id, input, parsed, key, threadId))
    .onConflict((oc) => oc.columns(['mailbox_id', 'dedupe_key']).doNothing())
    .executeTakeFirst();
  if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) {
    // Another worker stored the same message between our look-up and our insert. PostgreSQL made this
    // insert wait for theirs to commit (READ COMMITTED), so a new look-up sees it: theirs is the one.
    const theirs = await findByKey(trx, input.mailboxId, key);
    if (!theirs) throw new MessagesError('messages.store_conflict', `no message for ${key} after a conflict`);
    return { messageId: theirs, created: false };
  }
  if (parsed.attachments.length > 0) {
    await trx
      .insertInto('attachments')
      .values(
        parsed.attachments.map((a) => ({
          id: randomUUID(),
          message_id: id,
          position: a.position,
          filename: a.filename,
          content_type: a.contentType,
          disposition: a.disposition,
          content_id: a.contentId,
          size: a.size,
          sha256: a.sha256,
        })),
      )
      .execute();
  }
  return { messageId: id, created: true };
};

const isoOrNull = (date: Date | null): string | null =>
  date && !Number.isNaN(date.getTime()) ? date.toISOString() : null;

const messageRow = (
  id: string,
  input: StoreInput,
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
    // Inline parts with a Content-ID are pictures of the HTML, not attachments a person would list.
    has_attachments: parsed.attachments.some((a) => !(a.disposition === 'inline' && a.contentId)) ? 1 : 0,
    parse_warnings: JSON.stringify(parsed.warnings),
    created_at: now,
  };
};

/** The copy at (folder, UIDVALIDITY, UID); flags changed in Mailroom and not yet sent stay pending. */
const upsertLocation = async (trx: Db, input: StoreInput, messageId: string): Promise<void> => {
  await trx
    .insertInto('message_locations')
    .values({
      mailbox_id: input.mailboxId,
      path: input.path,
      uidvalidity: input.uidValidity,
      uid: input.uid,
      message_id: messageId,
      ...flagColumns(input.flags),
      pending_flags: null,
    })
    .onConflict((oc) =>
      oc.columns(['mailbox_id', 'path', 'uidvalidity', 'uid']).doUpdateSet((eb) => ({
        message_id: eb.ref('excluded.message_id'),
        seen: eb.ref('excluded.seen'),
        flagged: eb.ref('excluded.flagged'),
        answered: eb.ref('excluded.answered'),
        draft: eb.ref('excluded.draft'),
      })),
    )
    .execute();
};
