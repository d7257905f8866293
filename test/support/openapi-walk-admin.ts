/**
 * The contract walk of the installation: who is calling, the Microsoft 365 settings, system mailboxes and
 * their application access, events, Diagnose all and the health probes (webhooks: openapi-walk-webhooks.ts). Adele is the
 * administrator; Megan (staff) is refused what is the administrators' alone.
 */
import assert from 'node:assert/strict';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { SALES } from './contract-world.ts';
import { UNKNOWN, type Walks } from './openapi-walk.ts';
import type { Json } from './send-fixture.ts';

export const adminWalks: Walks = [
  ['GET /healthz', () => [{ as: 'anonymous', status: 200 }]],
  ['GET /readyz', () => [{ as: 'anonymous', status: 200 }]],
  [
    'GET /api/me',
    () => [
      { as: 'staff', status: 200 },
      { as: 'anonymous', status: 401 },
    ],
  ],
  [
    'GET /api/settings/microsoft',
    () => [
      { as: 'admin', status: 200 },
      { as: 'staff', status: 403 },
      { as: 'anonymous', status: 401 },
    ],
  ],
  [
    'PUT /api/settings/microsoft',
    (w) => [
      {
        as: 'admin',
        // The emulator's settings again (the stored secret is kept when none is sent).
        body: {
          clientId: DEMO.appId,
          tenant: DEMO.tenantId,
          cloud: 'custom',
          customAuthorityUrl: w.emu.httpsUrl,
          customImapServer: `127.0.0.1:${w.emu.mail!.imap.tlsPort}`,
          customSmtpServer: `127.0.0.1:${w.emu.mail!.smtp.port}`,
          signinEnabled: true,
          syncEnabled: true,
          clientSecretExpiresAt: '2099-01-31',
        },
        status: 200,
      },
      { as: 'admin', body: { clientId: 'not a GUID' }, status: 400 },
      { as: 'staff', body: { tenant: 'organizations' }, status: 403 },
    ],
  ],
  [
    'POST /api/settings/microsoft/check',
    () => [
      { as: 'admin', status: 200 },
      { as: 'staff', status: 403 },
    ],
  ],
  ['GET /api/settings/microsoft/certificate', () => [{ as: 'admin', status: 404 }]],
  [
    'POST /api/settings/microsoft/certificate',
    () => [
      { as: 'admin', body: { generate: true }, status: 201 },
      { as: 'admin', body: { certificate: 'not PEM', privateKey: 'not PEM' }, status: 400 },
      { as: 'staff', body: { generate: true }, status: 403 },
    ],
  ],
  // Now that there is one, alone and in the settings.
  ['GET /api/settings/microsoft/certificate', () => [{ as: 'admin', status: 200 }]],
  ['GET /api/settings/microsoft', () => [{ as: 'admin', status: 200 }]],
  [
    'GET /api/system-mailboxes',
    () => [
      { as: 'admin', status: 200 },
      { as: 'staff', status: 403 },
    ],
  ],
  [
    'POST /api/system-mailboxes',
    (w) => [
      {
        as: 'admin',
        body: { label: 'Sales', address: SALES, roles: ['staff'] },
        status: 201,
        after: (json) => {
          w.ids.sales = json.id;
        },
      },
      { as: 'admin', body: { label: 'Sales again', address: SALES }, status: 409 },
      { as: 'admin', body: { label: '' }, status: 400 },
      { as: 'staff', body: { label: 'Mine', address: `mine@${DEMO.domain}` }, status: 403 },
    ],
  ],
  [
    'GET /api/system-mailboxes/{id}',
    (w) => [
      { as: 'admin', params: { id: w.mailboxes.support }, status: 200 },
      { as: 'admin', params: { id: UNKNOWN }, status: 404 },
    ],
  ],
  [
    'PUT /api/system-mailboxes/{id}',
    (w) => [
      {
        as: 'admin',
        params: { id: w.ids.sales! },
        body: {
          label: 'Sales team',
          address: SALES,
          enabled: true,
          userIds: [w.ids.meganUser!],
          roles: ['administrator'],
        },
        after: (json) => assert.deepEqual(json.access.userIds, [w.ids.meganUser]),
        status: 200,
      },
      { as: 'admin', params: { id: w.ids.sales! }, body: { label: 'Support', address: SALES }, status: 409 },
    ],
  ],
  [
    'GET /api/system-mailboxes/{id}/access',
    (w) => [
      { as: 'admin', params: { id: w.mailboxes.support }, status: 200 },
      { as: 'admin', params: { id: w.mailboxes.megan }, status: 404 },
      { as: 'staff', params: { id: w.mailboxes.support }, status: 403 },
    ],
  ],
  [
    'PUT /api/system-mailboxes/{id}/access',
    (w) => [
      {
        as: 'admin',
        params: { id: w.ids.sales! },
        body: { access: 'application', enterpriseObjectId: w.enterpriseObjectId, scopeName: null },
        status: 200,
      },
      { as: 'admin', params: { id: w.ids.sales! }, body: { access: 'robot' }, status: 400 },
    ],
  ],
  [
    'POST /api/system-mailboxes/{id}/access/verify',
    (w) => [
      {
        as: 'admin',
        params: { id: w.ids.sales! },
        body: {},
        status: 200,
        // The token step passed: its answer (a closed schema) must not carry the token it got.
        after: (json) => assert.deepEqual([json.steps[0]?.step, json.steps[0]?.ok], ['token', true]),
      },
      { as: 'admin', params: { id: w.mailboxes.support }, body: {}, status: 409 },
    ],
  ],
  [
    'GET /api/events',
    () => [
      { as: 'admin', status: 200 },
      {
        // Megan's own mailbox: its sync and her sending, so each kind of event meets the schema.
        as: 'staff',
        query: 'after=0&limit=500',
        status: 200,
        after: (json) => {
          const types = new Set(json.events.map((e: Json) => e.type));
          for (const type of ['messages.stored', 'folder.synced', 'message.sent', 'message.send_failed'])
            assert.ok(types.has(type), `${type} among ${[...types].join(', ')}`);
        },
      },
      { as: 'sam', status: 200 },
      { as: 'staff', query: 'after=yesterday', status: 400 },
    ],
  ],
  [
    'POST /api/diagnose',
    () => [
      { as: 'admin', status: 200 },
      { as: 'staff', status: 403 },
    ],
  ],
];

/** Last, what deletes: the system mailbox the walk made, and Adele's mailbox's tokens. */
export const deletionWalks: Walks = [
  [
    'DELETE /api/system-mailboxes/{id}',
    (w) => [
      { as: 'admin', params: { id: w.ids.sales! }, status: 204 },
      { as: 'admin', params: { id: w.ids.sales! }, status: 404 },
    ],
  ],
  [
    'DELETE /api/mailboxes/{id}',
    (w) => [
      { as: 'staff', params: { id: w.mailboxes.support }, status: 403 },
      { as: 'admin', params: { id: w.mailboxes.adele }, query: 'mail=keep', status: 204 },
      { as: 'staff', params: { id: UNKNOWN }, status: 404 },
    ],
  ],
];
