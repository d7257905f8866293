/**
 * The OpenAPI 3.1 document served at /api/openapi.json. Written by hand next to the routes it describes;
 * test/app/openapi.test.ts checks that every documented path answers and every API route is documented.
 */
const error = { $ref: '#/components/schemas/Error' };
const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: error } },
});

const settings = {
  type: 'object',
  properties: {
    clientId: { type: ['string', 'null'], format: 'uuid' },
    tenant: { type: ['string', 'null'], description: 'GUID, verified domain, "organizations" or "common"' },
    cloud: { enum: ['global', 'usgov', 'china', 'custom'] },
    customAuthorityUrl: { type: ['string', 'null'], format: 'uri' },
    clientSecret: {
      type: 'object',
      description: 'Never returned; only whether and when it was set.',
      properties: { set: { type: 'boolean' }, setAt: { type: ['string', 'null'], format: 'date-time' } },
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
      properties: {
        signIn: { type: 'string', format: 'uri' },
        mailboxConnection: { type: 'string', format: 'uri' },
      },
    },
    updatedAt: { type: ['string', 'null'], format: 'date-time' },
    updatedBy: { type: ['string', 'null'] },
  },
};

const settingsInput = {
  type: 'object',
  properties: {
    clientId: { type: 'string', format: 'uuid' },
    tenant: { type: 'string' },
    cloud: { enum: ['global', 'usgov', 'china', 'custom'] },
    customAuthorityUrl: { type: 'string', format: 'uri' },
    clientSecret: {
      type: 'string',
      writeOnly: true,
      description: "The secret's Value (not its ID). Omit or send empty to keep the stored one.",
    },
    signinEnabled: { type: 'boolean' },
    syncEnabled: { type: 'boolean' },
    allowedDomains: { type: 'array', items: { type: 'string' } },
    allowedTenantIds: {
      type: 'array',
      items: { type: 'string', format: 'uuid' },
      description: 'Only with organizations/common',
    },
    passwordDisabledDomains: { type: 'array', items: { type: 'string' } },
    autoProvision: { type: 'boolean', description: 'Create staff users at their first Microsoft sign-in' },
    signOutOfMicrosoft: { type: 'boolean' },
    customImapServer: { type: 'string', description: 'host:port of IMAP over TLS, custom cloud only' },
    customSmtpServer: { type: 'string', description: 'host:port of SMTP with STARTTLS, custom cloud only' },
  },
};

const checkResult = {
  type: 'object',
  properties: {
    ok: { type: 'boolean' },
    outcome: {
      enum: [
        'ok',
        'incomplete',
        'secret_invalid',
        'secret_expired',
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
      MicrosoftSettingsInput: settingsInput,
      CheckResult: checkResult,
      Me: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          email: { type: 'string' },
          displayName: { type: 'string' },
          role: { enum: ['administrator', 'staff'] },
        },
      },
    },
  },
  paths: {
    '/api/me': {
      get: {
        summary: 'The authenticated user',
        responses: {
          200: {
            description: 'The user',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/Me' } } },
          },
          401: errorResponse('Not authenticated'),
        },
      },
    },
    '/api/settings/microsoft': {
      get: {
        summary: 'Microsoft 365 settings (administrators)',
        responses: {
          200: {
            description: 'The settings',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/MicrosoftSettings' } } },
          },
          401: errorResponse('Not authenticated'),
          403: errorResponse('Not an administrator'),
        },
      },
      put: {
        summary: 'Replace the Microsoft 365 settings (administrators)',
        requestBody: {
          required: true,
          content: {
            'application/json': { schema: { $ref: '#/components/schemas/MicrosoftSettingsInput' } },
          },
        },
        responses: {
          200: {
            description: 'The saved settings',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/MicrosoftSettings' } } },
          },
          400: errorResponse('`settings.invalid` with a message per field in `fields`'),
          401: errorResponse('Not authenticated'),
          403: errorResponse('Not an administrator, or `csrf.invalid`'),
        },
      },
    },
    '/api/settings/microsoft/check': {
      post: {
        summary: 'Check configuration: ask Microsoft for a client-credentials token with the saved settings',
        responses: {
          200: {
            description: 'The outcome, in words',
            content: { 'application/json': { schema: { $ref: '#/components/schemas/CheckResult' } } },
          },
          401: errorResponse('Not authenticated'),
          403: errorResponse('Not an administrator'),
        },
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
  },
});
