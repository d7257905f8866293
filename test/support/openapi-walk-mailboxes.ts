/**
 * The contract walk of a person's mailbox: the mailbox, its folders and sync, reading, sending and
 * Diagnose. Megan (staff) works in her own mailbox; Sam, another staff member, is refused it.
 */
import assert from 'node:assert/strict';
import { ADELE } from './mailbox-setup.ts';
import { UNKNOWN, type Walks } from './openapi-walk.ts';
import type { Json } from './send-fixture.ts';

export const mailboxWalks: Walks = [
  [
    'GET /api/mailboxes',
    () => [
      { as: 'staff', status: 200 },
      { as: 'admin', status: 200 },
    ],
  ],
  [
    'GET /api/mailboxes/{id}',
    (w) => [
      { as: 'staff', params: { id: w.mailboxes.megan }, status: 200 },
      { as: 'admin', params: { id: w.mailboxes.support }, status: 200 },
      { as: 'sam', params: { id: w.mailboxes.megan }, status: 404 },
      { as: 'staff', params: { id: UNKNOWN }, status: 404 },
    ],
  ],
  [
    'GET /api/mailboxes/{id}/folders',
    (w) => [
      { as: 'staff', params: { id: w.mailboxes.megan }, status: 200 },
      { as: 'staff', params: { id: w.mailboxes.megan }, query: 'refresh=true', status: 400 },
      { as: 'sam', params: { id: w.mailboxes.megan }, status: 404 },
    ],
  ],
  [
    'PUT /api/mailboxes/{id}/folders',
    (w) => [
      {
        as: 'staff',
        params: { id: w.mailboxes.megan },
        body: { selected: ['INBOX', 'Sent Items'] },
        status: 200,
      },
      { as: 'staff', params: { id: w.mailboxes.megan }, body: { selected: ['No such folder'] }, status: 400 },
      { as: 'staff', params: { id: w.mailboxes.support }, body: { selected: ['INBOX'] }, status: 403 },
    ],
  ],
  [
    'POST /api/mailboxes/{id}/folders/refresh',
    (w) => [{ as: 'staff', params: { id: w.mailboxes.megan }, status: 200 }],
  ],
  [
    'POST /api/mailboxes/{id}/check',
    (w) => [
      { as: 'staff', params: { id: w.mailboxes.megan }, status: 200 },
      { as: 'staff', params: { id: w.mailboxes.support }, status: 403 },
    ],
  ],
  [
    'PUT /api/mailboxes/{id}/send-via',
    (w) => [
      { as: 'staff', params: { id: w.mailboxes.megan }, body: { sendVia: 'auto' }, status: 200 },
      { as: 'staff', params: { id: w.mailboxes.megan }, body: { sendVia: 'pigeon' }, status: 400 },
    ],
  ],
  [
    'PUT /api/mailboxes/{id}/mail-via',
    (w) => [
      { as: 'staff', params: { id: w.mailboxes.megan }, body: { mailVia: 'auto' }, status: 200 },
      { as: 'sam', params: { id: w.mailboxes.megan }, body: { mailVia: 'auto' }, status: 404 },
    ],
  ],
  [
    'POST /api/mailboxes/{id}/sync',
    (w) => [
      { as: 'staff', params: { id: w.mailboxes.megan }, status: 202 },
      { as: 'sam', params: { id: w.mailboxes.megan }, status: 404 },
    ],
  ],
  ['GET /api/mailboxes/{id}/sync', (w) => [{ as: 'staff', params: { id: w.mailboxes.megan }, status: 200 }]],
  [
    'GET /api/mailboxes/{id}/messages',
    (w) => [
      {
        as: 'staff',
        params: { id: w.mailboxes.megan },
        query: 'limit=3',
        status: 200,
        after: (json) => assert.ok(json.messages.length === 3 && json.nextCursor, 'a full page and a cursor'),
      },
      {
        as: 'staff',
        params: { id: w.mailboxes.megan },
        query: 'folder=INBOX&q=invoice&unread=true',
        status: 200,
      },
      { as: 'staff', params: { id: w.mailboxes.megan }, query: 'limit=0', status: 400 },
      { as: 'staff', params: { id: w.mailboxes.megan }, query: 'cursor=nonsense', status: 400 },
      { as: 'sam', params: { id: w.mailboxes.megan }, status: 404 },
    ],
  ],
  [
    'GET /api/mailboxes/{id}/messages/{messageId}',
    (w) => [
      { as: 'staff', params: { id: w.mailboxes.megan, messageId: w.ids.messageId! }, status: 200 },
      { as: 'staff', params: { id: w.mailboxes.megan, messageId: UNKNOWN }, status: 404 },
      { as: 'sam', params: { id: w.mailboxes.megan, messageId: w.ids.messageId! }, status: 404 },
    ],
  ],
  [
    'PATCH /api/mailboxes/{id}/messages/{messageId}',
    (w) => [
      {
        as: 'staff',
        params: { id: w.mailboxes.megan, messageId: w.ids.messageId! },
        body: { flagged: true },
        status: 200,
      },
      {
        as: 'staff',
        params: { id: w.mailboxes.megan, messageId: w.ids.messageId! },
        body: { seen: 'yes' },
        status: 400,
      },
    ],
  ],
  [
    'GET /api/mailboxes/{id}/messages/{messageId}/attachments/{attachmentId}',
    (w) => [
      {
        as: 'staff',
        params: { id: w.mailboxes.megan, messageId: w.ids.messageId!, attachmentId: w.ids.attachmentId! },
        status: 200,
      },
      {
        as: 'staff',
        params: { id: w.mailboxes.megan, messageId: w.ids.messageId!, attachmentId: UNKNOWN },
        status: 404,
      },
    ],
  ],
  [
    'POST /api/mailboxes/{id}/send',
    (w) => [
      {
        as: 'staff',
        params: { id: w.mailboxes.megan },
        body: { mode: 'reply', originalId: w.ids.messageId, text: 'Thank you, paid.' },
        headers: { 'idempotency-key': 'contract-reply' },
        status: 202,
      },
      {
        // The same request again under the same key: the first message back, not a second one.
        as: 'staff',
        params: { id: w.mailboxes.megan },
        body: { mode: 'reply', originalId: w.ids.messageId, text: 'Thank you, paid.' },
        headers: { 'idempotency-key': 'contract-reply' },
        status: 200,
      },
      {
        as: 'staff',
        params: { id: w.mailboxes.megan },
        body: { to: [ADELE], text: 'Another' },
        headers: { 'idempotency-key': 'contract-reply' },
        status: 409,
        code: 'send.idempotency_conflict',
      },
      {
        as: 'staff',
        params: { id: w.mailboxes.megan },
        body: { to: ['not an address'], text: 'x' },
        status: 400,
      },
      { as: 'sam', params: { id: w.mailboxes.megan }, body: { to: ['a@b.example'], text: 'x' }, status: 404 },
    ],
  ],
  [
    'GET /api/mailboxes/{id}/outgoing',
    (w) => [
      { as: 'staff', params: { id: w.mailboxes.megan }, status: 200 },
      {
        as: 'staff',
        params: { id: w.mailboxes.megan },
        query: 'state=failed&limit=1',
        status: 200,
        after: (json) => assert.ok(json.outgoing[0]?.error, 'a failed message, with its error'),
      },
      { as: 'staff', params: { id: w.mailboxes.megan }, query: 'state=lost', status: 400 },
    ],
  ],
  [
    'GET /api/mailboxes/{id}/outgoing/{outgoingId}',
    (w) => [
      { as: 'staff', params: { id: w.mailboxes.megan, outgoingId: w.ids.sent! }, status: 200 },
      { as: 'staff', params: { id: w.mailboxes.megan, outgoingId: w.ids.retryable! }, status: 200 },
      { as: 'admin', params: { id: w.mailboxes.megan, outgoingId: w.ids.sent! }, status: 404 },
      { as: 'staff', params: { id: w.mailboxes.megan, outgoingId: UNKNOWN }, status: 404 },
    ],
  ],
  [
    'POST /api/mailboxes/{id}/outgoing/{outgoingId}/retry',
    (w) => [
      { as: 'staff', params: { id: w.mailboxes.megan, outgoingId: w.ids.retryable! }, status: 202 },
      { as: 'staff', params: { id: w.mailboxes.megan, outgoingId: w.ids.sent! }, status: 409 },
    ],
  ],
  [
    'DELETE /api/mailboxes/{id}/outgoing/{outgoingId}',
    (w) => [
      { as: 'staff', params: { id: w.mailboxes.megan, outgoingId: w.ids.sent! }, status: 409 },
      { as: 'staff', params: { id: w.mailboxes.megan, outgoingId: w.ids.discardable! }, status: 204 },
      { as: 'staff', params: { id: w.mailboxes.megan, outgoingId: w.ids.discardable! }, status: 404 },
    ],
  ],
  [
    'POST /api/mailboxes/{id}/diagnose',
    (w) => [
      {
        as: 'staff',
        params: { id: w.mailboxes.megan },
        status: 200,
        after: (json) =>
          assert.ok(
            json.steps.some((s: Json) => s.token),
            'a step reports a token',
          ),
      },
      { as: 'staff', params: { id: w.mailboxes.support }, status: 403 },
      { as: 'sam', params: { id: w.mailboxes.megan }, status: 404 },
    ],
  ],
];
