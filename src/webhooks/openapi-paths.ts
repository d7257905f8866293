import { errorResponse, json, jsonBody, path, ref } from '../api/openapi-helpers.ts';
import { createInput, rotateInput, updateInput } from './endpoint-input.ts';
import { WEBHOOK_EVENT_TYPES } from './event-types.ts';

const id = path('id');
const adminOnly = 'Administrators only.';
const forbidden = errorResponse('The caller is not an administrator');
const missing = errorResponse('No webhook endpoint with this id');

const eventTypes = { type: 'array', items: { enum: [...WEBHOOK_EVENT_TYPES] }, minItems: 1 };

export const webhooksSchemas = {
  WebhookEndpoint: {
    type: 'object',
    required: [
      'id',
      'url',
      'description',
      'eventTypes',
      'mailboxId',
      'enabled',
      'disabled',
      'createdAt',
      'updatedAt',
    ],
    properties: {
      id: { type: 'string' },
      url: { type: 'string', format: 'uri' },
      description: { type: 'string' },
      eventTypes,
      mailboxId: {
        type: ['string', 'null'],
        description:
          'Only this mailbox’s events; null: the events of every mailbox (staff members’ own and the system mailboxes, those added later too).',
      },
      enabled: { type: 'boolean' },
      disabled: {
        type: ['object', 'null'],
        description:
          'Why Mailroom turned the endpoint off (`webhook.failing`: every attempt failed for 3 days).',
        required: ['code', 'reason', 'at'],
        properties: {
          code: { type: 'string' },
          reason: { type: 'string' },
          at: { type: 'string', format: 'date-time' },
        },
      },
      createdAt: { type: 'string', format: 'date-time' },
      updatedAt: { type: 'string', format: 'date-time' },
    },
  },
  WebhookDelivery: {
    type: 'object',
    required: ['id', 'webhookId', 'type', 'state', 'attempts', 'nextAttemptAt', 'createdAt', 'log'],
    properties: {
      id: { type: 'string' },
      webhookId: {
        type: 'string',
        description: 'The `webhook-id` header: the same on every attempt and resend.',
      },
      type: { type: 'string' },
      state: { enum: ['pending', 'delivered', 'failed'] },
      attempts: { type: 'integer' },
      nextAttemptAt: { type: ['string', 'null'], format: 'date-time' },
      createdAt: { type: 'string', format: 'date-time' },
      log: {
        type: 'array',
        items: {
          type: 'object',
          required: ['at', 'statusCode', 'durationMs', 'errorCode', 'error'],
          properties: {
            at: { type: 'string', format: 'date-time' },
            statusCode: { type: ['integer', 'null'] },
            durationMs: { type: 'integer' },
            errorCode: {
              type: ['string', 'null'],
              enum: [
                null,
                'webhook.private_address',
                'webhook.dns_failed',
                'webhook.connect_failed',
                'webhook.tls_failed',
                'webhook.timeout',
                'webhook.redirect',
                'webhook.http_status',
                'webhook.secret_unavailable',
              ],
            },
            error: { type: ['string', 'null'] },
          },
        },
      },
    },
  },
};

const secretAnswer = {
  secret: {
    type: 'string',
    description: 'The signing secret (`whsec_…`): in this answer only, never again.',
  },
};

/** The path's parameters on each of its operations (the document names them per operation). */
const withParameters = <T extends Record<string, object>>(parameters: object[], operations: T) =>
  Object.fromEntries(Object.entries(operations).map(([m, op]) => [m, { parameters, ...op }])) as T;

export const webhooksPaths = {
  '/api/webhooks': {
    get: {
      summary: `Webhook endpoints. ${adminOnly}`,
      responses: {
        200: json('The endpoints', {
          type: 'object',
          required: ['webhooks'],
          properties: { webhooks: { type: 'array', items: ref('WebhookEndpoint') } },
        }),
        403: forbidden,
      },
    },
    post: {
      summary: `Registers an endpoint; it receives events recorded from now on. ${adminOnly}`,
      requestBody: jsonBody(createInput(false)),
      responses: {
        201: json('The endpoint, with its secret (shown this once)', {
          allOf: [ref('WebhookEndpoint'), { type: 'object', required: ['secret'], properties: secretAnswer }],
        }),
        400: errorResponse('A field is not valid (`error.fields` says which)'),
        403: forbidden,
      },
    },
  },
  '/api/webhooks/{id}': withParameters([id], {
    get: {
      summary: `An endpoint. ${adminOnly}`,
      responses: { 200: json('The endpoint', ref('WebhookEndpoint')), 403: forbidden, 404: missing },
    },
    patch: {
      summary: `Changes an endpoint, or turns it on or off. ${adminOnly}`,
      requestBody: jsonBody(updateInput(false)),
      responses: {
        200: json('The endpoint', ref('WebhookEndpoint')),
        400: errorResponse('A field is not valid'),
        403: forbidden,
        404: missing,
      },
    },
    delete: {
      summary: `Deletes an endpoint and its delivery log. ${adminOnly}`,
      responses: { 204: { description: 'Deleted' }, 403: forbidden, 404: missing },
    },
  }),
  '/api/webhooks/{id}/rotate-secret': withParameters([id], {
    post: {
      summary: `A new signing secret; the old one keeps signing beside it for \`keepPreviousHours\`. ${adminOnly}`,
      requestBody: jsonBody(rotateInput, { optional: true }),
      responses: {
        200: json('The new secret (shown this once)', {
          type: 'object',
          required: ['secret', 'keepPreviousHours'],
          properties: { ...secretAnswer, keepPreviousHours: { type: 'integer' } },
        }),
        400: errorResponse('keepPreviousHours is not valid'),
        403: forbidden,
        404: missing,
      },
    },
  }),
  '/api/webhooks/{id}/deliveries': withParameters([id], {
    get: {
      summary: `The delivery log: the latest 50 messages, newest first, each with its attempts. ${adminOnly}`,
      responses: {
        200: json('The deliveries', {
          type: 'object',
          required: ['deliveries'],
          properties: { deliveries: { type: 'array', items: ref('WebhookDelivery') } },
        }),
        403: forbidden,
        404: missing,
      },
    },
  }),
  '/api/webhooks/{id}/deliveries/{deliveryId}/resend': withParameters([id, path('deliveryId')], {
    post: {
      summary: `Sends a message again (same webhook-id, a new retry window). ${adminOnly}`,
      responses: {
        202: json('Queued', {
          type: 'object',
          required: ['queued'],
          properties: { queued: { const: true } },
        }),
        403: forbidden,
        404: errorResponse('No such endpoint, or no such delivery of it'),
      },
    },
  }),
  '/api/webhooks/{id}/test': withParameters([id], {
    post: {
      summary: `Queues a \`webhook.test\` message to the endpoint. ${adminOnly}`,
      responses: {
        202: json('Queued', {
          type: 'object',
          required: ['queued', 'webhookId'],
          properties: { queued: { const: true }, webhookId: { type: 'string' } },
        }),
        403: forbidden,
        404: missing,
      },
    },
  }),
};
