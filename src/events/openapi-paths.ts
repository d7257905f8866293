import { errorResponse, json, queryParameters, ref } from '../api/openapi-helpers.ts';
import { eventsQuery } from './api.ts';

export const eventsSchemas = {
  Event: {
    type: 'object',
    required: ['id', 'at', 'type', 'mailboxId', 'subject', 'data'],
    properties: {
      id: { type: 'string', description: 'Monotonic; the cursor to page from.' },
      at: { type: 'string', format: 'date-time' },
      type: {
        enum: [
          'mailbox.state_changed',
          'messages.stored',
          'messages.flags_changed',
          'messages.removed',
          'folder.synced',
          'message.sent',
          'message.send_failed',
          'mailbox.sends_through_changed',
          'mailbox.reads_through_changed',
          'credential.expiring',
          'credential.expired',
        ],
      },
      mailboxId: {
        type: ['string', 'null'],
        description:
          'Null for events of the installation itself (credential.*), shown to administrators only.',
      },
      subject: {
        type: ['object', 'null'],
        description: 'What changed: a folder (its path), an outgoing message (its id), the mailbox.',
        required: ['type', 'id'],
        properties: { type: { enum: ['folder', 'outgoing', 'mailbox'] }, id: { type: 'string' } },
      },
      data: {
        type: 'object',
        description:
          'Small and free of secrets and message content: `state`, `errorCode` (mailbox.state_changed); `stored`, `created`, `messageIds` (messages.stored, one event per stored batch); `messages` with each one’s `id`, `seen`, `flagged`, `answered`, `draft`, and `by: "mailroom"` when a reader changed them in Mailroom (messages.flags_changed); `messageIds` (messages.removed: copies gone from the folder); `fetched`, `created`, `flagsChanged`, `removed` (folder.synced); `state`, `attempts`, `errorCode`, `nextAttemptAt` (message.sent, message.send_failed); `sendsThrough`, `reasonCode` (mailbox.sends_through_changed); `readsThrough`, `reasonCode` (mailbox.reads_through_changed); `credential` (secret or certificate), `expiresAt`, `thresholdDays` (30, 14, 3; 0 once expired), `daysLeft` (credential.expiring, credential.expired: once per threshold).',
      },
    },
  },
};

export const eventsPaths = {
  '/api/events': {
    get: {
      summary: 'What changed, oldest first, in the mailboxes the caller may see (kept 30 days)',
      parameters: queryParameters(eventsQuery),
      responses: {
        200: json('A page of events', {
          type: 'object',
          required: ['events', 'nextCursor', 'hasMore'],
          properties: {
            events: { type: 'array', items: ref('Event') },
            nextCursor: { type: 'string', description: 'Pass as `after` next time (unchanged when empty).' },
            hasMore: { type: 'boolean' },
          },
        }),
        400: errorResponse('A cursor or limit that is not valid'),
      },
    },
  },
};
