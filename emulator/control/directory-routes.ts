import { Hono } from 'hono';
import { z } from 'zod';
import type { EmulatorContext } from '../context.ts';
import { servicePrincipalByObjectId } from '../exchange/service-principals.ts';
import { addCertificate, CertificateUploadError } from '../state/certificates.ts';
import { addSecret, createApp, createSharedMailbox, createTenant, createUser } from '../state/create.ts';
import { findMailbox, findUserByLogin, now, removeConsents } from '../state/directory.ts';
import type { User } from '../state/model.ts';
import { controlError, parseBody, withDirectoryErrors } from './respond.ts';
import { appView, certificateView, mailboxView, tenantView, userView } from './views.ts';

const permission = z.object({
  resource: z.string().min(1),
  value: z.string().min(1),
  type: z.enum(['delegated', 'application']).default('delegated'),
  adminConsentRequired: z.boolean().default(false),
});

const schemas = {
  tenant: z.object({
    id: z.uuid().optional(),
    displayName: z.string().min(1),
    domains: z.array(z.string().regex(/^[a-z0-9.-]+\.[a-z]{2,}$/i)).min(1),
    smtpAuthEnabled: z.boolean().optional(),
  }),
  tenantPatch: z.object({
    smtpAuthEnabled: z.boolean().optional(),
    displayName: z.string().min(1).optional(),
  }),
  app: z.object({
    homeTenantId: z.string().min(1),
    displayName: z.string().min(1),
    appId: z.uuid().optional(),
    signInAudience: z.enum(['AzureADMyOrg', 'AzureADMultipleOrgs']).optional(),
    redirectUris: z.array(z.url()).default([]),
    permissions: z.array(permission).optional(),
    optionalClaims: z.array(z.enum(['xms_edov'])).optional(),
  }),
  certificate: z.object({
    pem: z.string().min(1).max(20_000),
    expiresAt: z.iso.datetime().optional(),
  }),
  secret: z.object({ expiresInSeconds: z.number().int().optional(), value: z.string().min(8).optional() }),
  user: z.object({
    tenantId: z.string().min(1),
    upn: z.email(),
    password: z.string().min(1),
    displayName: z.string().optional(),
    mail: z.email().nullable().optional(),
    oid: z.uuid().optional(),
    mfaRequired: z.boolean().optional(),
    disabled: z.boolean().optional(),
    mailbox: z.boolean().optional(),
  }),
  userPatch: z.object({
    disabled: z.boolean().optional(),
    mfaRequired: z.boolean().optional(),
    password: z.string().min(1).optional(),
    displayName: z.string().min(1).optional(),
  }),
  mailbox: z.object({ tenantId: z.string().min(1), address: z.email(), displayName: z.string().optional() }),
  mailboxPatch: z.object({
    imapEnabled: z.boolean().optional(),
    smtpAuthEnabled: z.boolean().nullable().optional(),
  }),
  grant: z.object({ principal: z.string().min(1), rights: z.array(z.enum(['FullAccess', 'SendAs'])).min(1) }),
  consentRemoval: z.object({
    tenantId: z.string().min(1),
    appId: z.string().min(1),
    user: z.string().optional(),
  }),
};

/** A user named by UPN, mail address or object id. */
const lookupUser = (ctx: EmulatorContext, key: string): User | undefined =>
  ctx.dir.users.get(key.toLowerCase()) ?? findUserByLogin(ctx.dir, key);

/**
 * A grant names a user (UPN or oid), an app (app id) or an Exchange service principal (its object id, what
 * `Add-MailboxPermission -User` takes for app-only access) as the principal.
 */
const principalId = (ctx: EmulatorContext, key: string): string | undefined =>
  lookupUser(ctx, key)?.oid ??
  (ctx.dir.apps.has(key.toLowerCase()) ? key.toLowerCase() : undefined) ??
  servicePrincipalByObjectId(ctx.dir, key)?.objectId;

/** Tenants, app registrations, secrets, users, mailboxes, grants and consent. */
export const directoryRoutes = (ctx: EmulatorContext): Hono => {
  const app = new Hono();
  const dir = ctx.dir;

  app.post('/tenants', async (c) => {
    const body = await parseBody(c, schemas.tenant);
    if (!body.ok) return body.response;
    return withDirectoryErrors(c, () => c.json(tenantView(createTenant(dir, body.data)), 201));
  });
  app.patch('/tenants/:id', async (c) => {
    const tenant = dir.tenants.get(c.req.param('id').toLowerCase());
    if (!tenant) return controlError(c, 404, 'not_found', 'no such tenant');
    const body = await parseBody(c, schemas.tenantPatch);
    if (!body.ok) return body.response;
    Object.assign(tenant, body.data);
    return c.json(tenantView(tenant));
  });

  app.post('/apps', async (c) => {
    const body = await parseBody(c, schemas.app);
    if (!body.ok) return body.response;
    const { redirectUris, ...rest } = body.data;
    return withDirectoryErrors(c, () => {
      const created = createApp(dir, {
        ...rest,
        redirectUris: redirectUris.map((uri) => ({ uri, type: 'web' })),
      });
      return c.json(appView(created), 201);
    });
  });
  app.post('/apps/:appId/secrets', async (c) => {
    const target = dir.apps.get(c.req.param('appId').toLowerCase());
    if (!target) return controlError(c, 404, 'not_found', 'no such app');
    const body = await parseBody(c, schemas.secret);
    if (!body.ok) return body.response;
    const expiresAt =
      body.data.expiresInSeconds === undefined ? undefined : now(dir) + body.data.expiresInSeconds * 1000;
    const secret = addSecret(dir, target, {
      ...(body.data.value ? { value: body.data.value } : {}),
      ...(expiresAt ? { expiresAt } : {}),
    });
    return c.json(
      { id: secret.id, value: secret.value, expiresAt: new Date(secret.expiresAt).toISOString() },
      201,
    );
  });
  app.post('/apps/:appId/certificates', async (c) => {
    const target = dir.apps.get(c.req.param('appId').toLowerCase());
    if (!target) return controlError(c, 404, 'not_found', 'no such app');
    const body = await parseBody(c, schemas.certificate);
    if (!body.ok) return body.response;
    try {
      const expiresAt = body.data.expiresAt === undefined ? undefined : Date.parse(body.data.expiresAt);
      return c.json(certificateView(addCertificate(target, body.data.pem, expiresAt)), 201);
    } catch (error) {
      if (error instanceof CertificateUploadError)
        return controlError(c, 400, 'invalid_request', error.message);
      throw error;
    }
  });
  app.post('/apps/:appId/secrets/:secretId/expire', (c) => {
    const secret = dir.apps
      .get(c.req.param('appId').toLowerCase())
      ?.secrets.find((s) => s.id === c.req.param('secretId'));
    if (!secret) return controlError(c, 404, 'not_found', 'no such app secret');
    secret.expiresAt = now(dir) - 1000;
    return c.json({ id: secret.id, expiresAt: new Date(secret.expiresAt).toISOString() });
  });

  app.post('/users', async (c) => {
    const body = await parseBody(c, schemas.user);
    if (!body.ok) return body.response;
    return withDirectoryErrors(c, () => c.json(userView(createUser(dir, body.data)), 201));
  });
  app.patch('/users/:user', async (c) => {
    const user = lookupUser(ctx, c.req.param('user'));
    if (!user) return controlError(c, 404, 'not_found', 'no such user');
    const body = await parseBody(c, schemas.userPatch);
    if (!body.ok) return body.response;
    Object.assign(user, body.data);
    return c.json(userView(user));
  });
  // revokeSignInSessions: refresh tokens issued before now stop working (AADSTS50173).
  app.post('/users/:user/revoke-sessions', (c) => {
    const user = lookupUser(ctx, c.req.param('user'));
    if (!user) return controlError(c, 404, 'not_found', 'no such user');
    user.tokensValidFrom = now(dir);
    return c.json(userView(user));
  });

  app.post('/mailboxes', async (c) => {
    const body = await parseBody(c, schemas.mailbox);
    if (!body.ok) return body.response;
    return withDirectoryErrors(c, () => c.json(mailboxView(createSharedMailbox(dir, body.data)), 201));
  });
  app.patch('/mailboxes/:address', async (c) => {
    const mailbox = findMailbox(dir, c.req.param('address'));
    if (!mailbox) return controlError(c, 404, 'not_found', 'no such mailbox');
    const body = await parseBody(c, schemas.mailboxPatch);
    if (!body.ok) return body.response;
    Object.assign(mailbox, body.data);
    return c.json(mailboxView(mailbox));
  });
  for (const method of ['post', 'delete'] as const) {
    app[method]('/mailboxes/:address/grants', async (c) => {
      const mailbox = findMailbox(dir, c.req.param('address'));
      if (!mailbox) return controlError(c, 404, 'not_found', 'no such mailbox');
      const body = await parseBody(c, schemas.grant);
      if (!body.ok) return body.response;
      const id = principalId(ctx, body.data.principal);
      if (!id) return controlError(c, 404, 'not_found', 'no such user, app or service principal');
      for (const right of body.data.rights) {
        const list = right === 'FullAccess' ? mailbox.fullAccess : mailbox.sendAs;
        const at = list.indexOf(id);
        if (method === 'post' && at < 0) list.push(id);
        if (method === 'delete' && at >= 0) list.splice(at, 1);
      }
      return c.json(mailboxView(mailbox));
    });
  }

  app.delete('/consents', async (c) => {
    const body = await parseBody(c, schemas.consentRemoval);
    if (!body.ok) return body.response;
    const user = body.data.user === undefined ? undefined : lookupUser(ctx, body.data.user);
    if (body.data.user !== undefined && !user) return controlError(c, 404, 'not_found', 'no such user');
    const removed = removeConsents(
      dir,
      body.data.tenantId.toLowerCase(),
      body.data.appId.toLowerCase(),
      user?.oid,
    );
    return c.json({ removed });
  });

  app.get('/state', (c) =>
    c.json({
      tenants: [...dir.tenants.values()].map(tenantView),
      apps: [...dir.apps.values()].map(appView),
      users: [...dir.users.values()].map(userView),
      mailboxes: [...dir.mailboxes.values()].map(mailboxView),
    }),
  );
  return app;
};
