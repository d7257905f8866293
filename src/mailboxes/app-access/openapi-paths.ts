/**
 * Application access of system mailboxes (issue 14 §1) in the OpenAPI document (src/api/openapi.ts spreads
 * it in), beside its routes (api.ts).
 */
import { errorResponse, json, jsonBody, path, ref } from '../../api/openapi-helpers.ts';
import { appAccessInputSchema } from './app-access.ts';
import { verifyInputSchema } from './verify.ts';

const idParam = path('id');

export const appAccessSchemas = {
  AppAccess: {
    type: 'object',
    required: [
      'mailboxId',
      'address',
      'access',
      'enterpriseObjectId',
      'scopeName',
      'mailboxes',
      'powershell',
    ],
    properties: {
      mailboxId: { type: 'string' },
      address: { type: 'string', format: 'email' },
      access: { enum: ['person', 'application'] },
      enterpriseObjectId: {
        type: ['string', 'null'],
        format: 'uuid',
        description: "The Enterprise application's object id (not the app registration's); installation-wide",
      },
      scopeName: {
        type: ['string', 'null'],
        description: 'RBAC for Applications scope name; null = not scoped',
      },
      mailboxes: {
        type: 'array',
        items: { type: 'string', format: 'email' },
        description: 'Every mailbox with application access',
      },
      powershell: { type: 'string', description: 'The Exchange Online PowerShell that sets it up' },
    },
  },
  AppAccessVerification: {
    type: 'object',
    required: ['ok', 'steps'],
    properties: {
      ok: { type: 'boolean' },
      steps: {
        type: 'array',
        items: {
          type: 'object',
          required: ['step', 'ok', 'code', 'message'],
          // Closed: the token step holds the application token internally; it must never reach the answer.
          additionalProperties: false,
          properties: {
            step: { enum: ['token', 'imap', 'sending', 'scope'] },
            ok: { type: 'boolean' },
            code: {
              type: ['string', 'null'],
              description:
                'e.g. app_access.consent_missing, app_access.full_access_missing, app_access.imap_refused, app_access.smtp_refused, app_access.scope_not_limiting, smtp.auth_disabled',
            },
            message: { type: 'string', description: 'What was found, who must act and what to run' },
          },
        },
      },
    },
  },
};

export const appAccessPaths = {
  '/api/system-mailboxes/{id}/access': {
    get: {
      summary: 'How Mailroom reaches the system mailbox, with the setup PowerShell (administrators)',
      parameters: [idParam],
      responses: {
        200: json('Access', ref('AppAccess')),
        403: errorResponse('Not an administrator'),
        404: errorResponse('No such system mailbox'),
      },
    },
    put: {
      summary:
        'Choose connected by a person or application access (either way the stored person tokens are dropped)',
      parameters: [idParam],
      requestBody: jsonBody(appAccessInputSchema),
      responses: {
        200: json('Saved', ref('AppAccess')),
        400: errorResponse('`request.invalid` with fields'),
        403: errorResponse('Not an administrator'),
        404: errorResponse('No such system mailbox'),
      },
    },
  },
  '/api/system-mailboxes/{id}/access/verify': {
    post: {
      summary:
        'Verify application access: token roles, IMAP login and SELECT, SMTP AUTH without sending, and that a mailbox outside the scope is refused',
      parameters: [idParam],
      requestBody: jsonBody(verifyInputSchema, { optional: true }),
      responses: {
        200: json('The steps, stopping at the first that failed', ref('AppAccessVerification')),
        400: errorResponse('Invalid outside address'),
        403: errorResponse('Not an administrator'),
        404: errorResponse('No such system mailbox'),
        409: errorResponse('`app_access.not_application`: the mailbox is connected by a person'),
      },
    },
  },
};
