/**
 * The reading API's part of the OpenAPI document (src/api/openapi.ts spreads it in), kept beside the
 * routes it describes (api.ts).
 */
import { errorResponse, json, jsonBody, path, queryParameters, ref } from '../api/openapi-helpers.ts';
import { flagsBody, listQuery, messageQuery } from './api-input.ts';

const notVisible = errorResponse('No such mailbox, message or attachment, or not visible to the caller');

const address = {
  type: 'object',
  required: ['name', 'address'],
  properties: { name: { type: 'string' }, address: { type: ['string', 'null'] } },
};

const summary = {
  type: 'object',
  required: [
    'id',
    'threadId',
    'subject',
    'from',
    'to',
    'sentAt',
    'receivedAt',
    'snippet',
    'hasAttachments',
    'seen',
    'flagged',
    'loading',
  ],
  properties: {
    id: { type: 'string' },
    threadId: { type: 'string' },
    subject: { type: 'string' },
    from: { oneOf: [ref('Address'), { type: 'null' }] },
    to: { type: 'array', items: ref('Address') },
    sentAt: { type: ['string', 'null'], format: 'date-time', description: 'The Date header' },
    receivedAt: { type: 'string', format: 'date-time', description: 'When the server received it' },
    snippet: { type: 'string' },
    hasAttachments: { type: 'boolean' },
    seen: { type: 'boolean' },
    flagged: { type: 'boolean' },
    loading: {
      type: 'boolean',
      description: 'Listed from its header; its body, attachments and search text are still being read',
    },
  },
};

const attachment = {
  type: 'object',
  required: ['id', 'filename', 'contentType', 'size', 'disposition', 'contentId', 'inline'],
  properties: {
    id: { type: 'string' },
    filename: { type: ['string', 'null'] },
    contentType: { type: 'string' },
    size: { type: 'integer' },
    disposition: { type: ['string', 'null'] },
    contentId: { type: ['string', 'null'] },
    inline: { type: 'boolean', description: 'A picture of the HTML (cid:), not a file to list' },
  },
};

const message = {
  allOf: [
    ref('MessageSummary'),
    {
      type: 'object',
      required: [
        'cc',
        'messageId',
        'inReplyTo',
        'references',
        'folders',
        'size',
        'text',
        'html',
        'htmlCut',
        'attachments',
        'parseState',
        'parseError',
        'threadMessageIds',
      ],
      properties: {
        cc: { type: 'array', items: ref('Address') },
        messageId: { type: ['string', 'null'] },
        inReplyTo: { type: ['string', 'null'] },
        references: { type: 'array', items: { type: 'string' } },
        folders: { type: 'array', items: { type: 'string' } },
        size: { type: 'integer' },
        text: { type: ['string', 'null'] },
        html: {
          type: ['string', 'null'],
          description:
            'Sanitised (no script, event handler, form or frame); remote images have no src unless ?remoteImages=true, nor have cid: images (see attachments[].contentId)',
        },
        htmlCut: {
          type: 'boolean',
          description:
            'true when html is only the beginning (250,000 characters) of a longer HTML; the page offers the whole at /mail/{id}/messages/{messageId}/html',
        },
        attachments: { type: 'array', items: ref('Attachment') },
        parseState: {
          type: 'string',
          enum: ['pending', 'parsed', 'failed'],
          description:
            'pending: the body is still being read (loading); failed: it could not be (see parseError)',
        },
        parseError: { type: ['string', 'null'] },
        threadMessageIds: { type: 'array', items: { type: 'string' }, description: 'Oldest first' },
      },
    },
  ],
};

export const readingSchemas = {
  Address: address,
  MessageSummary: summary,
  Attachment: attachment,
  Message: message,
};

const messageParams = [path('id'), path('messageId')];

export const readingPaths = {
  '/api/mailboxes/{id}/messages': {
    get: {
      summary: 'Messages, newest first, a page at a time (pass nextCursor back as cursor)',
      parameters: [path('id'), ...queryParameters(listQuery)],
      responses: {
        200: json('A page', {
          type: 'object',
          required: ['messages', 'nextCursor'],
          properties: {
            messages: { type: 'array', items: ref('MessageSummary') },
            nextCursor: { type: ['string', 'null'] },
          },
        }),
        400: errorResponse('`request.invalid` (parameters) or `messages.invalid_cursor`'),
        404: notVisible,
      },
    },
  },
  '/api/mailboxes/{id}/messages/{messageId}': {
    get: {
      summary:
        'One message: headers, text, sanitised HTML, attachments, its thread (a GET marks nothing seen: PATCH `{"seen": true}` does)',
      parameters: [...messageParams, ...queryParameters(messageQuery)],
      responses: { 200: json('The message', ref('Message')), 404: notVisible },
    },
    patch: {
      summary:
        'Mark seen/unseen, flagged/unflagged: at once in Mailroom, on the server in the background (the message page sends `{"seen": true}` as its read receipt once shown; a session needs X-CSRF-Token)',
      parameters: messageParams,
      requestBody: jsonBody(flagsBody),
      responses: {
        200: json('The message’s summary with its new flags', ref('MessageSummary')),
        400: errorResponse('`request.invalid`'),
        404: notVisible,
      },
    },
  },
  '/api/mailboxes/{id}/messages/{messageId}/attachments/{attachmentId}': {
    get: {
      summary: 'An attachment’s content, as a download',
      parameters: [...messageParams, path('attachmentId')],
      responses: {
        200: {
          description:
            'The bytes, with Content-Disposition: attachment, under the attachment’s own type when it is harmless (application/pdf, image/png…); active types (HTML, SVG…) are sent as application/octet-stream',
          content: { '*/*': { schema: { type: 'string', format: 'binary' } } },
        },
        404: notVisible,
      },
    },
  },
};
