import type { Context } from 'hono';
import { addConsent } from '../../state/directory.ts';
import type { App, User } from '../../state/model.ts';
import { grantAppRoles } from '../app-role-grants.ts';
import { ConsentPage } from '../authorize/consent-pages.tsx';
import { permissionLabel } from '../authorize/permission-labels.ts';
import { deliver, deliverError } from '../authorize/respond.ts';
import type { IdentityDeps } from '../deps.ts';
import { aadsts } from '../errors/aadsts.ts';
import { htmlDocument } from '../html/layout.tsx';
import { GRAPH } from '../resources.ts';
import { prefixed, splitScopes } from '../scopes.ts';
import { type AdminConsentFlow, targetOf } from '../signin/flow-store.ts';
import { signInPaths } from '../signin/pages.tsx';

interface Grantable {
  readonly resource: string;
  readonly value: string;
  readonly type: 'delegated' | 'application';
}

/**
 * What an admin consent grants: for `{resource}/.default` every permission the app registration lists for the
 * resource, delegated and application; a dynamic scope grants only that delegated scope (ms-identity-spec.md §10.1).
 */
const grantables = (app: App, scopes: readonly string[]): Grantable[] => {
  const split = splitScopes(scopes);
  const out: Grantable[] = split.oidc.map((value) => ({ resource: GRAPH, value, type: 'delegated' }));
  for (const { resource, values } of split.resources) {
    for (const value of values) {
      if (value !== '.default') out.push({ resource, value, type: 'delegated' });
      else
        out.push(
          ...app.permissions
            .filter((p) => p.resource === resource)
            .map(({ resource: r, value: v, type }) => ({ resource: r, value: v, type })),
        );
    }
  }
  return out;
};

/**
 * The "Permissions requested — Accept for your organization" page. Who may consent: the emulator accepts any
 * user of the tenant as its administrator (it has no directory roles); the tenant is the signed-in user's.
 */
export const adminConsentAfterSignIn = (c: Context, flow: AdminConsentFlow, user: User): Response => {
  flow.stage = 'consent';
  const labels = grantables(flow.app, flow.scopes).map((g) => permissionLabel(g.resource, g.value));
  const page = (
    <ConsentPage
      action={signInPaths(flow.path.segment).consent}
      flowId={flow.id}
      appName={flow.app.displayName}
      upn={user.upn}
      permissions={labels}
      forOrganization={true}
    />
  );
  return c.html(htmlDocument(page));
};

/** Accept: tenant-wide delegated grants (userOid null) and app-role grants; redirect `admin_consent=True&tenant&scope&state`. */
export const adminConsentAnswer = (
  deps: IdentityDeps,
  c: Context,
  flow: AdminConsentFlow,
  user: User,
  accepted: boolean,
): Response => {
  deps.flows.finish(flow.id);
  if (!accepted) return deliverError(deps, c, targetOf(flow), aadsts.adminCancelledConsent());
  const { dir } = deps.ctx;
  const tenantId = user.tenantId;
  const granted = grantables(flow.app, flow.scopes);
  for (const g of granted) {
    if (g.type === 'delegated')
      addConsent(dir, {
        tenantId,
        appId: flow.app.appId,
        userOid: null,
        resource: g.resource,
        scopes: [g.value],
      });
    else grantAppRoles(dir, { tenantId, appId: flow.app.appId, resource: g.resource, roles: [g.value] });
  }
  const scope = [...new Set(granted.map((g) => prefixed(g.resource, g.value)))].join(' ');
  return deliver(c, targetOf(flow), [
    ['tenant', tenantId],
    ['scope', scope],
  ]);
};
