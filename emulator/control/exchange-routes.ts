import { Hono } from 'hono';
import { z } from 'zod';
import type { EmulatorContext } from '../context.ts';
import { ROLE_NAMES } from '../exchange/rbac.ts';
import {
  addAssignment,
  applicationObjectId,
  exchangeState,
  findScope,
  newServicePrincipal,
  putScope,
  registeredServicePrincipal,
  removeAssignment,
  removeServicePrincipal,
  servicePrincipalByObjectId,
} from '../exchange/service-principals.ts';
import { servicePrincipalOid } from '../identity/tokens.ts';
import { findTenant } from '../state/directory.ts';
import { controlError, parseBody } from './respond.ts';

const schemas = {
  principal: z.object({
    tenantId: z.string().min(1),
    appId: z.uuid(),
    objectId: z.uuid(),
    displayName: z.string().min(1).optional(),
  }),
  scope: z.object({ tenantId: z.string().min(1), name: z.string().min(1), members: z.array(z.email()) }),
  assignment: z.object({
    tenantId: z.string().min(1),
    name: z.string().min(1),
    role: z.enum(ROLE_NAMES as [string, ...string[]]),
    /** `-App`: the app id or the Exchange service principal's object id (both forms are seen, §2). */
    app: z.string().min(1),
    customResourceScope: z.string().min(1).nullable().default(null),
  }),
  settings: z.object({ fullAccessMissing: z.enum(['not_connected', 'auth_failed']) }),
};

/**
 * Exchange Online's side of app-only access (app-only-spec.md §1, §2): `New-ServicePrincipal`,
 * `New-ManagementScope`, `New-ManagementRoleAssignment`, and the app's two object ids an administrator
 * reads in the portal. Mailbox grants to a service principal use `/mailboxes/:address/grants` with its object id.
 */
export const exchangeRoutes = (ctx: EmulatorContext): Hono => {
  const api = new Hono();
  const dir = ctx.dir;

  // App registrations → Overview shows the app's object id; Enterprise applications → Overview the SP's.
  api.get('/apps/:appId/object-ids', (c) => {
    const app = dir.apps.get(c.req.param('appId').toLowerCase());
    if (!app) return controlError(c, 404, 'not_found', 'no such app');
    const tenant = findTenant(dir, c.req.query('tenantId') ?? app.homeTenantId);
    if (!tenant) return controlError(c, 404, 'not_found', 'no such tenant');
    return c.json({
      appId: app.appId,
      tenantId: tenant.id,
      applicationObjectId: applicationObjectId(app.appId),
      enterpriseApplicationObjectId: servicePrincipalOid(app.appId, tenant.id),
    });
  });

  api.post('/exchange/service-principals', async (c) => {
    const body = await parseBody(c, schemas.principal);
    if (!body.ok) return body.response;
    const tenant = findTenant(dir, body.data.tenantId);
    if (!tenant) return controlError(c, 404, 'not_found', 'no such tenant');
    const app = dir.apps.get(body.data.appId.toLowerCase());
    if (!app) return controlError(c, 404, 'not_found', 'no such app');
    if (registeredServicePrincipal(dir, tenant.id, app.appId))
      return controlError(c, 409, 'conflict', `a service principal for ${app.appId} exists already`);
    const taken = servicePrincipalByObjectId(dir, body.data.objectId);
    if (taken) return controlError(c, 409, 'conflict', `object id ${body.data.objectId} is used already`);
    const sp = newServicePrincipal(dir, {
      tenantId: tenant.id,
      appId: app.appId,
      objectId: body.data.objectId,
      displayName: body.data.displayName ?? app.displayName,
    });
    return c.json(sp, 201);
  });

  api.get('/exchange/service-principals', (c) =>
    c.json({ servicePrincipals: [...exchangeState(dir).principals.values()] }),
  );

  api.delete('/exchange/service-principals/:tenantId/:appId', (c) => {
    const tenant = findTenant(dir, c.req.param('tenantId'));
    if (!tenant) return controlError(c, 404, 'not_found', 'no such tenant');
    if (!removeServicePrincipal(dir, tenant.id, c.req.param('appId').toLowerCase()))
      return controlError(c, 404, 'not_found', 'no such service principal');
    return c.body(null, 204);
  });

  api.post('/exchange/management-scopes', async (c) => {
    const body = await parseBody(c, schemas.scope);
    if (!body.ok) return body.response;
    const tenant = findTenant(dir, body.data.tenantId);
    if (!tenant) return controlError(c, 404, 'not_found', 'no such tenant');
    return c.json(putScope(dir, { ...body.data, tenantId: tenant.id }), 201);
  });

  api.post('/exchange/role-assignments', async (c) => {
    const body = await parseBody(c, schemas.assignment);
    if (!body.ok) return body.response;
    const tenant = findTenant(dir, body.data.tenantId);
    if (!tenant) return controlError(c, 404, 'not_found', 'no such tenant');
    const named = body.data.app.toLowerCase();
    const appId = dir.apps.has(named) ? named : servicePrincipalByObjectId(dir, named)?.appId;
    if (!appId) return controlError(c, 404, 'not_found', `no app or service principal ${body.data.app}`);
    const scope = body.data.customResourceScope;
    if (scope !== null && !findScope(dir, tenant.id, scope))
      return controlError(c, 404, 'not_found', `no management scope ${scope}`);
    const assignment = { tenantId: tenant.id, name: body.data.name, role: body.data.role, appId, scope };
    addAssignment(dir, assignment);
    return c.json(assignment, 201);
  });

  api.delete('/exchange/role-assignments/:tenantId/:name', (c) => {
    const tenant = findTenant(dir, c.req.param('tenantId'));
    if (!tenant) return controlError(c, 404, 'not_found', 'no such tenant');
    if (!removeAssignment(dir, tenant.id, c.req.param('name')))
      return controlError(c, 404, 'not_found', 'no such role assignment');
    return c.body(null, 204);
  });

  api.put('/exchange/settings', async (c) => {
    const body = await parseBody(c, schemas.settings);
    if (!body.ok) return body.response;
    exchangeState(dir).fullAccessMissing = body.data.fullAccessMissing;
    return c.json(body.data);
  });
  return api;
};
