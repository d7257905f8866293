import { errorResponse, json, path, ref } from '../api/openapi-helpers.ts';
import { DIAGNOSE_STEPS } from './steps.ts';

const stepIds = DIAGNOSE_STEPS.map((s) => s.id);

export const diagnoseSchemas = {
  DiagnoseStep: {
    type: 'object',
    required: ['step', 'title', 'status', 'code', 'whoMustAct', 'message', 'fix', 'docs'],
    properties: {
      step: { enum: stepIds },
      title: { type: 'string' },
      status: { enum: ['ok', 'failed', 'skipped'] },
      code: {
        type: ['string', 'null'],
        description:
          'The wire code where there is one (`AADSTS7000222`, SMTP `5.7.139`, Graph `ErrorAccessDenied`), else Mailroom’s stable code (`imap.auth_failed`, `token.missing_permissions`, `settings.incomplete`, …).',
      },
      serverText: {
        type: ['string', 'null'],
        description: 'The server’s own words (IMAP text, SMTP reply).',
      },
      whoMustAct: { enum: ['user', 'administrator', 'microsoft', 'nobody', null] },
      message: { type: 'string' },
      fix: { type: ['string', 'null'], description: 'An Entra portal path or a PowerShell line.' },
      docs: {
        type: 'string',
        description:
          'The guide’s section for this step: `/docs/troubleshooting#<anchor>` (docs/troubleshooting.md).',
      },
      token: {
        type: 'object',
        description:
          'What the token carries, decoded from its payload without verification (display only; never the token).',
        required: ['resource', 'audience', 'scopes', 'roles', 'expiresAt', 'needed', 'missing'],
        // Closed: what the token carries, field by field (steps/token.ts), never the token itself.
        additionalProperties: false,
        properties: {
          resource: { enum: ['outlook', 'graph'] },
          audience: { type: ['string', 'null'] },
          scopes: { type: 'array', items: { type: 'string' } },
          roles: { type: 'array', items: { type: 'string' } },
          expiresAt: { type: ['string', 'null'], format: 'date-time' },
          needed: {
            type: 'object',
            required: ['scopes', 'roles'],
            properties: {
              scopes: { type: 'array', items: { type: 'string' } },
              roles: { type: 'array', items: { type: 'string' } },
            },
          },
          missing: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
  Diagnosis: {
    type: 'object',
    required: ['mailboxId', 'address', 'kind', 'verdict', 'brokenStep', 'steps', 'at'],
    properties: {
      mailboxId: { type: 'string' },
      address: { type: 'string' },
      kind: { enum: ['user', 'system'] },
      verdict: { enum: ['ok', 'failed'] },
      brokenStep: {
        enum: [...stepIds, null],
        description: 'The first failed step; later steps are skipped.',
      },
      steps: { type: 'array', items: ref('DiagnoseStep') },
      at: { type: 'string', format: 'date-time' },
    },
  },
};

export const diagnosePaths = {
  '/api/mailboxes/{id}/diagnose': {
    post: {
      summary:
        'Diagnose: walk the mailbox’s chain (settings, authority, tokens, IMAP, SMTP, Graph, FullAccess, Send As, credential expiry) and stop at the first broken link. Owner, or administrators for a system mailbox. Sends nothing; stores only what a token refresh stores.',
      parameters: [path('id')],
      responses: {
        200: json('The diagnosis', ref('Diagnosis')),
        403: errorResponse('A system mailbox, and not an administrator'),
        404: errorResponse('No such mailbox, or not the caller’s'),
        409: errorResponse('`diagnose.in_progress`: a Diagnose of this mailbox is running'),
      },
    },
  },
  '/api/diagnose': {
    post: {
      summary:
        'Diagnose all: every mailbox of the installation, four at a time, broken ones first (administrators)',
      responses: {
        200: json('Every mailbox’s diagnosis', {
          type: 'object',
          required: ['mailboxes'],
          properties: { mailboxes: { type: 'array', items: ref('Diagnosis') } },
        }),
        403: errorResponse('Not an administrator'),
        409: errorResponse('`diagnose.in_progress`: Diagnose all is running'),
      },
    },
  },
};
