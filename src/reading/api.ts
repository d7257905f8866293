import { Hono } from 'hono';
import { z } from 'zod';
import { requireUser } from '../http/auth.ts';
import type { AppContext, AppDeps, AppEnv } from '../http/context.ts';
import { AppError, errorBody } from '../http/errors.ts';
import { visibleMailbox } from '../mailboxes/access.ts';
import { MessagesError } from '../messages/messages-error.ts';
import { getMessage, listMessages, threadOf } from '../messages/queries.ts';
import { MAX_QUERY_LENGTH } from '../messages/search.ts';
import { visibleMessage } from './access.ts';
import { attachmentResponse } from './attachment-download.ts';
import { displayHtml } from './display-html.ts';
import { schedulePendingFlagPush } from './flag-push.ts';
import { setLocalFlags } from './local-flags.ts';
import { messageView, summaryView } from './views.ts';

const listQuery = z.object({
  folder: z.string().min(1).optional(),
  q: z.string().max(MAX_QUERY_LENGTH).optional(),
  unread: z.enum(['true', 'false']).optional(),
  cursor: z.string().max(1000).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const flagsBody = z
  .object({ seen: z.boolean().optional(), flagged: z.boolean().optional() })
  .strict()
  .refine((b) => b.seen !== undefined || b.flagged !== undefined, 'Send "seen", "flagged" or both.');

/** A zod failure as the API's 400, one message per field. */
const invalid = (error: z.ZodError, message: string): AppError =>
  new AppError(
    'request.invalid',
    message,
    Object.fromEntries(error.issues.map((i) => [i.path.join('.') || 'body', i.message])),
  );

const messageOf = (deps: AppDeps, c: AppContext) =>
  visibleMessage(deps, requireUser(c), c.req.param('id') ?? '', c.req.param('messageId') ?? '');

/** Reading mail over the API: list with filters and a cursor, get, attachments, flags. */
export const readingApi = (deps: AppDeps): Hono<AppEnv> => {
  const app = new Hono<AppEnv>();

  app.get('/mailboxes/:id/messages', async (c) => {
    const mailbox = await visibleMailbox(deps, requireUser(c), c.req.param('id'));
    const query = listQuery.safeParse(c.req.query());
    if (!query.success) throw invalid(query.error, 'The list parameters are not valid.');
    const { folder, q, unread, cursor, limit } = query.data;
    try {
      const page = await listMessages(deps.db, {
        mailboxId: mailbox.id,
        limit,
        unread: unread === 'true',
        ...(folder ? { path: folder } : {}),
        ...(q ? { search: q } : {}),
        ...(cursor ? { cursor } : {}),
      });
      return c.json({ messages: page.messages.map(summaryView), nextCursor: page.nextCursor });
    } catch (error) {
      if (!(error instanceof MessagesError) || error.code !== 'messages.invalid_cursor') throw error;
      return c.json(
        errorBody(error.code, 'This cursor was not given by this list: start again without it.'),
        400,
      );
    }
  });

  app.get('/mailboxes/:id/messages/:messageId', async (c) => {
    const { mailbox, message } = await messageOf(deps, c);
    const remoteImages = c.req.query('remoteImages') === 'true';
    const shown = await displayHtml(deps, message, { allowRemoteImages: remoteImages, inlineImages: false });
    const thread = await threadOf(deps.db, mailbox.id, message.threadId);
    return c.json(
      messageView(
        message,
        shown,
        thread.map((t) => t.id),
      ),
    );
  });

  app.get('/mailboxes/:id/messages/:messageId/attachments/:attachmentId', async (c) => {
    const { message } = await messageOf(deps, c);
    return attachmentResponse(deps, c, message, c.req.param('attachmentId'));
  });

  app.patch('/mailboxes/:id/messages/:messageId', async (c) => {
    const { mailbox, message } = await messageOf(deps, c);
    const body = flagsBody.safeParse(await c.req.json().catch(() => null));
    if (!body.success) throw invalid(body.error, 'Send { "seen": true|false, "flagged": true|false }.');
    const changed = await setLocalFlags(deps.db, mailbox.id, message.id, body.data);
    if (changed > 0) schedulePendingFlagPush(deps, mailbox.id);
    return c.json(summaryView((await getMessage(deps.db, mailbox.id, message.id)) ?? message));
  });

  return app;
};
