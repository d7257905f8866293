import type {
  App,
  AuthCode,
  Consent,
  GrantCount,
  IssuedToken,
  Knobs,
  Mailbox,
  RefreshTokenRecord,
  Tenant,
  User,
} from './model.ts';

/** All emulator state, in memory. Mutated only through the functions of this folder and the control API. */
export interface Directory {
  readonly tenants: Map<string, Tenant>;
  readonly apps: Map<string, App>;
  readonly users: Map<string, User>;
  readonly mailboxes: Map<string, Mailbox>;
  readonly consents: Consent[];
  readonly authCodes: Map<string, AuthCode>;
  readonly refreshTokens: Map<string, RefreshTokenRecord>;
  readonly issuedTokens: IssuedToken[];
  /** Keyed by `subject appId grantType`. */
  readonly grantCounts: Map<string, GrantCount>;
  readonly knobs: Knobs;
}

export const defaultKnobs = (): Knobs => ({
  accessTokenLifetimeSec: null,
  authCodeLifetimeSec: 600,
  refreshTokenIdleSec: 90 * 24 * 3600,
  clockOffsetMs: 0,
  tokenEndpointFault: null,
  imapThrottle: null,
  smtpFault: null,
  saveToSentItems: true,
  idTokenFault: null,
});

export const createDirectory = (): Directory => ({
  tenants: new Map(),
  apps: new Map(),
  users: new Map(),
  mailboxes: new Map(),
  consents: [],
  authCodes: new Map(),
  refreshTokens: new Map(),
  issuedTokens: [],
  grantCounts: new Map(),
  knobs: defaultKnobs(),
});

/** The emulator's clock: wall time plus the configured offset, in ms. */
export const now = (dir: Directory): number => Date.now() + dir.knobs.clockOffsetMs;

export const nowSeconds = (dir: Directory): number => Math.floor(now(dir) / 1000);

/** Resolves a tenant path segment that names one tenant: its GUID or one of its verified domains. */
export const findTenant = (dir: Directory, segment: string): Tenant | undefined => {
  const key = segment.toLowerCase();
  const byId = dir.tenants.get(key);
  if (byId) return byId;
  for (const tenant of dir.tenants.values()) {
    if (tenant.domains.some((d) => d.toLowerCase() === key)) return tenant;
  }
  return undefined;
};

export const findUserByLogin = (dir: Directory, login: string): User | undefined => {
  const key = login.trim().toLowerCase();
  for (const user of dir.users.values()) {
    if (user.upn.toLowerCase() === key || user.mail?.toLowerCase() === key) return user;
  }
  return undefined;
};

export const findMailbox = (dir: Directory, address: string): Mailbox | undefined =>
  dir.mailboxes.get(address.trim().toLowerCase());

/** The mailbox a user owns, if they have one. */
export const mailboxOfUser = (dir: Directory, user: User): Mailbox | undefined => {
  for (const mailbox of dir.mailboxes.values()) if (mailbox.ownerOid === user.oid) return mailbox;
  return undefined;
};

export const tenantOfDomain = (dir: Directory, domain: string): Tenant | undefined => {
  const key = domain.toLowerCase();
  for (const tenant of dir.tenants.values()) if (tenant.domains.includes(key)) return tenant;
  return undefined;
};

/** Delegated scopes (`resource` + `value`) the user, or the whole tenant, has consented to for the app. */
export const consentedScopes = (
  dir: Directory,
  tenantId: string,
  appId: string,
  userOid: string,
  resource: string,
): Set<string> => {
  const scopes = new Set<string>();
  for (const c of dir.consents) {
    if (c.tenantId !== tenantId || c.appId !== appId || c.resource !== resource) continue;
    if (c.userOid === null || c.userOid === userOid) for (const s of c.scopes) scopes.add(s);
  }
  return scopes;
};

export const addConsent = (
  dir: Directory,
  grant: {
    tenantId: string;
    appId: string;
    userOid: string | null;
    resource: string;
    scopes: Iterable<string>;
  },
): void => {
  const existing = dir.consents.find(
    (c) =>
      c.tenantId === grant.tenantId &&
      c.appId === grant.appId &&
      c.userOid === grant.userOid &&
      c.resource === grant.resource,
  );
  if (existing) {
    for (const s of grant.scopes) existing.scopes.add(s);
    return;
  }
  dir.consents.push({ ...grant, scopes: new Set(grant.scopes) });
};

export const removeConsents = (dir: Directory, tenantId: string, appId: string, userOid?: string): number => {
  let removed = 0;
  for (let i = dir.consents.length - 1; i >= 0; i--) {
    const c = dir.consents[i]!;
    if (c.tenantId === tenantId && c.appId === appId && (userOid === undefined || c.userOid === userOid)) {
      dir.consents.splice(i, 1);
      removed++;
    }
  }
  return removed;
};
