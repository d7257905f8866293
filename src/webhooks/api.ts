import { Hono } from 'hono';
import { recordAudit } from '../audit/record.ts';
import { adminOnly, requireAdmin } from '../http/auth.ts';
import type { AppContext, AppDeps, AppEnv } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import { jsonInput } from '../http/validate.ts';
import { findMailbox } from '../mailboxes/repository.ts';
import { listDeliveries, resendDelivery, sendTestEvent } from './delivery-log.ts';
import { createInput, fieldsOf, rotateInput, updateInput } from './endpoint-input.ts';
import {
  createEndpoint,
  deleteEndpoint,
  findEndpoint,
  listEndpoints,
  rotateSecret,
  updateEndpoint,
  type WebhookEndpoint,
} from './endpoints.ts';

const notFound = () => new AppError('request.not_found', 'There is no webhook endpoint with this id.');

const INVALID = 'The webhook endpoint is not valid; see the fields.';
const invalid = (fields: Record<string, string>) => new AppError('request.invalid', INVALID, fields);

/** The endpoint named in the path, for an administrator; 403 for anyone else, 404 when there is none. */
const endpointOf = async (deps: AppDeps, c: AppContext): Promise<WebhookEndpoint> => {
  requireAdmin(c);
  const endpoint = await findEndpoint(deps.db, c.req.param('id') ?? '');
  if (!endpoint) throw notFound();
  return endpoint;
};

/** A mailbox filter must name a mailbox that exists. */
export const checkMailboxFilter = async (deps: AppDeps, mailboxId: string | null | undefined) => {
  if (mailboxId && !(await findMailbox(deps.db, mailboxId)))
    throw invalid({ mailboxId: 'There is no mailbox with this id; leave it out for every mailbox.' });
};

/**
 * `/api/webhooks`: administrators register endpoints, read their delivery logs, resend, send test events.
 * The secret is in the answer of the creation and of a rotation only.
 */
export const webhooksApi = (deps: AppDeps): Hono<AppEnv> => {
  const app = new Hono<AppEnv>();
  const allowPrivate = deps.config.webhooks.allowPrivate;

  app.get('/webhooks', async (c) => {
    requireAdmin(c);
    return c.json({ webhooks: await listEndpoints(deps.db) });
  });

  const asEndpoint = { message: INVALID, fields: fieldsOf };
  app.post('/webhooks', adminOnly, jsonInput(createInput(allowPrivate), asEndpoint), async (c) => {
    const user = requireAdmin(c);
    const input = c.req.valid('json');
    await checkMailboxFilter(deps, input.mailboxId);
    const { endpoint, secret } = await createEndpoint(deps, input, user.id);
    await recordAudit(deps.db, user, 'webhook.created', { id: endpoint.id, url: endpoint.url });
    return c.json({ ...endpoint, secret }, 201);
  });

  app.get('/webhooks/:id', async (c) => c.json(await endpointOf(deps, c)));

  app.patch('/webhooks/:id', adminOnly, jsonInput(updateInput(allowPrivate), asEndpoint), async (c) => {
    const user = requireAdmin(c);
    const endpoint = await endpointOf(deps, c);
    const input = c.req.valid('json');
    await checkMailboxFilter(deps, input.mailboxId);
    const updated = await updateEndpoint(deps.db, endpoint.id, input);
    await recordAudit(deps.db, user, 'webhook.updated', { id: endpoint.id, fields: Object.keys(input) });
    return c.json(updated ?? notFound());
  });

  app.delete('/webhooks/:id', async (c) => {
    const user = requireAdmin(c);
    const endpoint = await endpointOf(deps, c);
    await deleteEndpoint(deps.db, endpoint.id);
    await recordAudit(deps.db, user, 'webhook.deleted', { id: endpoint.id, url: endpoint.url });
    return c.body(null, 204);
  });

  const rotation = jsonInput(rotateInput, { ...asEndpoint, optional: true });
  app.post('/webhooks/:id/rotate-secret', adminOnly, rotation, async (c) => {
    const user = requireAdmin(c);
    const endpoint = await endpointOf(deps, c);
    const { keepPreviousHours } = c.req.valid('json');
    const secret = await rotateSecret(deps, endpoint.id, keepPreviousHours);
    if (!secret) throw notFound();
    await recordAudit(deps.db, user, 'webhook.secret_rotated', {
      id: endpoint.id,
      keepPreviousHours,
    });
    return c.json({ secret, keepPreviousHours });
  });

  app.get('/webhooks/:id/deliveries', async (c) => {
    const endpoint = await endpointOf(deps, c);
    return c.json({ deliveries: await listDeliveries(deps.db, endpoint.id) });
  });

  app.post('/webhooks/:id/deliveries/:deliveryId/resend', async (c) => {
    const endpoint = await endpointOf(deps, c);
    if (!(await resendDelivery(deps.db, endpoint.id, c.req.param('deliveryId'), new Date())))
      throw new AppError('request.not_found', 'This endpoint has no delivery with this id.');
    return c.json({ queued: true }, 202);
  });

  app.post('/webhooks/:id/test', async (c) => {
    const endpoint = await endpointOf(deps, c);
    return c.json({ queued: true, webhookId: await sendTestEvent(deps.db, endpoint.id, new Date()) }, 202);
  });

  return app;
};
