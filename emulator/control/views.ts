import type { App, AppCertificate, Mailbox, Tenant, User } from '../state/model.ts';

// What the control API shows of directory objects: never a password; secret values only when created.

export const tenantView = (t: Tenant) => ({ ...t });

export const userView = (u: User) => ({
  oid: u.oid,
  tenantId: u.tenantId,
  upn: u.upn,
  mail: u.mail,
  displayName: u.displayName,
  disabled: u.disabled,
  mfaRequired: u.mfaRequired,
  tokensValidFrom: u.tokensValidFrom === 0 ? null : new Date(u.tokensValidFrom).toISOString(),
});

export const appView = (a: App) => ({
  appId: a.appId,
  displayName: a.displayName,
  homeTenantId: a.homeTenantId,
  signInAudience: a.signInAudience,
  redirectUris: a.redirectUris,
  permissions: a.permissions,
  optionalClaims: a.optionalClaims,
  secrets: a.secrets.map((s) => ({
    id: s.id,
    hint: s.value.slice(0, 3),
    createdAt: new Date(s.createdAt).toISOString(),
    expiresAt: new Date(s.expiresAt).toISOString(),
  })),
  certificates: a.certificates.map(certificateView),
});

export const certificateView = (k: AppCertificate) => ({
  id: k.id,
  thumbprint: k.thumbprintHex,
  x5t: k.x5t,
  'x5t#S256': k.x5tS256,
  startsAt: new Date(k.startsAt).toISOString(),
  expiresAt: new Date(k.expiresAt).toISOString(),
});

export const mailboxView = (m: Mailbox) => ({ ...m });
