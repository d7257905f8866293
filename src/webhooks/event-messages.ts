import type { Selectable } from 'kysely';
import type { Db } from '../db/database.ts';
import type { EventsTable } from '../events/events.table.ts';
import { findMailbox } from '../mailboxes/repository.ts';
import { getMessage } from '../messages/queries.ts';
import { findOutgoing, recipientsOf } from '../send/outgoing-store.ts';
import type { WebhookEventType } from './event-types.ts';

/** One webhook message, before it is addressed to endpoints: the same `id` and body for all of them. */
export interface WebhookMessage {
  /** The Standard Webhooks `webhook-id`, stable: `evt_<event id>` (`_<n>` for each message of a batch). */
  readonly id: string;
  readonly type: WebhookEventType;
  readonly mailboxId: string | null;
  readonly body: string;
}

type EventRow = Selectable<EventsTable>;

const bodyOf = (
  id: string,
  type: WebhookEventType,
  occurredAt: string,
  mailboxId: string | null,
  data: Record<string, unknown>,
) => JSON.stringify({ id, type, occurredAt, mailboxId, data });

const messagesCreated = async (db: Db, publicUrl: string, row: EventRow): Promise<WebhookMessage[]> => {
  const payload = JSON.parse(row.payload_json) as { messageIds?: string[] };
  const mailboxId = row.mailbox_id;
  if (!mailboxId) return [];
  const out: WebhookMessage[] = [];
  for (const [n, messageId] of (payload.messageIds ?? []).entries()) {
    const message = await getMessage(db, mailboxId, messageId);
    const id = `evt_${row.id}_${n}`;
    const link = `${publicUrl}/api/mailboxes/${mailboxId}/messages/${messageId}`;
    const envelope = message
      ? {
          id: message.id,
          threadId: message.threadId,
          messageId: message.messageId,
          subject: message.subject,
          from: message.from,
          to: message.to,
          sentAt: message.sentAt,
          receivedAt: message.receivedAt,
          hasAttachments: message.hasAttachments,
          folders: message.locations.map((l) => l.path),
          link,
        }
      : // Deleted again before it was fanned out: its id and link (which now answers 404) still tell.
        { id: messageId, link };
    out.push({
      id,
      type: 'message.created',
      mailboxId,
      body: bodyOf(id, 'message.created', row.at, mailboxId, { message: envelope }),
    });
  }
  return out;
};

const outgoingMessage = async (db: Db, publicUrl: string, row: EventRow): Promise<WebhookMessage[]> => {
  const payload = JSON.parse(row.payload_json) as Record<string, unknown>;
  const outgoingId = row.subject_id;
  if (!outgoingId || !row.mailbox_id) return [];
  const outgoing = await findOutgoing(db, outgoingId);
  const type = row.type as 'message.sent' | 'message.send_failed';
  const id = `evt_${row.id}`;
  const data = {
    outgoing: {
      id: outgoingId,
      state: payload.state ?? null,
      attempts: payload.attempts ?? null,
      errorCode: payload.errorCode ?? null,
      nextAttemptAt: payload.nextAttemptAt ?? null,
      ...(outgoing
        ? {
            messageId: outgoing.message_id,
            subject: outgoing.subject,
            from: outgoing.from_address,
            to: recipientsOf(outgoing).to,
            errorMessage: outgoing.error_message,
          }
        : {}),
      link: `${publicUrl}/api/mailboxes/${row.mailbox_id}/outgoing/${outgoingId}`,
    },
  };
  return [{ id, type, mailboxId: row.mailbox_id, body: bodyOf(id, type, row.at, row.mailbox_id, data) }];
};

const mailboxState = async (db: Db, publicUrl: string, row: EventRow): Promise<WebhookMessage[]> => {
  const payload = JSON.parse(row.payload_json) as {
    state?: string;
    previousState?: string;
    errorCode?: string;
  };
  if (!row.mailbox_id) return [];
  const mailbox = await findMailbox(db, row.mailbox_id);
  const data = {
    mailbox: {
      id: row.mailbox_id,
      address: mailbox?.address ?? null,
      kind: mailbox?.kind ?? null,
      state: payload.state ?? null,
      previousState: payload.previousState ?? null,
      reason: payload.errorCode ?? null,
      link: `${publicUrl}/api/mailboxes/${row.mailbox_id}`,
    },
  };
  const types: WebhookEventType[] = ['mailbox.state_changed'];
  if (payload.state === 'connected') types.push('mailbox.connected');
  if (payload.state === 'reconnect_required') types.push('mailbox.needs_reconnect');
  // Each type is its own message (own id), so an endpoint subscribed to both gets both.
  return types.map((type, n) => {
    const id = n === 0 ? `evt_${row.id}` : `evt_${row.id}_${type.slice('mailbox.'.length)}`;
    return { id, type, mailboxId: row.mailbox_id, body: bodyOf(id, type, row.at, row.mailbox_id, data) };
  });
};

type FlagState = { id: string; seen: boolean; flagged: boolean; answered: boolean; draft: boolean };

/** `message.flags_changed`, one per message, with all four flags as they are now. */
const flagsChanged = (publicUrl: string, row: EventRow): WebhookMessage[] => {
  const payload = JSON.parse(row.payload_json) as { messages?: FlagState[]; by?: string };
  const mailboxId = row.mailbox_id;
  if (!mailboxId) return [];
  return (payload.messages ?? []).map((m, n) => {
    const id = `evt_${row.id}_${n}`;
    const message = {
      id: m.id,
      folder: row.subject_type === 'folder' ? row.subject_id : null,
      flags: { seen: m.seen, flagged: m.flagged, answered: m.answered, draft: m.draft },
      changedIn: payload.by === 'mailroom' ? 'mailroom' : 'server',
      link: `${publicUrl}/api/mailboxes/${mailboxId}/messages/${m.id}`,
    };
    return {
      id,
      type: 'message.flags_changed',
      mailboxId,
      body: bodyOf(id, 'message.flags_changed', row.at, mailboxId, { message }),
    };
  });
};

/** `message.deleted`, one per message that left the folder. */
const removed = (publicUrl: string, row: EventRow): WebhookMessage[] => {
  const payload = JSON.parse(row.payload_json) as { messageIds?: string[] };
  const mailboxId = row.mailbox_id;
  if (!mailboxId) return [];
  return (payload.messageIds ?? []).map((messageId, n) => {
    const id = `evt_${row.id}_${n}`;
    const message = {
      id: messageId,
      folder: row.subject_id,
      link: `${publicUrl}/api/mailboxes/${mailboxId}/messages/${messageId}`,
    };
    return {
      id,
      type: 'message.deleted',
      mailboxId,
      body: bodyOf(id, 'message.deleted', row.at, mailboxId, { message }),
    };
  });
};

/** The webhook messages one recorded event makes; none for the events webhooks do not carry. */
export const messagesOfEvent = (db: Db, publicUrl: string, row: EventRow): Promise<WebhookMessage[]> => {
  switch (row.type) {
    case 'messages.stored':
      return messagesCreated(db, publicUrl, row);
    case 'message.sent':
    case 'message.send_failed':
      return outgoingMessage(db, publicUrl, row);
    case 'mailbox.state_changed':
      return mailboxState(db, publicUrl, row);
    case 'messages.flags_changed':
      return Promise.resolve(flagsChanged(publicUrl, row));
    case 'messages.removed':
      return Promise.resolve(removed(publicUrl, row));
    default:
      return Promise.resolve([]);
  }
};

/** The body of a *Send test event* message. */
export const testMessage = (endpointId: string, now: Date): WebhookMessage => {
  const id = `test_${endpointId}_${now.getTime()}`;
  return {
    id,
    type: 'webhook.test',
    mailboxId: null,
    body: bodyOf(id, 'webhook.test', now.toISOString(), null, {
      endpoint: { id: endpointId },
      note: 'A test event sent from Mailroom’s webhooks page.',
    }),
  };
};
