import { randomBytes } from 'node:crypto';
import { type Directory, now } from './directory.ts';
import { newGuid } from './ids.ts';
import type {
  App,
  AppSecret,
  Mailbox,
  OptionalClaim,
  Permission,
  RedirectUri,
  SignInAudience,
  Tenant,
  User,
} from './model.ts';

export class DirectoryError extends Error {
  constructor(
    readonly code: 'conflict' | 'not_found' | 'invalid',
    message: string,
  ) {
    super(message);
    this.name = 'DirectoryError';
  }
}

export const createTenant = (
  dir: Directory,
  input: { id?: string; displayName: string; domains: string[]; region?: string; smtpAuthEnabled?: boolean },
): Tenant => {
  const id = (input.id ?? newGuid()).toLowerCase();
  if (dir.tenants.has(id)) throw new DirectoryError('conflict', `tenant ${id} exists`);
  const domains = input.domains.map((d) => d.toLowerCase());
  for (const d of domains) {
    for (const t of dir.tenants.values()) {
      if (t.domains.includes(d))
        throw new DirectoryError('conflict', `domain ${d} is verified in tenant ${t.id}`);
    }
  }
  if (domains.length === 0) throw new DirectoryError('invalid', 'a tenant needs at least one domain');
  const tenant: Tenant = {
    id,
    displayName: input.displayName,
    domains,
    region: input.region ?? 'WW',
    smtpAuthEnabled: input.smtpAuthEnabled ?? true,
  };
  dir.tenants.set(id, tenant);
  return tenant;
};

const requireTenant = (dir: Directory, tenantId: string): Tenant => {
  const tenant = dir.tenants.get(tenantId.toLowerCase());
  if (!tenant) throw new DirectoryError('not_found', `tenant ${tenantId} not found`);
  return tenant;
};

const requireVerifiedDomain = (dir: Directory, tenant: Tenant, address: string): void => {
  const domain = address.split('@')[1]?.toLowerCase();
  if (!domain || !tenant.domains.includes(domain)) {
    throw new DirectoryError('invalid', `${address} is not in a verified domain of tenant ${tenant.id}`);
  }
  if (dir.mailboxes.has(address.toLowerCase()))
    throw new DirectoryError('conflict', `mailbox ${address} exists`);
};

export const createUser = (
  dir: Directory,
  input: {
    tenantId: string;
    upn: string;
    password: string;
    displayName?: string;
    mail?: string | null;
    oid?: string;
    mfaRequired?: boolean;
    disabled?: boolean;
    /** Create the user's Exchange mailbox (default true). */
    mailbox?: boolean;
  },
): User => {
  const tenant = requireTenant(dir, input.tenantId);
  const upn = input.upn.toLowerCase();
  if (!tenant.domains.includes(upn.split('@')[1] ?? ''))
    throw new DirectoryError('invalid', `the UPN ${upn} is not in a verified domain of tenant ${tenant.id}`);
  for (const u of dir.users.values())
    if (u.upn === upn) throw new DirectoryError('conflict', `user ${upn} exists`);
  const withMailbox = input.mailbox ?? true;
  const mail = input.mail === undefined ? (withMailbox ? upn : null) : (input.mail?.toLowerCase() ?? null);
  if (withMailbox && mail) requireVerifiedDomain(dir, tenant, mail);
  const user: User = {
    oid: (input.oid ?? newGuid()).toLowerCase(),
    tenantId: tenant.id,
    upn,
    mail,
    displayName: input.displayName ?? upn.split('@')[0]!,
    password: input.password,
    disabled: input.disabled ?? false,
    mfaRequired: input.mfaRequired ?? false,
    tokensValidFrom: 0,
  };
  dir.users.set(user.oid, user);
  if (withMailbox && mail) {
    dir.mailboxes.set(mail, {
      address: mail,
      tenantId: tenant.id,
      type: 'user',
      ownerOid: user.oid,
      displayName: user.displayName,
      fullAccess: [],
      sendAs: [],
      imapEnabled: true,
      smtpAuthEnabled: null,
    });
  }
  return user;
};

export const createSharedMailbox = (
  dir: Directory,
  input: {
    tenantId: string;
    address: string;
    displayName?: string;
    fullAccess?: string[];
    sendAs?: string[];
  },
): Mailbox => {
  const tenant = requireTenant(dir, input.tenantId);
  requireVerifiedDomain(dir, tenant, input.address);
  const address = input.address.toLowerCase();
  const mailbox: Mailbox = {
    address,
    tenantId: tenant.id,
    type: 'shared',
    ownerOid: null,
    displayName: input.displayName ?? address.split('@')[0]!,
    fullAccess: [...(input.fullAccess ?? [])],
    sendAs: [...(input.sendAs ?? [])],
    imapEnabled: true,
    smtpAuthEnabled: null,
  };
  dir.mailboxes.set(address, mailbox);
  return mailbox;
};

/** A client secret value in Entra's shape: 40 characters with `~` at position 4 (`abc8Q~...`). */
const secretValue = (): string => {
  const body = randomBytes(40).toString('base64url').replace(/[-_]/g, 'x');
  return `${body.slice(0, 3)}8Q~${body.slice(3, 37)}`;
};

export const addSecret = (
  dir: Directory,
  app: App,
  input: { value?: string; expiresAt?: number } = {},
): AppSecret => {
  const createdAt = now(dir);
  const secret: AppSecret = {
    id: newGuid(),
    value: input.value ?? secretValue(),
    createdAt,
    expiresAt: input.expiresAt ?? createdAt + 180 * 24 * 3600 * 1000,
  };
  app.secrets.push(secret);
  return secret;
};

export const createApp = (
  dir: Directory,
  input: {
    homeTenantId: string;
    displayName: string;
    appId?: string;
    signInAudience?: SignInAudience;
    redirectUris?: RedirectUri[];
    permissions?: Permission[];
    optionalClaims?: OptionalClaim[];
  },
): App => {
  const tenant = requireTenant(dir, input.homeTenantId);
  const appId = (input.appId ?? newGuid()).toLowerCase();
  if (dir.apps.has(appId)) throw new DirectoryError('conflict', `app ${appId} exists`);
  const app: App = {
    appId,
    displayName: input.displayName,
    homeTenantId: tenant.id,
    signInAudience: input.signInAudience ?? 'AzureADMyOrg',
    secrets: [],
    certificates: [],
    redirectUris: [...(input.redirectUris ?? [])],
    permissions: [...(input.permissions ?? [])],
    optionalClaims: [...(input.optionalClaims ?? [])],
  };
  dir.apps.set(appId, app);
  return app;
};
