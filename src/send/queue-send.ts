import { createHash, randomUUID } from 'node:crypto';
import { AppError } from '../http/errors.ts';
import type { Mailbox } from '../mailboxes/mailbox.ts';
import { getMessage } from '../messages/queries.ts';
import type { User } from '../users/users.table.ts';
import { buildMime, newMessageId } from './build-mime.ts';
import { compose } from './compose.ts';
import type { ComposeRequest } from './compose-input.ts';
import { findOutgoing, type OutgoingRow } from './outgoing-store.ts';
import type { SendDeps } from './send-deps.ts';
import { SendError } from './send-error.ts';

/**
 * Why this user may not send from this mailbox, or null when they may: their own mailbox, or a system
 * mailbox they can see, enabled and connected.
 */
const sendRefusal = (user: User, mailbox: Mailbox): SendError | null => {
  if (mailbox.kind === 'user' && mailbox.ownerUserId !== user.id)
    return new SendError('send.forbidden', 'Only the owner of a personal mailbox sends from it.');
  if (!mailbox.enabled) return new SendError('send.mailbox_disabled', `${mailbox.address} is switched off.`);
  if (!mailbox.connected)
    return new SendError(
      'send.mailbox_not_connected',
      `${mailbox.address} is not connected to Microsoft 365: connect it first.`,
    );
  return null;
};

export const checkMaySend = (user: User, mailbox: Mailbox): void => {
  const refusal = sendRefusal(user, mailbox);
  if (refusal) throw refusal;
};

/** The same rule as a yes or no, for pages that offer Reply and New message only when they would work. */
export const maySendFrom = (user: User, mailbox: Mailbox): boolean => sendRefusal(user, mailbox) === null;

/** SHA-256 over the request, attachments by their own hash: the same idempotency key must come with the same request. */
const requestHash = (mailboxId: string, request: ComposeRequest): string =>
  createHash('sha256')
    .update(
      JSON.stringify({
        mailboxId,
        ...request,
        attachments: request.attachments.map((a) => ({
          filename: a.filename,
          contentType: a.contentType,
          sha256: createHash('sha256').update(a.content).digest('hex'),
        })),
      }),
    )
    .digest('hex');

const findByKey = (deps: SendDeps, userId: string, key: string) =>
  deps.db
    .selectFrom('outgoing_messages')
    .selectAll()
    .where('created_by_user_id', '=', userId)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();

/** The same key again: the first message, when the request is the same; a conflict otherwise. */
const replay = (existing: OutgoingRow, hash: string): OutgoingRow => {
  if (existing.request_hash !== hash)
    throw new SendError(
      'send.idempotency_conflict',
      'This Idempotency-Key was already used for a different message. Use a new key for a new message.',
    );
  return existing;
};

/**
 * Queues a message: checks who may send, builds its MIME once (Message-ID fixed, so every attempt sends
 * the same bytes), stores it and the job row, and returns the row. With an idempotency key, asking again
 * returns the first message instead of queuing a second.
 */
export const queueSend = async (
  deps: SendDeps,
  user: User,
  mailbox: Mailbox,
  request: ComposeRequest,
  options: { idempotencyKey?: string | null } = {},
): Promise<{ row: OutgoingRow; replayed: boolean }> => {
  checkMaySend(user, mailbox);
  const key = options.idempotencyKey ?? null;
  const hash = requestHash(mailbox.id, request);
  if (key) {
    const existing = await findByKey(deps, user.id, key);
    if (existing) return { row: replay(existing, hash), replayed: true };
  }
  const original = request.originalId ? await getMessage(deps.db, mailbox.id, request.originalId) : null;
  if (request.originalId && !original)
    throw new AppError('request.invalid', 'The message cannot be sent as it is.', {
      originalId: 'There is no such message in this mailbox.',
    });
  const composed = await compose(deps, mailbox, request, original ?? null);
  if (composed.to.length + composed.cc.length + request.bcc.length === 0)
    throw new AppError('request.invalid', 'The message cannot be sent as it is.', {
      to: 'Add at least one recipient.',
    });
  const messageId = newMessageId(mailbox.address);
  const now = new Date();
  const from = {
    name: mailbox.label ?? (mailbox.kind === 'user' ? user.displayName : ''),
    address: mailbox.address,
  };
  const mime = await buildMime(deps.blobs, messageId, {
    from,
    to: composed.to,
    cc: composed.cc,
    subject: composed.subject,
    text: composed.text,
    html: composed.html,
    inReplyTo: composed.inReplyTo,
    references: composed.references,
    attachments: [
      ...request.attachments.map((a) => ({
        filename: a.filename,
        contentType: a.contentType,
        content: a.content,
      })),
      ...composed.originalFiles,
    ],
    date: now,
  });
  if (mime.size > deps.config.send.maxAttachmentBytes * 1.4 + 10 * 1024 * 1024)
    throw new AppError('request.invalid', 'The message cannot be sent as it is.', {
      attachments: 'The message with its attachments is too large to send.',
    });
  const id = randomUUID();
  const at = now.toISOString();
  const inserted = await deps.db
    .insertInto('outgoing_messages')
    .values({
      id,
      mailbox_id: mailbox.id,
      created_by_user_id: user.id,
      idempotency_key: key,
      request_hash: hash,
      mode: request.mode,
      reply_to_message_id: original?.id ?? null,
      message_id: messageId,
      from_address: mailbox.address,
      subject: composed.subject,
      recipients_json: JSON.stringify({
        to: composed.to.map((r) => r.address),
        cc: composed.cc.map((r) => r.address),
        bcc: request.bcc.map((r) => r.address),
      }),
      mime_sha256: mime.sha256,
      size: mime.size,
      state: 'queued',
      attempts: 0,
      transmitted: 0,
      next_attempt_at: at,
      created_at: at,
      updated_at: at,
    })
    .onConflict((oc) => oc.columns(['created_by_user_id', 'idempotency_key']).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0 && key) {
    // The same key arrived twice at once: the other request's message is the one.
    const theirs = await findByKey(deps, user.id, key);
    if (theirs) return { row: replay(theirs, hash), replayed: true };
  }
  const row = await findOutgoing(deps.db, id);
  if (!row) throw new Error(`outgoing message ${id} vanished after insert`);
  deps.log.info(
    { event: 'send.queued', outgoingId: id, mailboxId: mailbox.id, mode: request.mode, size: mime.size },
    'message queued',
  );
  return { row, replayed: false };
};
