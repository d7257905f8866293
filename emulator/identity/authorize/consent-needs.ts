import { consentedScopes, type Directory } from '../../state/directory.ts';
import type { App } from '../../state/model.ts';
import { GRAPH } from '../resources.ts';
import { splitScopes } from '../scopes.ts';

/** One delegated permission named by a request, with what Microsoft would need to grant it. */
export interface RequestedPermission {
  readonly resource: string;
  readonly value: string;
  /** Only an administrator may grant it (the app registration's `adminConsentRequired`). */
  readonly adminOnly: boolean;
}

export interface ConsentNeeds {
  readonly all: readonly RequestedPermission[];
  readonly missing: readonly RequestedPermission[];
}

/**
 * Expands the requested scopes into delegated permissions (`/.default` = those configured on the app
 * registration for that resource, ms-identity-spec.md §12.1) and finds those not yet consented by the user
 * or an admin. OIDC scopes are Graph permissions in Entra and are consented as such.
 */
export const consentNeeds = (
  dir: Directory,
  app: App,
  tenantId: string,
  userOid: string | null,
  scopes: readonly string[],
): ConsentNeeds => {
  const split = splitScopes(scopes);
  const wanted: RequestedPermission[] = split.oidc.map((value) => ({
    resource: GRAPH,
    value,
    adminOnly: false,
  }));
  for (const { resource, values } of split.resources) {
    for (const value of values) {
      const names =
        value === '.default'
          ? app.permissions
              .filter((p) => p.resource === resource && p.type === 'delegated')
              .map((p) => p.value)
          : [value];
      for (const name of names)
        wanted.push({ resource, value: name, adminOnly: isAdminOnly(app, resource, name) });
    }
  }
  const granted = (resource: string) =>
    userOid === null
      ? adminGranted(dir, tenantId, app.appId, resource)
      : consentedScopes(dir, tenantId, app.appId, userOid, resource);
  return { all: wanted, missing: wanted.filter((p) => !granted(p.resource).has(p.value)) };
};

const isAdminOnly = (app: App, resource: string, value: string): boolean =>
  app.permissions.some(
    (p) => p.resource === resource && p.value === value && p.type === 'delegated' && p.adminConsentRequired,
  );

const adminGranted = (dir: Directory, tenantId: string, appId: string, resource: string): Set<string> => {
  const scopes = new Set<string>();
  for (const c of dir.consents) {
    if (c.tenantId === tenantId && c.appId === appId && c.resource === resource && c.userOid === null) {
      for (const s of c.scopes) scopes.add(s);
    }
  }
  return scopes;
};

/** Groups permissions by resource, as `addConsent` takes them. */
export const byResource = (permissions: readonly RequestedPermission[]): Map<string, string[]> => {
  const map = new Map<string, string[]>();
  for (const p of permissions) map.set(p.resource, [...(map.get(p.resource) ?? []), p.value]);
  return map;
};
