import { createHash } from 'node:crypto';
import { servicePrincipalOid } from '../identity/tokens.ts';
import type { Directory } from '../state/directory.ts';

/**
 * Exchange Online's own service principals (`New-ServicePrincipal -AppId … -ObjectId …`, app-only-spec.md §1)
 * and RBAC for Applications (§2), held beside the Directory like app-role grants.
 *
 * Two object ids exist for one app: the app registration's (`applicationObjectId`) and the Enterprise
 * application's, i.e. the service principal's in the tenant (`servicePrincipalOid`). Exchange takes whatever
 * `-ObjectId` it is given; only the Enterprise application's makes app-only logins work ("Using the
 * incorrect Object ID will cause an authentication failure", EXO-OAUTH).
 */
export interface ExchangeServicePrincipal {
  readonly tenantId: string;
  readonly appId: string;
  /** As given to New-ServicePrincipal; right only when it equals the Enterprise application's object id. */
  readonly objectId: string;
  readonly displayName: string;
}

export interface ManagementScope {
  readonly tenantId: string;
  readonly name: string;
  /**
   * The recipients the scope's RecipientRestrictionFilter matches, as addresses (the emulator evaluates no
   * OPATH filter: tests name the members, e.g. of the group `MemberOfGroup -eq …` points at).
   */
  members: string[];
}

export interface RoleAssignment {
  readonly tenantId: string;
  readonly name: string;
  /** e.g. `Application Mail.Send`, `Application SMTP.SendAsApp`. */
  readonly role: string;
  readonly appId: string;
  /** `null`: organisation-wide. */
  readonly scope: string | null;
}

/**
 * What IMAP answers an app whose service principal lacks FullAccess: both are reported and which one Exchange
 * gives is unconfirmed (app-only-spec.md §1), so it is switchable.
 */
export type FullAccessMissing = 'not_connected' | 'auth_failed';

interface ExchangeState {
  fullAccessMissing: FullAccessMissing;
  readonly principals: Map<string, ExchangeServicePrincipal>;
  readonly scopes: Map<string, ManagementScope>;
  readonly assignments: RoleAssignment[];
}

const stateByDir = new WeakMap<Directory, ExchangeState>();

export const exchangeState = (dir: Directory): ExchangeState => {
  let state = stateByDir.get(dir);
  if (!state) {
    state = { fullAccessMissing: 'not_connected', principals: new Map(), scopes: new Map(), assignments: [] };
    stateByDir.set(dir, state);
  }
  return state;
};

const key = (tenantId: string, name: string) => `${tenantId}|${name.toLowerCase()}`;

/** The app registration's object id (App registrations → Overview → Object ID); stable per app. */
export const applicationObjectId = (appId: string): string => {
  const h = createHash('sha256').update(`app|${appId}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-9${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

export const newServicePrincipal = (
  dir: Directory,
  sp: ExchangeServicePrincipal,
): ExchangeServicePrincipal => {
  const record = { ...sp, objectId: sp.objectId.toLowerCase() };
  exchangeState(dir).principals.set(key(sp.tenantId, sp.appId), record);
  return record;
};

export const removeServicePrincipal = (dir: Directory, tenantId: string, appId: string): boolean =>
  exchangeState(dir).principals.delete(key(tenantId, appId));

export const registeredServicePrincipal = (
  dir: Directory,
  tenantId: string,
  appId: string,
): ExchangeServicePrincipal | undefined => exchangeState(dir).principals.get(key(tenantId, appId));

/** The app's Exchange service principal, only when it was registered with the Enterprise application's object id. */
export const workingServicePrincipal = (
  dir: Directory,
  tenantId: string,
  appId: string,
): ExchangeServicePrincipal | undefined => {
  const sp = registeredServicePrincipal(dir, tenantId, appId);
  return sp && sp.objectId === servicePrincipalOid(appId, tenantId) ? sp : undefined;
};

/** A principal named in a mailbox grant: an Exchange service principal by its object id. */
export const servicePrincipalByObjectId = (
  dir: Directory,
  objectId: string,
): ExchangeServicePrincipal | undefined => {
  const id = objectId.toLowerCase();
  for (const sp of exchangeState(dir).principals.values()) if (sp.objectId === id) return sp;
  return undefined;
};

export const putScope = (dir: Directory, scope: ManagementScope): ManagementScope => {
  const record = { ...scope, members: scope.members.map((m) => m.toLowerCase()) };
  exchangeState(dir).scopes.set(key(scope.tenantId, scope.name), record);
  return record;
};

export const findScope = (dir: Directory, tenantId: string, name: string): ManagementScope | undefined =>
  exchangeState(dir).scopes.get(key(tenantId, name));

export const addAssignment = (dir: Directory, assignment: RoleAssignment): void => {
  const list = exchangeState(dir).assignments;
  const at = list.findIndex((a) => a.tenantId === assignment.tenantId && a.name === assignment.name);
  if (at >= 0) list.splice(at, 1);
  list.push(assignment);
};

export const removeAssignment = (dir: Directory, tenantId: string, name: string): boolean => {
  const list = exchangeState(dir).assignments;
  const at = list.findIndex((a) => a.tenantId === tenantId && a.name === name);
  if (at < 0) return false;
  list.splice(at, 1);
  return true;
};
