import { GRAPH, OUTLOOK } from '../identity/resources.ts';
import { addSecret, createApp, createSharedMailbox, createTenant, createUser } from './create.ts';
import type { Directory } from './directory.ts';
import type { Permission } from './model.ts';

/** Fixed ids so that what a person pastes into Mailroom stays valid across emulator restarts. */
export const DEMO = {
  tenantId: '6f1c3a52-0d4e-4b8a-9c1f-2a7e5d3b9c10',
  otherTenantId: '3b8e1f47-92c6-4d05-a1e8-7c4f0b2d6e91',
  appId: '8c2d6f1e-4a7b-4c3d-9e0f-1b2a3c4d5e6f',
  domain: 'contoso.example',
  otherDomain: 'fabrikam.example',
} as const;

export const DEMO_PERMISSIONS: Permission[] = [
  { resource: GRAPH, value: 'User.Read', type: 'delegated', adminConsentRequired: false },
  { resource: OUTLOOK, value: 'IMAP.AccessAsUser.All', type: 'delegated', adminConsentRequired: false },
  { resource: OUTLOOK, value: 'SMTP.Send', type: 'delegated', adminConsentRequired: false },
  { resource: OUTLOOK, value: 'IMAP.AccessAsApp', type: 'application', adminConsentRequired: true },
  { resource: OUTLOOK, value: 'SMTP.SendAsApp', type: 'application', adminConsentRequired: true },
];

export interface DemoSeed {
  readonly appSecret: string;
  readonly appSecretId: string;
  readonly users: readonly { upn: string; password: string; displayName: string; role: string }[];
  readonly sharedMailboxes: readonly string[];
}

/**
 * The demo tenant Contoso (an administrator, a staff member, a shared support@ mailbox the administrator
 * has FullAccess to), a second tenant Fabrikam with one user, and Mailroom's app registration.
 */
export const seedDemo = (dir: Directory, options: { redirectUris: string[] }): DemoSeed => {
  const contoso = createTenant(dir, {
    id: DEMO.tenantId,
    displayName: 'Contoso',
    domains: [DEMO.domain, 'contoso.onmicrosoft.com'],
  });
  const fabrikam = createTenant(dir, {
    id: DEMO.otherTenantId,
    displayName: 'Fabrikam',
    domains: [DEMO.otherDomain, 'fabrikam.onmicrosoft.com'],
  });
  const users = [
    {
      upn: `adele@${DEMO.domain}`,
      password: 'Adele-demo-1',
      displayName: 'Adele Vance',
      role: 'administrator',
    },
    { upn: `megan@${DEMO.domain}`, password: 'Megan-demo-1', displayName: 'Megan Bowen', role: 'staff' },
    {
      upn: `alex@${DEMO.otherDomain}`,
      password: 'Alex-demo-1',
      displayName: 'Alex Wilber',
      role: 'user of another tenant',
    },
  ];
  const [adele] = users.map((u) =>
    createUser(dir, {
      tenantId: u.upn.endsWith(DEMO.otherDomain) ? fabrikam.id : contoso.id,
      upn: u.upn,
      password: u.password,
      displayName: u.displayName,
    }),
  );
  const support = createSharedMailbox(dir, {
    tenantId: contoso.id,
    address: `support@${DEMO.domain}`,
    displayName: 'Contoso Support',
    fullAccess: [adele!.oid],
    sendAs: [adele!.oid],
  });
  const app = createApp(dir, {
    homeTenantId: contoso.id,
    appId: DEMO.appId,
    displayName: 'Mailroom (demo)',
    signInAudience: 'AzureADMultipleOrgs',
    redirectUris: options.redirectUris.map((uri) => ({ uri, type: 'web' as const })),
    permissions: DEMO_PERMISSIONS,
  });
  const secret = addSecret(dir, app);
  return { appSecret: secret.value, appSecretId: secret.id, users, sharedMailboxes: [support.address] };
};
