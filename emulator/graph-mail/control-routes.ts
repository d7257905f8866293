import { Hono } from 'hono';
import { z } from 'zod';
import type { EmulatorContext } from '../context.ts';
import { controlError, parseBody } from '../control/respond.ts';
import { findMailbox } from '../state/directory.ts';
import { invalidateMailbox } from './delta-store.ts';
import type { GraphMailState } from './state.ts';

const schemas = {
  throttle: z.object({
    address: z.email(),
    status: z.union([z.literal(429), z.literal(503)]).default(429),
    code: z.enum(['ApplicationThrottled', 'TooManyRequests']).default('ApplicationThrottled'),
    retryAfterSeconds: z.number().min(0).nullable().default(2),
    count: z.number().int().min(1).default(1),
  }),
  address: z.object({ address: z.email() }),
  fault: z.object({
    address: z.email(),
    mode: z.enum(['drop_connection', 'replay']),
    count: z.number().int().min(1).default(1),
  }),
  rest: z.object({ address: z.email(), enabled: z.boolean() }),
  settings: z.object({
    restDisabledStatus: z.union([z.literal(401), z.literal(404)]).optional(),
    mimeFromOverridden: z.boolean().optional(),
    deltaPageSize: z.number().int().min(1).max(1000).optional(),
    deltaGoneLocation: z.boolean().optional(),
    concurrencyLimit: z.number().int().min(1).nullable().optional(),
    concurrencyScope: z.enum(['app', 'mailbox']).optional(),
  }),
};

/** The Graph mail part of the control API, under `/_emulator/graph`. */
export const graphMailControlRoutes = (ctx: EmulatorContext, state: GraphMailState): Hono => {
  const app = new Hono();
  const known = (address: string) => findMailbox(ctx.dir, address)?.address ?? null;

  app.put('/throttle', async (c) => {
    const body = await parseBody(c, schemas.throttle);
    if (!body.ok) return body.response;
    const address = known(body.data.address);
    if (!address) return controlError(c, 404, 'not_found', `no mailbox ${body.data.address}`);
    const { status, code, retryAfterSeconds, count } = body.data;
    const throttle = {
      status,
      code: status === 503 ? ('serviceNotAvailable' as const) : code,
      retryAfterSeconds,
      remaining: count,
    };
    state.throttles.set(address, throttle);
    return c.json({ address, ...throttle });
  });
  app.delete('/throttle', async (c) => {
    const body = await parseBody(c, schemas.address);
    if (!body.ok) return body.response;
    state.throttles.delete(body.data.address.toLowerCase());
    return c.body(null, 204);
  });

  app.put('/faults', async (c) => {
    const body = await parseBody(c, schemas.fault);
    if (!body.ok) return body.response;
    const address = known(body.data.address);
    if (!address) return controlError(c, 404, 'not_found', `no mailbox ${body.data.address}`);
    const fault = { mode: body.data.mode, remaining: body.data.count };
    state.faults.set(address, fault);
    return c.json({ address, ...fault });
  });
  app.delete('/faults', async (c) => {
    const body = await parseBody(c, schemas.address);
    if (!body.ok) return body.response;
    state.faults.delete(body.data.address.toLowerCase());
    return c.body(null, 204);
  });

  app.put('/rest', async (c) => {
    const body = await parseBody(c, schemas.rest);
    if (!body.ok) return body.response;
    const address = known(body.data.address);
    if (!address) return controlError(c, 404, 'not_found', `no mailbox ${body.data.address}`);
    if (body.data.enabled) state.restDisabled.delete(address);
    else state.restDisabled.add(address);
    return c.json({ address, enabled: body.data.enabled });
  });

  app.post('/delta/invalidate', async (c) => {
    const body = await parseBody(c, schemas.address);
    if (!body.ok) return body.response;
    const address = known(body.data.address);
    if (!address) return controlError(c, 404, 'not_found', `no mailbox ${body.data.address}`);
    return c.json({ address, invalidated: invalidateMailbox(state.delta, address) });
  });

  app.put('/settings', async (c) => {
    const body = await parseBody(c, schemas.settings);
    if (!body.ok) return body.response;
    Object.assign(
      state.settings,
      Object.fromEntries(Object.entries(body.data).filter(([, v]) => v !== undefined)),
    );
    return c.json(state.settings);
  });

  /** Attachments added to drafts through upload sessions (`?mailbox=` to filter). */
  app.get('/uploads', (c) => {
    const mailbox = c.req.query('mailbox')?.toLowerCase();
    const uploads = state.finishedUploads.filter((u) => !mailbox || u.mailbox === mailbox);
    return c.json({
      uploads: uploads.map((u) => ({ ...u, finishedAt: new Date(u.finishedAt).toISOString() })),
    });
  });

  app.get('/sent', (c) => {
    const mailbox = c.req.query('mailbox')?.toLowerCase();
    const sent = state.sent.filter((m) => !mailbox || m.mailbox === mailbox);
    return c.json({
      messages: sent.map((m) => ({
        mailbox: m.mailbox,
        from: m.from,
        recipients: m.recipients,
        via: m.via,
        savedToSentItems: m.savedToSentItems,
        sentAt: new Date(m.sentAt).toISOString(),
        raw: m.raw.toString('utf8'),
      })),
    });
  });
  return app;
};
