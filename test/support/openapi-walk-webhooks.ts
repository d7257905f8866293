/**
 * The contract walk of webhooks: Adele (administrator) reads the endpoint the world made and its delivered
 * test message, makes one of her own, changes, rotates and deletes it; Megan (staff) is refused.
 */
import assert from 'node:assert/strict';
import { UNKNOWN, type Walks } from './openapi-walk.ts';

export const webhookWalks: Walks = [
  [
    'GET /api/webhooks',
    () => [
      { as: 'admin', status: 200 },
      { as: 'staff', status: 403 },
    ],
  ],
  [
    'POST /api/webhooks',
    (w) => [
      {
        as: 'admin',
        body: {
          url: w.receiver.url('/walk'),
          eventTypes: ['message.created', 'mailbox.state_changed'],
          mailboxId: w.mailboxes.megan,
          description: 'Walked',
        },
        status: 201,
        after: (json) => {
          w.ids.newWebhook = json.id;
        },
      },
      { as: 'admin', body: { url: 'ftp://x', eventTypes: [] }, status: 400 },
    ],
  ],
  [
    'GET /api/webhooks/{id}',
    (w) => [
      { as: 'admin', params: { id: w.ids.webhook! }, status: 200 },
      { as: 'admin', params: { id: UNKNOWN }, status: 404 },
      { as: 'staff', params: { id: w.ids.webhook! }, status: 403 },
    ],
  ],
  [
    'PATCH /api/webhooks/{id}',
    (w) => [
      {
        as: 'admin',
        params: { id: w.ids.newWebhook! },
        body: { enabled: false, description: 'Off' },
        status: 200,
      },
      { as: 'admin', params: { id: w.ids.newWebhook! }, body: { eventTypes: ['nothing'] }, status: 400 },
    ],
  ],
  [
    'POST /api/webhooks/{id}/rotate-secret',
    (w) => [
      { as: 'admin', params: { id: w.ids.newWebhook! }, body: { keepPreviousHours: 0 }, status: 200 },
      { as: 'admin', params: { id: w.ids.newWebhook! }, body: { keepPreviousHours: 99 }, status: 400 },
    ],
  ],
  [
    'GET /api/webhooks/{id}/deliveries',
    (w) => [
      {
        as: 'admin',
        params: { id: w.ids.webhook! },
        status: 200,
        after: (json) => assert.equal(json.deliveries[0]?.log[0]?.statusCode, 200, 'a delivered attempt'),
      },
      { as: 'admin', params: { id: UNKNOWN }, status: 404 },
    ],
  ],
  [
    'POST /api/webhooks/{id}/deliveries/{deliveryId}/resend',
    (w) => [
      { as: 'admin', params: { id: w.ids.webhook!, deliveryId: w.ids.delivery! }, status: 202 },
      { as: 'admin', params: { id: w.ids.webhook!, deliveryId: '999999' }, status: 404 },
    ],
  ],
  [
    'POST /api/webhooks/{id}/test',
    (w) => [
      { as: 'admin', params: { id: w.ids.webhook! }, status: 202 },
      { as: 'staff', params: { id: w.ids.webhook! }, status: 403 },
    ],
  ],
  [
    'DELETE /api/webhooks/{id}',
    (w) => [
      { as: 'staff', params: { id: w.ids.newWebhook! }, status: 403 },
      { as: 'admin', params: { id: w.ids.newWebhook! }, status: 204 },
      { as: 'admin', params: { id: w.ids.newWebhook! }, status: 404 },
    ],
  ],
];
