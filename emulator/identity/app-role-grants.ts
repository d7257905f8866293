import type { Directory } from '../state/directory.ts';

/**
 * Application permissions (app roles such as `IMAP.AccessAsApp`) granted to an app's service principal in a
 * tenant by admin consent; client-credentials tokens carry them as `roles` (ms-identity-spec.md §6.4).
 * Held beside the Directory (the model has delegated grants only); the control API may use these functions too.
 */
const grantsByDir = new WeakMap<Directory, Map<string, Set<string>>>();

const keyOf = (tenantId: string, appId: string, resource: string): string =>
  `${tenantId}|${appId}|${resource}`;

const grantsOf = (dir: Directory): Map<string, Set<string>> => {
  let grants = grantsByDir.get(dir);
  if (!grants) {
    grants = new Map();
    grantsByDir.set(dir, grants);
  }
  return grants;
};

export const grantAppRoles = (
  dir: Directory,
  grant: { tenantId: string; appId: string; resource: string; roles: Iterable<string> },
): void => {
  const key = keyOf(grant.tenantId, grant.appId, grant.resource);
  const roles = grantsOf(dir).get(key) ?? new Set<string>();
  for (const role of grant.roles) roles.add(role);
  grantsOf(dir).set(key, roles);
};

export const grantedAppRoles = (
  dir: Directory,
  tenantId: string,
  appId: string,
  resource: string,
): string[] => [...(grantsOf(dir).get(keyOf(tenantId, appId, resource)) ?? [])];

/** Removes the named roles on one resource (the control API's DELETE); the grant goes when it is empty. */
export const removeAppRoles = (
  dir: Directory,
  grant: { tenantId: string; appId: string; resource: string; roles: Iterable<string> },
): void => {
  const key = keyOf(grant.tenantId, grant.appId, grant.resource);
  const roles = grantsOf(dir).get(key);
  if (!roles) return;
  for (const role of grant.roles) roles.delete(role);
  if (roles.size === 0) grantsOf(dir).delete(key);
};

/** Removes every app role granted to the app in the tenant; returns how many resources were affected. */
export const revokeAppRoles = (dir: Directory, tenantId: string, appId: string): number => {
  let removed = 0;
  for (const key of grantsOf(dir).keys()) {
    if (key.startsWith(`${tenantId}|${appId}|`)) {
      grantsOf(dir).delete(key);
      removed++;
    }
  }
  return removed;
};

export const hasAppRoleGrants = (dir: Directory, tenantId: string, appId: string): boolean =>
  [...grantsOf(dir).keys()].some((key) => key.startsWith(`${tenantId}|${appId}|`));
