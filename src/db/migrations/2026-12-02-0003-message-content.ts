import { type Kysely, sql } from 'kysely';
import { contentHash, normaliseMessageId } from '../../messages/dedupe.ts';

/**
 * What a message says, kept so that copies merge and different messages do not, and so that showing it
 * does not read all of it.
 *
 * `html_length`: the HTML's length in characters, so a page view knows whether the HTML is cut to be
 * shown (reading/display-html.ts) without reading megabytes of it.
 *
 * Dedupe keys of messages with a Message-ID become `mid:<id>#<content hash>` (messages/dedupe.ts), so a
 * second message under an id already stored is stored too instead of being hidden behind the first.
 * The hash is computed from what the rows hold (sender, subject, text, HTML, attachment hashes), exactly
 * as the store computes it from a parsed message, so the next sync finds every existing row. Keys stay
 * unique per mailbox: each row's id was unique under the old key. Rows are read a page at a time.
 * Messages an older version hid behind another stay hidden until their folder is fetched again.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations see the schema as it was, not as Database types it.
type AnyDb = Kysely<any>;

const PAGE = 100;

interface Row {
  id: string;
  mailbox_id: string;
  message_id: string;
  from_address: string | null;
  subject: string;
  body_text: string | null;
  body_html: string | null;
}

/** Every message with a Message-ID and its content hash, a page at a time, in the order they were stored. */
async function* keyedRows(db: AnyDb): AsyncGenerator<{ row: Row; hash: string }> {
  let after: { created_at: string; id: string } | null = null;
  for (;;) {
    let query = db
      .selectFrom('messages')
      .select([
        'id',
        'mailbox_id',
        'message_id',
        'from_address',
        'subject',
        'body_text',
        'body_html',
        'created_at',
      ])
      .where('message_id', 'is not', null)
      .orderBy('created_at')
      .orderBy('id')
      .limit(PAGE);
    if (after) {
      const { created_at, id } = after;
      query = query.where((eb) =>
        eb.or([
          eb('created_at', '>', created_at),
          eb.and([eb('created_at', '=', created_at), eb('id', '>', id)]),
        ]),
      );
    }
    const rows = (await query.execute()) as (Row & { created_at: string })[];
    if (rows.length === 0) return;
    const attachments = await db
      .selectFrom('attachments')
      .select(['message_id', 'sha256'])
      .where(
        'message_id',
        'in',
        rows.map((r) => r.id),
      )
      .execute();
    for (const row of rows) {
      const hashes = attachments.filter((a) => a.message_id === row.id).map((a) => a.sha256 as string);
      const hash = contentHash({
        fromAddress: row.from_address,
        subject: row.subject,
        text: row.body_text,
        html: row.body_html,
        attachmentHashes: hashes,
      });
      yield { row, hash };
    }
    const last = rows.at(-1)!;
    after = { created_at: last.created_at, id: last.id };
  }
}

const setKey = (db: AnyDb, id: string, key: string) =>
  db.updateTable('messages').set({ dedupe_key: key }).where('id', '=', id).execute();

export const up = async (db: AnyDb): Promise<void> => {
  await db.schema.alterTable('messages').addColumn('html_length', 'integer').execute();
  // length() counts characters on both databases, as messages/store-message.ts does.
  await sql`update messages set html_length = length(body_html) where body_html is not null`.execute(db);
  for await (const { row, hash } of keyedRows(db)) {
    const normalised = normaliseMessageId(row.message_id);
    if (normalised) await setKey(db, row.id, `mid:${normalised}#${hash}`);
  }
};

/**
 * Back to one key per Message-ID: the first message stored under an id keeps `mid:<id>`; a later one
 * with other content, which the older version cannot key by its id, is keyed like a message without one
 * (`sha256:`), so every row stays and stays unique.
 */
export const down = async (db: AnyDb): Promise<void> => {
  const claimed = new Set<string>();
  for await (const { row, hash } of keyedRows(db)) {
    const normalised = normaliseMessageId(row.message_id);
    if (!normalised) continue;
    const id = `${row.mailbox_id}\u0000${normalised}`;
    await setKey(db, row.id, claimed.has(id) ? `sha256:${hash}` : `mid:${normalised}`);
    claimed.add(id);
  }
  await db.schema.alterTable('messages').dropColumn('html_length').execute();
};
