import { Hono } from 'hono';
import { recordAudit } from '../audit/record.ts';
import { requireAdmin } from '../http/auth.ts';
import type { AppContext, AppDeps, AppEnv } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import { flash, renderPage } from '../http/render.tsx';
import { findMailbox, mailboxesVisibleTo } from '../mailboxes/repository.ts';
import { Csrf } from '../ui/layout.tsx';
import type { User } from '../users/users.table.ts';
import { listDeliveries, resendDelivery, sendTestEvent } from './delivery-log.ts';
import { createInput, fieldsOf, updateInput } from './endpoint-input.ts';
import {
  createEndpoint,
  DEFAULT_KEEP_PREVIOUS_HOURS,
  deleteEndpoint,
  findEndpoint,
  listEndpoints,
  rotateSecret,
  updateEndpoint,
  type WebhookEndpoint,
} from './endpoints.ts';
import {
  DeliveryLog,
  EndpointFields,
  type EndpointForm,
  EndpointList,
  emptyForm,
  SecretOnce,
  SIGNATURE_GUIDE,
} from './pages.tsx';

const PAGE = '/settings/webhooks';

const formOf = (body: Record<string, unknown>): EndpointForm => {
  const types = body.eventTypes;
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    url: text(body.url),
    description: text(body.description),
    eventTypes: (Array.isArray(types) ? types : types === undefined ? [] : [types]).map(text),
    mailboxId: text(body.mailboxId),
  };
};

const inputOf = (form: EndpointForm) => ({
  url: form.url,
  description: form.description,
  eventTypes: form.eventTypes,
  mailboxId: form.mailboxId || null,
});

const mailboxError = async (deps: AppDeps, mailboxId: string): Promise<Record<string, string>> =>
  mailboxId && !(await findMailbox(deps.db, mailboxId))
    ? { mailboxId: 'That mailbox no longer exists.' }
    : {};

/** Administrators: register endpoints, see why one was turned off, its delivery log, resend, test. */
export const webhookRoutes = (deps: AppDeps): Hono<AppEnv> => {
  const app = new Hono<AppEnv>();
  const allowPrivate = deps.config.webhooks.allowPrivate;

  const listPage = async (
    c: AppContext,
    user: User,
    form: EndpointForm = emptyForm,
    errors: Record<string, string> = {},
    secret: string | null = null,
  ) => {
    const [endpoints, mailboxes] = await Promise.all([
      listEndpoints(deps.db),
      mailboxesVisibleTo(deps.db, user),
    ]);
    return renderPage(
      deps,
      c,
      { title: 'Webhooks', current: PAGE, status: Object.keys(errors).length > 0 ? 400 : 200 },
      (csrf) => (
        <>
          <h1>Webhooks</h1>
          <p class="lead">
            Mailroom posts each event to these URLs as JSON, signed per the Standard Webhooks specification
            (headers <code>webhook-id</code>, <code>webhook-timestamp</code>, <code>webhook-signature</code>),
            and retries for 3 days. An endpoint without a mailbox receives every mailbox’s events.{' '}
            <a href={SIGNATURE_GUIDE}>The guide</a> shows how a receiver checks the signature.
          </p>
          {secret && <SecretOnce secret={secret} />}
          <EndpointList endpoints={endpoints} />
          <h2>Add an endpoint</h2>
          <form method="post" action={PAGE} class="card">
            <Csrf token={csrf} />
            <EndpointFields form={form} errors={errors} mailboxes={mailboxes} />
            <button type="submit">Add endpoint</button>
          </form>
        </>
      ),
    );
  };

  const endpointPage = async (
    c: AppContext,
    user: User,
    endpoint: WebhookEndpoint,
    options: { form?: EndpointForm; errors?: Record<string, string>; secret?: string } = {},
  ) => {
    const [deliveries, mailboxes] = await Promise.all([
      listDeliveries(deps.db, endpoint.id),
      mailboxesVisibleTo(deps.db, user),
    ]);
    const form = options.form ?? {
      url: endpoint.url,
      description: endpoint.description,
      eventTypes: endpoint.eventTypes,
      mailboxId: endpoint.mailboxId ?? '',
    };
    const base = `${PAGE}/${endpoint.id}`;
    const errors = options.errors ?? {};
    return renderPage(
      deps,
      c,
      { title: 'Webhook endpoint', current: PAGE, status: Object.keys(errors).length > 0 ? 400 : 200 },
      (csrf) => (
        <>
          <p>
            <a href={PAGE}>← Webhooks</a>
          </p>
          <h1 class="mono">{endpoint.url}</h1>
          {options.secret && <SecretOnce secret={options.secret} />}
          {endpoint.disabled && (
            <div class="flash error" role="alert">
              Mailroom turned this endpoint off on {endpoint.disabled.at.replace('T', ' ').slice(0, 19)} UTC:{' '}
              {endpoint.disabled.reason}
            </div>
          )}
          <div class="actions">
            <form method="post" action={`${base}/test`}>
              <Csrf token={csrf} />
              <button type="submit">Send test event</button>
            </form>
            <form method="post" action={`${base}/enabled`}>
              <Csrf token={csrf} />
              <input type="hidden" name="enabled" value={endpoint.enabled ? 'false' : 'true'} />
              <button type="submit" class="secondary">
                {endpoint.enabled ? 'Turn off' : 'Turn on'}
              </button>
            </form>
            <form method="post" action={`${base}/rotate-secret`}>
              <Csrf token={csrf} />
              <button
                type="submit"
                class="secondary"
                title="The old secret keeps signing beside the new one for 24 hours"
              >
                Rotate secret
              </button>
            </form>
            <form method="post" action={`${base}/rotate-secret`}>
              <Csrf token={csrf} />
              <input type="hidden" name="revoke" value="true" />
              <button
                type="submit"
                class="secondary"
                title="For a leaked secret: the old one stops signing at once"
              >
                Rotate and revoke the old secret
              </button>
            </form>
            <form method="post" action={`${base}/delete`}>
              <Csrf token={csrf} />
              <button type="submit" class="secondary">
                Delete
              </button>
            </form>
          </div>
          <h2>Delivery log</h2>
          <DeliveryLog endpointId={endpoint.id} deliveries={deliveries} csrf={csrf} />
          <h2>Change</h2>
          <form method="post" action={base} class="card">
            <Csrf token={csrf} />
            <EndpointFields form={form} errors={errors} mailboxes={mailboxes} />
            <button type="submit">Save</button>
          </form>
        </>
      ),
    );
  };

  const endpointOf = async (c: AppContext) => {
    const endpoint = await findEndpoint(deps.db, c.req.param('id') ?? '');
    if (!endpoint) throw new AppError('request.not_found', 'There is no webhook endpoint with this id.');
    return endpoint;
  };

  app.get(PAGE, async (c) => listPage(c, requireAdmin(c)));

  app.post(PAGE, async (c) => {
    const user = requireAdmin(c);
    const form = formOf(await c.req.parseBody({ all: true }));
    const input = createInput(allowPrivate).safeParse(inputOf(form));
    const errors = {
      ...(input.success ? {} : fieldsOf(input.error)),
      ...(await mailboxError(deps, form.mailboxId)),
    };
    if (!input.success || Object.keys(errors).length > 0) return listPage(c, user, form, errors);
    const { endpoint, secret } = await createEndpoint(deps, input.data, user.id);
    await recordAudit(deps.db, user, 'webhook.created', { id: endpoint.id, url: endpoint.url });
    // Rendered, not redirected: the secret is never put where it could be shown again (a flash is stored).
    return endpointPage(c, user, endpoint, { secret });
  });

  app.get(`${PAGE}/:id`, async (c) => {
    const user = requireAdmin(c);
    return endpointPage(c, user, await endpointOf(c));
  });

  app.post(`${PAGE}/:id`, async (c) => {
    const user = requireAdmin(c);
    const endpoint = await endpointOf(c);
    const form = formOf(await c.req.parseBody({ all: true }));
    const input = updateInput(allowPrivate).safeParse(inputOf(form));
    const errors = {
      ...(input.success ? {} : fieldsOf(input.error)),
      ...(await mailboxError(deps, form.mailboxId)),
    };
    if (!input.success || Object.keys(errors).length > 0)
      return endpointPage(c, user, endpoint, { form, errors });
    await updateEndpoint(deps.db, endpoint.id, input.data);
    await recordAudit(deps.db, user, 'webhook.updated', { id: endpoint.id, fields: Object.keys(input.data) });
    await flash(deps, c, 'success', 'Saved.');
    return c.redirect(`${PAGE}/${endpoint.id}`);
  });

  app.post(`${PAGE}/:id/enabled`, async (c) => {
    const user = requireAdmin(c);
    const endpoint = await endpointOf(c);
    const enabled = (await c.req.parseBody()).enabled === 'true';
    await updateEndpoint(deps.db, endpoint.id, { enabled });
    await recordAudit(deps.db, user, 'webhook.updated', { id: endpoint.id, fields: ['enabled'] });
    await flash(
      deps,
      c,
      'success',
      enabled ? 'Turned on: waiting messages go out now, oldest first.' : 'Turned off.',
    );
    return c.redirect(`${PAGE}/${endpoint.id}`);
  });

  app.post(`${PAGE}/:id/rotate-secret`, async (c) => {
    const user = requireAdmin(c);
    const endpoint = await endpointOf(c);
    // "Rotate secret" keeps the old one signing for a day; "Revoke" (a leaked secret) stops it at once.
    const keepPreviousHours = (await c.req.parseBody()).revoke === 'true' ? 0 : DEFAULT_KEEP_PREVIOUS_HOURS;
    const secret = await rotateSecret(deps, endpoint.id, keepPreviousHours);
    if (!secret) throw new AppError('request.not_found', 'There is no webhook endpoint with this id.');
    await recordAudit(deps.db, user, 'webhook.secret_rotated', { id: endpoint.id, keepPreviousHours });
    return endpointPage(c, user, endpoint, { secret });
  });

  app.post(`${PAGE}/:id/delete`, async (c) => {
    const user = requireAdmin(c);
    const endpoint = await endpointOf(c);
    await deleteEndpoint(deps.db, endpoint.id);
    await recordAudit(deps.db, user, 'webhook.deleted', { id: endpoint.id, url: endpoint.url });
    await flash(deps, c, 'success', `Deleted the endpoint ${endpoint.url}.`);
    return c.redirect(PAGE);
  });

  app.post(`${PAGE}/:id/test`, async (c) => {
    requireAdmin(c);
    const endpoint = await endpointOf(c);
    await sendTestEvent(deps.db, endpoint.id, new Date());
    await flash(
      deps,
      c,
      'info',
      endpoint.enabled
        ? 'A test event is queued; reload to see its delivery in the log.'
        : 'A test event is queued; it goes out once the endpoint is turned on.',
    );
    return c.redirect(`${PAGE}/${endpoint.id}`);
  });

  app.post(`${PAGE}/:id/deliveries/:deliveryId/resend`, async (c) => {
    requireAdmin(c);
    const endpoint = await endpointOf(c);
    if (!(await resendDelivery(deps.db, endpoint.id, c.req.param('deliveryId'), new Date())))
      throw new AppError('request.not_found', 'This endpoint has no delivery with this id.');
    await flash(deps, c, 'info', 'Queued to be sent again; reload to see the attempt in the log.');
    return c.redirect(`${PAGE}/${endpoint.id}`);
  });

  return app;
};
