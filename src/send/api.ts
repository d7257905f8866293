import { Hono } from 'hono';
import { z } from 'zod';
import { requireUser, signedIn } from '../http/auth.ts';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import { jsonInput, queryInput } from '../http/validate.ts';
import { visibleMailbox } from '../mailboxes/access.ts';
import { composeSchema, parseComposeRequest } from './compose-input.ts';
import { sendSoon } from './outbox.ts';
import { outgoingViewFor } from './outgoing-access.ts';
import { queueSend } from './queue-send.ts';
import { discardOutgoing, listOutgoing, outgoingOf, retryOutgoing } from './retry.ts';

/** What `GET …/outgoing` reads; the OpenAPI document shows the same schema. */
export const outgoingQuery = z.object({
  state: z.enum(['queued', 'sending', 'sent', 'failed']).optional().describe('Only this state'),
  cursor: z.string().max(1000).optional().describe('From the previous page'),
  limit: z.coerce.number().int().min(1).max(200).default(50).describe('Page size'),
});

/** Printable ASCII, like Stripe's and the IETF draft's keys; a UUID fits. */
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/** Sending over the API: send (with an Idempotency-Key), the outbox, one message's state, retry. */
export const sendApi = (deps: AppDeps): Hono<AppEnv> => {
  const app = new Hono<AppEnv>();

  // The schema is composeSchema; parseComposeRequest applies it and also reads every address, so one
  // answer names each problem, and sums the attachments against the configured limit.
  const message = jsonInput(composeSchema, {
    message: 'The message cannot be sent as it is.',
    parse: (body) => parseComposeRequest(body, deps.config.send),
  });
  app.post('/mailboxes/:id/send', signedIn, message, async (c) => {
    const user = requireUser(c);
    const mailbox = await visibleMailbox(deps, user, c.req.param('id'));
    const key = c.req.header('idempotency-key') ?? null;
    if (key !== null && !IDEMPOTENCY_KEY.test(key))
      throw new AppError(
        'request.invalid',
        'The Idempotency-Key header is 1 to 200 printable ASCII characters.',
        {
          'Idempotency-Key': 'Use a UUID, for instance.',
        },
      );
    const request = c.req.valid('json');
    const { row, replayed } = await queueSend(deps, user, mailbox, request, { idempotencyKey: key });
    if (!replayed) await sendSoon(deps, row);
    if (replayed) c.header('Idempotent-Replayed', 'true');
    return c.json(outgoingViewFor(user, row), replayed ? 200 : 202);
  });

  const listing = queryInput(outgoingQuery, 'The list parameters are not valid.');
  app.get('/mailboxes/:id/outgoing', signedIn, listing, async (c) => {
    const user = requireUser(c);
    const mailbox = await visibleMailbox(deps, user, c.req.param('id'));
    const { state, cursor, limit } = c.req.valid('query');
    const page = await listOutgoing(deps.db, mailbox.id, {
      limit,
      ...(state ? { state } : {}),
      ...(cursor ? { cursor } : {}),
    });
    return c.json({
      outgoing: page.rows.map((row) => outgoingViewFor(user, row)),
      nextCursor: page.nextCursor,
    });
  });

  app.get('/mailboxes/:id/outgoing/:outgoingId', async (c) => {
    const user = requireUser(c);
    const mailbox = await visibleMailbox(deps, user, c.req.param('id'));
    return c.json(outgoingViewFor(user, await outgoingOf(deps.db, mailbox, c.req.param('outgoingId'))));
  });

  app.delete('/mailboxes/:id/outgoing/:outgoingId', async (c) => {
    const user = requireUser(c);
    const mailbox = await visibleMailbox(deps, user, c.req.param('id'));
    await discardOutgoing(deps.db, user, await outgoingOf(deps.db, mailbox, c.req.param('outgoingId')));
    return c.body(null, 204);
  });

  app.post('/mailboxes/:id/outgoing/:outgoingId/retry', async (c) => {
    const user = requireUser(c);
    const mailbox = await visibleMailbox(deps, user, c.req.param('id'));
    const row = await retryOutgoing(
      deps.db,
      user,
      mailbox,
      await outgoingOf(deps.db, mailbox, c.req.param('outgoingId')),
    );
    await sendSoon(deps, row);
    return c.json(outgoingViewFor(user, row), 202);
  });

  return app;
};
