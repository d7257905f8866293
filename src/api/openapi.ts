/**
 * The OpenAPI 3.1 document served at /api/openapi.json, next to the routes it describes. Request bodies and
 * query parameters come from the zod schemas the routes validate with (openapi-helpers.ts `jsonBody`,
 * `queryParameters`; test/app/openapi-requests.test.ts); responses are written by hand, and
 * test/app/openapi.test.ts checks that every documented path answers.
 */
import { diagnosePaths, diagnoseSchemas } from '../diagnose/openapi-paths.ts';
import { eventsPaths, eventsSchemas } from '../events/openapi-paths.ts';
import { appAccessPaths, appAccessSchemas } from '../mailboxes/app-access/openapi-paths.ts';
import { systemMailboxSchema, systemMailboxUpdateSchema } from '../mailboxes/system-mailboxes.ts';
import { certificateRequestSchema } from '../microsoft/credentials/certificate-input.ts';
import { settingsInputSchema } from '../microsoft/settings-input.ts';
import { readingPaths, readingSchemas } from '../reading/openapi-paths.ts';
import { sendPaths, sendSchemas } from '../send/openapi-paths.ts';
import { webhooksPaths, webhooksSchemas } from '../webhooks/openapi-paths.ts';
import { deleteQuery, folderSelectionBody, foldersQuery, viaBodies } from './mailboxes-input.ts';
import { withCallerErrors } from './openapi-caller-errors.ts';
import { errorResponse, json, jsonBody, path, queryParameters, ref } from './openapi-helpers.ts';

const idParam = path('id');

/** PUT …/send-via and …/mail-via: one setting under two names, each with its own body field. */
const mailViaPath = (field: 'sendVia' | 'mailVia', summary: string) => ({
  put: {
    summary,
    parameters: [idParam],
    requestBody: jsonBody(viaBodies[field]),
    responses: {
      200: json('The mailbox, saying how it reads and sends now and why', ref('Mailbox')),
      400: errorResponse('Not one of auto, smtp, graph'),
      403: errorResponse('Not the owner (personal) or an administrator (system mailbox)'),
      404: errorResponse('No such mailbox'),
    },
  },
});

const settings = {
  type: 'object',
  required: [
    'clientId',
    'tenant',
    'cloud',
    'customAuthorityUrl',
    'credentialKind',
    'assertionAlgorithm',
    'clientSecret',
    'certificate',
    'credentialExpiry',
    'signinEnabled',
    'syncEnabled',
    'allowedDomains',
    'allowedTenantIds',
    'passwordDisabledDomains',
    'autoProvision',
    'signOutOfMicrosoft',
    'customImapServer',
    'customSmtpServer',
    'credentialsComplete',
    'redirectUris',
    'updatedAt',
    'updatedBy',
  ],
  properties: {
    clientId: { type: ['string', 'null'], format: 'uuid' },
    tenant: { type: ['string', 'null'], description: 'GUID, verified domain, "organizations" or "common"' },
    cloud: { enum: ['global', 'usgov', 'china', 'custom'] },
    customAuthorityUrl: { type: ['string', 'null'], format: 'uri' },
    credentialKind: {
      enum: ['secret', 'certificate'],
      description: 'Which credential the token requests use',
    },
    assertionAlgorithm: {
      enum: ['RS256', 'PS256'],
      description: 'Certificate assertions: RS256 with x5t, or PS256 with x5t#S256',
    },
    clientSecret: {
      type: 'object',
      description: 'Never returned; only whether and when it was set, and its expiry as entered.',
      required: ['set', 'setAt', 'expiresAt'],
      properties: {
        set: { type: 'boolean' },
        setAt: { type: ['string', 'null'], format: 'date-time' },
        expiresAt: { type: ['string', 'null'], format: 'date-time' },
      },
    },
    certificate: {
      oneOf: [{ type: 'null' }, { $ref: '#/components/schemas/MicrosoftCertificate' }],
    },
    credentialExpiry: {
      type: ['object', 'null'],
      description: 'The expiry of the credential in use (certificate notAfter, or the secret as entered)',
      required: ['kind', 'expiresAt'],
      properties: {
        kind: { enum: ['secret', 'certificate'] },
        expiresAt: { type: 'string', format: 'date-time' },
      },
    },
    signinEnabled: { type: 'boolean' },
    syncEnabled: { type: 'boolean' },
    allowedDomains: { type: 'array', items: { type: 'string' } },
    allowedTenantIds: { type: 'array', items: { type: 'string', format: 'uuid' } },
    passwordDisabledDomains: { type: 'array', items: { type: 'string' } },
    autoProvision: { type: 'boolean' },
    signOutOfMicrosoft: { type: 'boolean' },
    customImapServer: { type: ['string', 'null'], description: 'host:port, custom cloud only' },
    customSmtpServer: { type: ['string', 'null'], description: 'host:port, custom cloud only' },
    credentialsComplete: { type: 'boolean' },
    redirectUris: {
      type: 'object',
      required: ['signIn', 'mailboxConnection'],
      properties: {
        signIn: { type: 'string', format: 'uri' },
        mailboxConnection: { type: 'string', format: 'uri' },
      },
    },
    updatedAt: { type: ['string', 'null'], format: 'date-time' },
    updatedBy: { type: ['string', 'null'] },
  },
};

const certificate = {
  type: 'object',
  description:
    'The certificate’s public parts; its private key is never returned. `pem` only in the answers of …/certificate, not in the settings.',
  required: ['thumbprint', 'x5t', 'x5tS256', 'subject', 'notBefore', 'notAfter', 'source', 'setAt'],
  properties: {
    thumbprint: { type: 'string', description: 'SHA-1, upper-case hex, as the Azure portal shows it' },
    x5t: { type: 'string' },
    x5tS256: { type: 'string' },
    subject: { type: 'string' },
    notBefore: { type: 'string', format: 'date-time' },
    notAfter: { type: 'string', format: 'date-time' },
    source: { enum: ['generated', 'uploaded'] },
    setAt: { type: 'string', format: 'date-time' },
    pem: { type: 'string', description: 'The certificate in PEM, to upload in Azure' },
  },
};

/** The answers of …/certificate carry the PEM to upload in Azure; the settings do not. */
const certificateWithPem = {
  allOf: [{ $ref: '#/components/schemas/MicrosoftCertificate' }, { type: 'object', required: ['pem'] }],
};

const checkResult = {
  type: 'object',
  required: ['ok', 'outcome', 'message', 'diagnostics'],
  properties: {
    ok: { type: 'boolean' },
    outcome: {
      enum: [
        'ok',
        'incomplete',
        'secret_invalid',
        'secret_expired',
        'certificate_not_registered',
        'assertion_time',
        'app_not_found',
        'tenant_not_found',
        'multi_tenant_unverified',
        'throttled',
        'unreachable',
        'timeout',
        'tls',
        'unexpected',
      ],
    },
    message: { type: 'string' },
    diagnostics: {
      type: 'object',
      description: 'Empty when Microsoft said nothing more (e.g. when the check passed)',
      properties: {
        aadsts: { type: 'integer' },
        traceId: { type: 'string' },
        correlationId: { type: 'string' },
        timestamp: { type: 'string' },
        detail: { type: 'string' },
      },
    },
  },
};

export const openApiDocument = (serverUrl: string) => ({
  openapi: '3.1.0',
  info: {
    title: 'Mailroom API',
    version: '0.1.0',
    description: 'Errors are `{ "error": { "code", "message" } }` with a stable code.',
  },
  servers: [{ url: serverUrl }],
  security: [{ bearer: [] }, { session: [], csrf: [] }],
  components: {
    securitySchemes: {
      bearer: {
        type: 'http',
        scheme: 'bearer',
        description: 'An API token from `mailroom api-token create --user EMAIL`.',
      },
      session: { type: 'apiKey', in: 'cookie', name: 'mailroom_session' },
      csrf: {
        type: 'apiKey',
        in: 'header',
        name: 'X-CSRF-Token',
        description: 'Required with the session cookie on POST, PUT, PATCH and DELETE.',
      },
    },
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: {
              code: { type: 'string' },
              message: { type: 'string' },
              fields: { type: 'object', additionalProperties: { type: 'string' } },
            },
          },
        },
      },
      MicrosoftSettings: settings,
      MicrosoftCertificate: certificate,
      CheckResult: checkResult,
      Mailbox: {
        type: 'object',
        required: [
          'id',
          'kind',
          'label',
          'address',
          'enabled',
          'account',
          'accessMode',
          'connected',
          'state',
          'stateCode',
          'stateMessage',
          'stateAt',
          'nextAttemptAt',
          'sendProblem',
          'sendVia',
          'sendsThrough',
          'sendsThroughReason',
          'sendsThroughAt',
          'mailVia',
          'readsThrough',
          'readsThroughReason',
          'readsThroughAt',
        ],
        properties: {
          id: { type: 'string' },
          kind: { enum: ['user', 'system'] },
          label: { type: ['string', 'null'] },
          address: { type: 'string' },
          enabled: { type: 'boolean' },
          account: {
            type: ['object', 'null'],
            required: ['tenantId', 'upn'],
            properties: { tenantId: { type: 'string' }, upn: { type: ['string', 'null'] } },
          },
          accessMode: {
            enum: ['person', 'application'],
            description:
              'System mailboxes: connected by a person (their delegated tokens) or application access (client credentials, no person)',
          },
          connected: { type: 'boolean' },
          state: {
            enum: ['not_connected', 'connected', 'reconnect_required', 'admin_action_required', 'retrying'],
            description:
              'Who must act: the user reconnects, an administrator fixes the app or tenant, or Mailroom retries at nextAttemptAt.',
          },
          stateCode: {
            type: ['string', 'null'],
            description: 'e.g. AADSTS50173, AADSTS7000222, http_429, imap.not_connected, smtp.auth_disabled',
          },
          stateMessage: { type: ['string', 'null'] },
          stateAt: { type: ['string', 'null'], format: 'date-time' },
          nextAttemptAt: { type: ['string', 'null'], format: 'date-time' },
          sendProblem: {
            type: ['object', 'null'],
            description:
              'Why sending fails while reading works (e.g. smtp.auth_disabled); null when sending works.',
            required: ['code', 'message', 'at'],
            properties: {
              code: { type: 'string' },
              message: { type: 'string' },
              at: { type: 'string', format: 'date-time' },
            },
          },
          sendVia: {
            enum: ['auto', 'smtp', 'graph'],
            description:
              'How the mailbox is to send: auto (SMTP, and Microsoft Graph from the first `535 5.7.139` on: SMTP AUTH switched off), smtp, or graph.',
          },
          sendsThrough: { enum: ['smtp', 'graph'], description: 'How it sends now.' },
          sendsThroughReason: {
            type: ['string', 'null'],
            description:
              'Why it sends that way, e.g. Exchange’s refusal of SMTP AUTH; null while it sends as it always did.',
          },
          sendsThroughAt: { type: ['string', 'null'], format: 'date-time', description: 'Since when.' },
          mailVia: {
            enum: ['auto', 'smtp', 'graph'],
            description:
              'The mailbox’s way to Microsoft 365, for reading and sending (the same setting as sendVia): auto (IMAP and SMTP, and Microsoft Graph for the half Exchange refuses), smtp (IMAP and SMTP only), or graph.',
          },
          readsThrough: { enum: ['imap', 'graph'], description: 'How it reads now.' },
          readsThroughReason: {
            type: ['string', 'null'],
            description:
              'Why it reads that way, e.g. Exchange refusing IMAP for the mailbox; null while it reads as it always did.',
          },
          readsThroughAt: { type: ['string', 'null'], format: 'date-time', description: 'Since when.' },
          graphAllowed: {
            type: 'boolean',
            description:
              'Only in GET /mailboxes/{id}: whether Microsoft gave Mailroom a Graph token for the mailbox (its owner, or an administrator for a system mailbox, pressed “Allow Mailroom to use Microsoft Graph” on its page, or an administrator granted admin consent for Graph and Mailroom used it).',
          },
        },
      },
      Folder: {
        type: 'object',
        required: ['path', 'name', 'parentPath', 'specialUse', 'selected'],
        properties: {
          path: { type: 'string' },
          name: { type: 'string' },
          parentPath: { type: ['string', 'null'] },
          specialUse: {
            type: ['string', 'null'],
            description: 'From the server’s LIST attributes, e.g. \\Sent',
          },
          selected: { type: 'boolean' },
        },
      },
      ConnectionCheck: {
        type: 'object',
        required: ['imap', 'smtp'],
        properties: Object.fromEntries(
          ['imap', 'smtp'].map((p) => [
            p,
            {
              type: 'object',
              required: ['ok', 'code', 'message'],
              properties: {
                ok: { type: 'boolean' },
                code: { type: ['string', 'null'] },
                message: { type: 'string' },
              },
            },
          ]),
        ),
      },
      SystemMailbox: {
        allOf: [
          { $ref: '#/components/schemas/Mailbox' },
          {
            type: 'object',
            required: ['access'],
            properties: {
              access: {
                type: 'object',
                required: ['userIds', 'roles'],
                properties: {
                  userIds: { type: 'array', items: { type: 'string' } },
                  roles: { type: 'array', items: { enum: ['staff', 'administrator'] } },
                },
              },
            },
          },
        ],
      },
      ...readingSchemas,
      ...sendSchemas,
      ...appAccessSchemas,
      ...eventsSchemas,
      ...webhooksSchemas,
      ...diagnoseSchemas,
      Me: {
        type: 'object',
        required: ['id', 'email', 'displayName', 'role'],
        properties: {
          id: { type: 'string' },
          email: { type: 'string' },
          displayName: { type: 'string' },
          role: { enum: ['administrator', 'staff'] },
        },
      },
    },
  },
  paths: withCallerErrors({
    '/api/me': {
      get: {
        summary: 'The authenticated user',
        responses: {
          200: json('The user', ref('Me')),
          401: errorResponse('Not authenticated'),
        },
      },
    },
    '/api/settings/microsoft': {
      get: {
        summary: 'Microsoft 365 settings (administrators)',
        responses: {
          200: json('The settings', ref('MicrosoftSettings')),
          401: errorResponse('Not authenticated'),
          403: errorResponse('Not an administrator'),
        },
      },
      put: {
        summary: 'Replace the Microsoft 365 settings (administrators)',
        requestBody: jsonBody(settingsInputSchema),
        responses: {
          200: json('The saved settings', ref('MicrosoftSettings')),
          400: errorResponse('`settings.invalid` with a message per field in `fields`'),
          401: errorResponse('Not authenticated'),
          403: errorResponse('Not an administrator'),
        },
      },
    },
    '/api/settings/microsoft/check': {
      post: {
        summary: 'Check configuration: ask Microsoft for a client-credentials token with the saved settings',
        responses: {
          200: json('The outcome, in words', ref('CheckResult')),
          401: errorResponse('Not authenticated'),
          403: errorResponse('Not an administrator'),
        },
      },
    },
    '/api/settings/microsoft/certificate': {
      get: {
        summary: 'The stored certificate (public parts and PEM) to upload in Azure (administrators)',
        responses: {
          200: json('The certificate', certificateWithPem),
          401: errorResponse('Not authenticated'),
          403: errorResponse('Not an administrator'),
          404: errorResponse('`certificate.not_found`: none generated or uploaded yet'),
        },
      },
      post: {
        summary:
          'Generate a certificate (`{"generate": true}`: RSA 2048, self-signed, two years) or upload one (`{"certificate": PEM, "privateKey": PEM}`); it replaces the stored one (administrators)',
        requestBody: jsonBody(certificateRequestSchema),
        responses: {
          201: json('The stored certificate', certificateWithPem),
          400: errorResponse(
            '`certificate.invalid` (not PEM, key not the certificate’s, RSA under 2048 bits, expired, too long) with `fields`, or `request.invalid`',
          ),
          401: errorResponse('Not authenticated'),
          403: errorResponse('Not an administrator'),
        },
      },
    },
    '/api/mailboxes': {
      get: {
        summary: 'The mailboxes the caller may see, with their connection state',
        responses: {
          200: json('The mailboxes', {
            type: 'object',
            required: ['mailboxes'],
            properties: { mailboxes: { type: 'array', items: ref('Mailbox') } },
          }),
          401: errorResponse('Not authenticated'),
        },
      },
    },
    '/api/mailboxes/{id}': {
      get: {
        summary: 'One mailbox',
        parameters: [idParam],
        responses: {
          200: json('The mailbox, with graphAllowed', {
            allOf: [ref('Mailbox'), { type: 'object', required: ['graphAllowed'] }],
          }),
          404: errorResponse('No such mailbox (or not visible)'),
        },
      },
      delete: {
        summary:
          'Disconnect and delete a mailbox (`?mail=keep` keeps it and its mail, forgetting only the tokens)',
        parameters: [idParam, ...queryParameters(deleteQuery)],
        responses: {
          204: { description: 'Done' },
          403: errorResponse('Not the owner or an administrator'),
          404: errorResponse('No such mailbox'),
        },
      },
    },
    '/api/mailboxes/{id}/folders': {
      get: {
        summary:
          'The stored folders, as a flat list with parents (a GET changes nothing: `?refresh=true` is refused, use POST …/folders/refresh)',
        parameters: [idParam, ...queryParameters(foldersQuery)],
        responses: {
          200: json('Folders', {
            type: 'object',
            required: ['folders'],
            properties: { folders: { type: 'array', items: ref('Folder') } },
          }),
          400: errorResponse('`request.invalid`: `?refresh=true` on a GET'),
          404: errorResponse('No such mailbox'),
        },
      },
      put: {
        summary: 'Choose the folders to sync',
        parameters: [idParam],
        requestBody: jsonBody(folderSelectionBody),
        responses: {
          200: json('Folders', {
            type: 'object',
            required: ['folders'],
            properties: { folders: { type: 'array', items: ref('Folder') } },
          }),
          400: errorResponse('`mailbox.unknown_folder` or `request.invalid`'),
          403: errorResponse('Not the owner (personal) or an administrator (system mailbox)'),
          404: errorResponse('No such mailbox'),
        },
      },
    },
    '/api/mailboxes/{id}/folders/refresh': {
      post: {
        summary:
          'Retrieve the folder list (over IMAP, or through Microsoft Graph for a mailbox read through Graph) and store it, keeping the ticks (the owner, or an administrator for a system mailbox)',
        parameters: [idParam],
        responses: {
          200: json('Folders', {
            type: 'object',
            required: ['folders'],
            properties: { folders: { type: 'array', items: ref('Folder') } },
          }),
          403: errorResponse('Not the owner (personal) or an administrator (system mailbox)'),
          404: errorResponse('No such mailbox'),
          502: errorResponse('IMAP or Graph failed; the mailbox state says who must act'),
        },
      },
    },
    '/api/mailboxes/{id}/check': {
      post: {
        summary: 'Check connection: log in over IMAP and SMTP with XOAUTH2',
        parameters: [idParam],
        responses: {
          200: json('Each protocol’s result in words', ref('ConnectionCheck')),
          403: errorResponse('Not the owner or an administrator'),
          404: errorResponse('No such mailbox'),
        },
      },
    },
    '/api/mailboxes/{id}/send-via': mailViaPath(
      'sendVia',
      'Choose the mailbox’s way to Microsoft 365, for reading and sending (the first name of `mail-via`): auto (IMAP and SMTP, then Microsoft Graph for the half Exchange refuses), smtp (IMAP and SMTP only) or graph (the owner, or an administrator for a system mailbox)',
    ),
    '/api/mailboxes/{id}/mail-via': mailViaPath(
      'mailVia',
      'Choose the mailbox’s way to Microsoft 365, for reading and sending: auto (IMAP and SMTP, then Microsoft Graph for the half Exchange refuses: SMTP AUTH off, or IMAP off for the mailbox), smtp (IMAP and SMTP only) or graph (Microsoft Graph only) (the owner, or an administrator for a system mailbox)',
    ),
    '/api/mailboxes/{id}/sync': {
      post: {
        summary: 'Sync now: enqueue a sync of the mailbox; a worker runs it',
        parameters: [idParam],
        responses: {
          202: json('Enqueued (`started` is always true; one sync waits per mailbox)', {
            type: 'object',
            required: ['started'],
            properties: { started: { const: true } },
          }),
          404: errorResponse('No such mailbox'),
        },
      },
      get: {
        summary: 'Sync progress per folder (done of total)',
        parameters: [idParam],
        responses: {
          200: json('Progress', {
            type: 'object',
            required: ['folders'],
            properties: {
              folders: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['path', 'status', 'done', 'total', 'lastSyncedAt', 'lastError'],
                  properties: {
                    path: { type: 'string' },
                    status: { enum: ['idle', 'syncing', 'failed'] },
                    done: { type: 'integer' },
                    total: { type: 'integer' },
                    lastSyncedAt: { type: ['string', 'null'], format: 'date-time' },
                    lastError: { type: ['string', 'null'] },
                  },
                },
              },
            },
          }),
          404: errorResponse('No such mailbox'),
        },
      },
    },
    ...readingPaths,
    ...sendPaths,
    ...appAccessPaths,
    ...eventsPaths,
    ...webhooksPaths,
    ...diagnosePaths,
    '/api/system-mailboxes': {
      get: {
        summary: 'System mailboxes (administrators)',
        responses: {
          200: json('System mailboxes', {
            type: 'object',
            required: ['systemMailboxes'],
            properties: { systemMailboxes: { type: 'array', items: ref('SystemMailbox') } },
          }),
          403: errorResponse('Not an administrator'),
        },
      },
      post: {
        summary:
          'Add a system mailbox (connect it afterwards in the browser, with an account that has FullAccess)',
        requestBody: jsonBody(systemMailboxSchema),
        responses: {
          201: json('Created', ref('SystemMailbox')),
          400: errorResponse('`system_mailbox.invalid` with fields'),
          403: errorResponse('Not an administrator'),
          409: errorResponse('`system_mailbox.conflict`: label or address taken'),
        },
      },
    },
    '/api/system-mailboxes/{id}': {
      get: {
        summary: 'One system mailbox',
        parameters: [idParam],
        responses: {
          200: json('The system mailbox', ref('SystemMailbox')),
          404: errorResponse('No such system mailbox'),
        },
      },
      put: {
        summary: 'Change label, enabled flag and access',
        parameters: [idParam],
        requestBody: jsonBody(systemMailboxUpdateSchema),
        responses: {
          200: json('Saved', ref('SystemMailbox')),
          400: errorResponse('Invalid'),
          404: errorResponse('No such system mailbox'),
          409: errorResponse('Label taken'),
        },
      },
      delete: {
        summary: 'Delete a system mailbox and what was synced from it',
        parameters: [idParam],
        responses: { 204: { description: 'Deleted' }, 404: errorResponse('No such system mailbox') },
      },
    },
    '/healthz': {
      get: { summary: 'The process is up', security: [], responses: { 200: { description: 'ok' } } },
    },
    '/readyz': {
      get: {
        summary: 'The database is reachable',
        security: [],
        responses: { 200: { description: 'ready' }, 503: { description: 'database unreachable' } },
      },
    },
  }),
});
