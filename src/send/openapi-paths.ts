/**
 * The sending API's part of the OpenAPI document (src/api/openapi.ts spreads it in), beside its routes
 * (api.ts).
 */
import { errorResponse, json, jsonBody, path, queryParameters, ref } from '../api/openapi-helpers.ts';
import { outgoingQuery } from './api.ts';
import { composeSchema } from './compose-input.ts';

const notVisible = errorResponse('No such mailbox or message, or not visible to the caller');
const outgoing = {
  type: 'object',
  required: [
    'id',
    'mailboxId',
    'state',
    'mode',
    'messageId',
    'from',
    'to',
    'cc',
    'bcc',
    'subject',
    'size',
    'attempts',
    'nextAttemptAt',
    'error',
    'serverReply',
    'sentAt',
    'sentCopy',
    'storedMessageId',
    'replyToMessageId',
    'createdAt',
  ],
  properties: {
    id: { type: 'string' },
    mailboxId: { type: 'string' },
    state: {
      enum: ['queued', 'sending', 'sent', 'failed'],
      description:
        'queued (waiting, maybe for a retry at nextAttemptAt), sending, sent, failed (see error; retry with POST …/retry)',
    },
    mode: { enum: ['new', 'reply', 'reply_all', 'forward'] },
    messageId: {
      type: 'string',
      description: 'The RFC 5322 Message-ID (without <>), the same on every attempt',
    },
    from: { type: 'string' },
    to: { type: 'array', items: { type: 'string' } },
    cc: { type: 'array', items: { type: 'string' } },
    bcc: {
      type: 'array',
      items: { type: 'string' },
      description:
        'Only for the message’s writer and administrators; the mailbox’s other people get an empty list (and a refusal that names a Bcc recipient says “(a Bcc recipient)” instead)',
    },
    subject: { type: 'string' },
    size: { type: 'integer' },
    attempts: { type: 'integer' },
    nextAttemptAt: { type: ['string', 'null'], format: 'date-time' },
    error: {
      type: ['object', 'null'],
      description:
        'Why it failed (or, while queued, why the last attempt did not go through); on a sent message, recipients the server refused',
      required: ['code', 'message', 'forWhom', 'recipient'],
      properties: {
        code: {
          type: 'string',
          description:
            'smtp.auth_disabled (535 5.7.139), smtp.auth_failed (535 5.7.3 after a refresh), smtp.send_as_denied (554 5.2.252), smtp.recipient_rejected, smtp.message_rejected, smtp.unreachable, smtp.timeout, smtp.tls, send.unconfirmed, …',
        },
        message: { type: 'string' },
        forWhom: { enum: ['sender', 'mailbox_owner', 'administrator', null] },
        recipient: { type: ['string', 'null'] },
      },
    },
    serverReply: { type: ['string', 'null'] },
    sentAt: { type: ['string', 'null'], format: 'date-time' },
    sentCopy: { enum: ['server', 'appended', null], description: 'Who put the copy in Sent Items' },
    storedMessageId: {
      type: ['string', 'null'],
      description: 'The sent message in Mailroom (in its thread)',
    },
    replyToMessageId: { type: ['string', 'null'] },
    createdAt: { type: 'string', format: 'date-time' },
  },
};

export const sendSchemas = { OutgoingMessage: outgoing };

const refusals = {
  403: errorResponse('`send.forbidden`: another person’s mailbox'),
  404: notVisible,
  409: errorResponse('`send.mailbox_not_connected`, `send.mailbox_disabled`'),
};

export const sendPaths = {
  '/api/mailboxes/{id}/send': {
    post: {
      summary:
        'Queue a message (new, reply, reply all, forward); it is sent at once and retried on transient failures',
      parameters: [
        path('id'),
        {
          name: 'Idempotency-Key',
          in: 'header',
          schema: { type: 'string', maxLength: 200 },
          description:
            'Send the same request again with the same key and you get the first message back (200, Idempotent-Replayed: true), never a second one; the same key with another request is a 409',
        },
      ],
      requestBody: jsonBody(composeSchema),
      responses: {
        202: json('Queued', ref('OutgoingMessage')),
        200: json('Already queued under this Idempotency-Key', ref('OutgoingMessage')),
        400: errorResponse('`request.invalid`, with `fields` naming each problem'),
        ...refusals,
        409: errorResponse(
          '`send.idempotency_conflict`, `send.mailbox_not_connected`, `send.mailbox_disabled`',
        ),
      },
    },
  },
  '/api/mailboxes/{id}/outgoing': {
    get: {
      summary:
        'Messages sent from this mailbox through Mailroom, newest first, a page at a time (pass nextCursor back as cursor)',
      parameters: [path('id'), ...queryParameters(outgoingQuery)],
      responses: {
        200: json('A page of the outbox', {
          type: 'object',
          required: ['outgoing', 'nextCursor'],
          properties: {
            outgoing: { type: 'array', items: ref('OutgoingMessage') },
            nextCursor: { type: ['string', 'null'] },
          },
        }),
        400: errorResponse('`request.invalid`'),
        404: notVisible,
      },
    },
  },
  '/api/mailboxes/{id}/outgoing/{outgoingId}': {
    get: {
      summary: 'One message’s state',
      parameters: [path('id'), path('outgoingId')],
      responses: { 200: json('The message', ref('OutgoingMessage')), 404: notVisible },
    },
    delete: {
      summary: 'Discard a failed message (its writer or an administrator)',
      parameters: [path('id'), path('outgoingId')],
      responses: {
        204: { description: 'Discarded' },
        403: errorResponse('`send.forbidden`: not the message’s writer nor an administrator'),
        404: notVisible,
        409: errorResponse('`send.not_retryable`: only a failed message is discarded'),
      },
    },
  },
  '/api/mailboxes/{id}/outgoing/{outgoingId}/retry': {
    post: {
      summary:
        'Queue a failed message again (its writer or an administrator; same bytes, same Message-ID; never delivered twice)',
      parameters: [path('id'), path('outgoingId')],
      responses: {
        202: json('Queued again', ref('OutgoingMessage')),
        ...refusals,
        403: errorResponse('`send.forbidden`: not the message’s writer nor an administrator'),
        409: errorResponse('`send.not_retryable` (not failed), `send.mailbox_not_connected`'),
      },
    },
  },
};
