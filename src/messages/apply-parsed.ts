import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.ts';
import { chunks } from './locations.ts';
import type { ParseOutcome } from './parse-worker.ts';
import { characters, idsByKey } from './store-message.ts';

export interface AppliedParses {
  readonly parsed: number;
  /** Copies found, once read, to be a message already stored: folded into it. */
  readonly merged: number;
  readonly failed: number;
}

/**
 * Writes a batch of parse outcomes of one mailbox in one transaction: each listed message gets its body,
 * attachments, snippet and search text and its real dedupe key, and its raw source is let go. A message
 * whose real key another message already holds is a copy of that one (the same message in two folders, or
 * rendered otherwise by the server): its locations move to it and the listed row goes. A failure is
 * recorded on the message (`parse_state = 'failed'`, `parse_error`), which stays listed by its envelope.
 * A message no longer pending (deleted meanwhile, or read by another worker) is left alone.
 */
export const applyParsed = async (
  db: Db,
  mailboxId: string,
  outcomes: readonly ParseOutcome[],
): Promise<AppliedParses> => {
  if (outcomes.length === 0) return { parsed: 0, merged: 0, failed: 0 };
  return db.transaction().execute(async (trx) => {
    let parsed = 0;
    let merged = 0;
    let failed = 0;
    const done: string[] = [];
    const gone: string[] = [];
    const holder = await idsByKey(
      trx,
      mailboxId,
      outcomes.flatMap((o) => ('parsed' in o ? [o.key] : [])),
    );
    for (const outcome of outcomes) {
      if (!('parsed' in outcome)) {
        const result = await trx
          .updateTable('messages')
          .set({
            parse_state: 'failed',
            parse_error: `${outcome.errorCode}: ${outcome.error}`.slice(0, 1000),
          })
          .where('id', '=', outcome.messageId)
          .where('parse_state', '=', 'pending')
          .executeTakeFirst();
        failed += Number(result.numUpdatedRows);
        continue;
      }
      const { messageId, parsed: p, key } = outcome;
      const owner = holder.get(key);
      if (owner && owner !== messageId) {
        await trx
          .updateTable('message_locations')
          .set({ message_id: owner })
          .where('message_id', '=', messageId)
          .execute();
        gone.push(messageId);
        merged++;
        continue;
      }
      const result = await trx
        .updateTable('messages')
        .set({
          dedupe_key: key,
          subject: p.subject,
          from_address: p.from?.address ?? null,
          from_name: p.from?.name || null,
          to_json: JSON.stringify(p.to),
          cc_json: JSON.stringify(p.cc),
          snippet: p.snippet,
          body_text: p.text,
          body_html: p.html,
          html_length: p.html === null ? null : characters(p.html),
          has_attachments: p.attachments.some((a) => !(a.disposition === 'inline' && a.contentId)) ? 1 : 0,
          parse_warnings: JSON.stringify(p.warnings),
          parse_state: 'parsed',
          parse_error: null,
        })
        .where('id', '=', messageId)
        .where('parse_state', '=', 'pending')
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) === 0) continue;
      holder.set(key, messageId);
      if (p.attachments.length > 0)
        await trx
          .insertInto('attachments')
          .values(
            p.attachments.map((a) => ({
              id: randomUUID(),
              message_id: messageId,
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
      done.push(messageId);
      parsed++;
    }
    // Sources go with the batch: the listed rows of copies after their locations moved.
    for (const part of chunks([...done, ...gone]))
      await trx.deleteFrom('message_sources').where('message_id', 'in', part).execute();
    for (const part of chunks(gone))
      await trx.deleteFrom('messages').where('id', 'in', part).where('parse_state', '=', 'pending').execute();
    return { parsed, merged, failed };
  });
};
