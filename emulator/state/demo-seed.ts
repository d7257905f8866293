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
  /** A Contoso user whose `mail` is in a domain Contoso has not verified. */
  unverifiedMailUser: { upn: 'lynne@contoso.example', mail: 'lynne.robbins@northwind.example' },
  /** A Fabrikam user whose `mail` is set to a Contoso user's address. */
  forgedMailUser: { upn: 'mallory@fabrikam.example', mail: 'adele@contoso.example' },
} as const;

export const DEMO_PERMISSIONS: Permission[] = [
  { resource: GRAPH, value: 'User.Read', type: 'delegated', adminConsentRequired: false },
  // Graph mail, for mailboxes that read or send through Graph (issue 13): none needs an administrator.
  { resource: GRAPH, value: 'Mail.ReadWrite', type: 'delegated', adminConsentRequired: false },
  { resource: GRAPH, value: 'Mail.Send', type: 'delegated', adminConsentRequired: false },
  { resource: GRAPH, value: 'Mail.ReadWrite.Shared', type: 'delegated', adminConsentRequired: false },
  { resource: GRAPH, value: 'Mail.Send.Shared', type: 'delegated', adminConsentRequired: false },
  { resource: OUTLOOK, value: 'IMAP.AccessAsUser.All', type: 'delegated', adminConsentRequired: false },
  { resource: OUTLOOK, value: 'SMTP.Send', type: 'delegated', adminConsentRequired: false },
  { resource: OUTLOOK, value: 'IMAP.AccessAsApp', type: 'application', adminConsentRequired: true },
  { resource: OUTLOOK, value: 'SMTP.SendAsApp', type: 'application', adminConsentRequired: true },
  // Graph application permissions, for system mailboxes with application access through Graph (issue 14).
  { resource: GRAPH, value: 'Mail.ReadWrite', type: 'application', adminConsentRequired: true },
  { resource: GRAPH, value: 'Mail.Send', type: 'application', adminConsentRequired: true },
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
    // Two accounts whose `mail` attribute Microsoft does not vouch for, as an Entra administrator may set
    // it (no Exchange mailbox): Lynne's is outside Contoso's verified domains; Mallory, of Fabrikam, carries
    // Adele's address (the "nOAuth" case).
    {
      ...DEMO.unverifiedMailUser,
      password: 'Lynne-demo-1',
      displayName: 'Lynne Robbins',
      role: `mail ${DEMO.unverifiedMailUser.mail}, outside Contoso's verified domains`,
    },
    {
      ...DEMO.forgedMailUser,
      password: 'Mallory-demo-1',
      displayName: 'Mallory',
      role: `user of another tenant, mail set to ${DEMO.forgedMailUser.mail}`,
    },
  ];
  const [adele] = users.map((u) =>
    createUser(dir, {
      tenantId: u.upn.endsWith(DEMO.otherDomain) ? fabrikam.id : contoso.id,
      upn: u.upn,
      password: u.password,
      displayName: u.displayName,
      ...('mail' in u ? { mail: u.mail, mailbox: false } : {}),
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
    optionalClaims: ['xms_edov'],
  });
  const secret = addSecret(dir, app);
  return { appSecret: secret.value, appSecretId: secret.id, users, sharedMailboxes: [support.address] };
};
