import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import type { EmulatorContext } from '../context.ts';
import {
  grantAppRoles,
  grantedAppRoles,
  removeAppRoles,
  revokeAppRoles,
} from '../identity/app-role-grants.ts';
import { parseScope } from '../identity/resources.ts';
import { KNOWN_RESOURCES, prefixed } from '../identity/scopes.ts';
import { findTenant } from '../state/directory.ts';
import type { App } from '../state/model.ts';
import { controlError, parseBody } from './respond.ts';

const schemas = {
  grant: z.object({ tenantId: z.string().min(1), roles: z.array(z.string().min(1)).min(1) }),
  /** Without `roles`, every app role of the app in the tenant goes. */
  removal: z.object({ tenantId: z.string().min(1), roles: z.array(z.string().min(1)).min(1).optional() }),
};

interface RoleRef {
  readonly resource: string;
  readonly value: string;
}

/** Roles resolved to their resources, or why one could not be (a 400 for the caller). */
type Resolved =
  | { readonly ok: true; readonly refs: RoleRef[] }
  | { readonly ok: false; readonly why: string };

/**
 * A role is written with its resource (`https://outlook.office.com/IMAP.AccessAsApp`) or bare, as the app
 * registration lists it among its application permissions (requiredResourceAccess, ms-identity-spec.md §1):
 * a bare name must not fall back to Graph the way a bare delegated scope does (§5.1), or `IMAP.AccessAsApp`
 * would never reach an Outlook token.
 */
const resolveRole = (app: App, role: string): RoleRef | null => {
  if (role.includes('/')) {
    const { resource, value } = parseScope(role);
    if (resource === null || !KNOWN_RESOURCES.has(resource) || value === '.default') return null;
    return { resource, value };
  }
  const listed = app.permissions.filter((p) => p.type === 'application' && p.value === role);
  return listed.length === 1 ? { resource: listed[0]!.resource, value: role } : null;
};

const resolveAll = (app: App, roles: readonly string[]): Resolved => {
  const refs: RoleRef[] = [];
  for (const role of roles) {
    const ref = resolveRole(app, role);
    if (!ref)
      return {
        ok: false,
        why: `${role} is not an application permission of app ${app.appId}, nor a role of a hosted resource`,
      };
    refs.push(ref);
  }
  return { ok: true, refs };
};

const view = (ctx: EmulatorContext, tenantId: string, appId: string) => ({
  appId,
  tenantId,
  roles: [...KNOWN_RESOURCES].flatMap((resource) =>
    grantedAppRoles(ctx.dir, tenantId, appId, resource).map((role) => prefixed(resource, role)),
  ),
});

/** Resolves the app and the tenant of a request, or answers 404/409. */
const target = (ctx: EmulatorContext, c: Context, tenantKey: string) => {
  const app = ctx.dir.apps.get(c.req.param('appId')?.toLowerCase() ?? '');
  if (!app) return controlError(c, 404, 'not_found', 'no such app');
  const tenant = findTenant(ctx.dir, tenantKey);
  if (!tenant) return controlError(c, 404, 'not_found', `no tenant ${tenantKey}`);
  // A single-tenant registration has no service principal elsewhere (AADSTS700016 on admin consent there).
  if (app.signInAudience === 'AzureADMyOrg' && tenant.id !== app.homeTenantId)
    return controlError(c, 409, 'conflict', `app ${app.appId} is single-tenant (AzureADMyOrg)`);
  return { app, tenantId: tenant.id };
};

/**
 * Application permissions granted by admin consent (what client credentials put in `roles`, §6.4, §12.3), set
 * without walking the admin-consent pages.
 */
export const appRoleRoutes = (ctx: EmulatorContext): Hono => {
  const api = new Hono();

  api.post('/apps/:appId/app-role-grants', async (c) => {
    const body = await parseBody(c, schemas.grant);
    if (!body.ok) return body.response;
    const found = target(ctx, c, body.data.tenantId);
    if (found instanceof Response) return found;
    const resolved = resolveAll(found.app, body.data.roles);
    if (!resolved.ok) return controlError(c, 400, 'invalid_request', resolved.why);
    for (const { resource, value } of resolved.refs)
      grantAppRoles(ctx.dir, { tenantId: found.tenantId, appId: found.app.appId, resource, roles: [value] });
    return c.json(view(ctx, found.tenantId, found.app.appId));
  });

  api.delete('/apps/:appId/app-role-grants', async (c) => {
    const body = await parseBody(c, schemas.removal);
    if (!body.ok) return body.response;
    const found = target(ctx, c, body.data.tenantId);
    if (found instanceof Response) return found;
    const { app, tenantId } = found;
    if (body.data.roles === undefined) revokeAppRoles(ctx.dir, tenantId, app.appId);
    else {
      const resolved = resolveAll(app, body.data.roles);
      if (!resolved.ok) return controlError(c, 400, 'invalid_request', resolved.why);
      for (const { resource, value } of resolved.refs)
        removeAppRoles(ctx.dir, { tenantId, appId: app.appId, resource, roles: [value] });
    }
    return c.json(view(ctx, tenantId, app.appId));
  });
  return api;
};
