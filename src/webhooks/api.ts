import { Hono } from 'hono';
import { recordAudit } from '../audit/record.ts';
import { requireAdmin } from '../http/auth.ts';
import type { AppContext, AppDeps, AppEnv } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
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

/** An optional JSON body: none is `{}`; text that is not JSON is `null`, which validation refuses. */
const jsonOrEmpty = (text: string): unknown => {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
};

const notFound = () => new AppError('request.not_found', 'There is no webhook endpoint with this id.');

const invalid = (fields: Record<string, string>) =>
  new AppError('request.invalid', 'The webhook endpoint is not valid; see the fields.', fields);

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

  app.post('/webhooks', async (c) => {
    const user = requireAdmin(c);
    const input = createInput(allowPrivate).safeParse(await c.req.json().catch(() => null));
    if (!input.success) throw invalid(fieldsOf(input.error));
    await checkMailboxFilter(deps, input.data.mailboxId);
    const { endpoint, secret } = await createEndpoint(deps, input.data, user.id);
    await recordAudit(deps.db, user, 'webhook.created', { id: endpoint.id, url: endpoint.url });
    return c.json({ ...endpoint, secret }, 201);
  });

  app.get('/webhooks/:id', async (c) => c.json(await endpointOf(deps, c)));

  app.patch('/webhooks/:id', async (c) => {
    const user = requireAdmin(c);
    const endpoint = await endpointOf(deps, c);
    const input = updateInput(allowPrivate).safeParse(await c.req.json().catch(() => null));
    if (!input.success) throw invalid(fieldsOf(input.error));
    await checkMailboxFilter(deps, input.data.mailboxId);
    const updated = await updateEndpoint(deps.db, endpoint.id, input.data);
    await recordAudit(deps.db, user, 'webhook.updated', { id: endpoint.id, fields: Object.keys(input.data) });
    return c.json(updated ?? notFound());
  });

  app.delete('/webhooks/:id', async (c) => {
    const user = requireAdmin(c);
    const endpoint = await endpointOf(deps, c);
    await deleteEndpoint(deps.db, endpoint.id);
    await recordAudit(deps.db, user, 'webhook.deleted', { id: endpoint.id, url: endpoint.url });
    return c.body(null, 204);
  });

  app.post('/webhooks/:id/rotate-secret', async (c) => {
    const user = requireAdmin(c);
    const endpoint = await endpointOf(deps, c);
    const input = rotateInput.safeParse(jsonOrEmpty(await c.req.text()));
    if (!input.success) throw invalid(fieldsOf(input.error));
    const secret = await rotateSecret(deps, endpoint.id, input.data.keepPreviousHours);
    if (!secret) throw notFound();
    await recordAudit(deps.db, user, 'webhook.secret_rotated', {
      id: endpoint.id,
      keepPreviousHours: input.data.keepPreviousHours,
    });
    return c.json({ secret, keepPreviousHours: input.data.keepPreviousHours });
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
