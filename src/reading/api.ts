import { Hono } from 'hono';
import { requireUser, signedIn } from '../http/auth.ts';
import type { AppContext, AppDeps, AppEnv } from '../http/context.ts';
import { errorBody } from '../http/errors.ts';
import { jsonInput, queryInput } from '../http/validate.ts';
import { visibleMailbox } from '../mailboxes/access.ts';
import { MessagesError } from '../messages/messages-error.ts';
import { getMessage, listMessages, threadOf } from '../messages/queries.ts';
import { visibleMessage } from './access.ts';
import { flagsBody, listQuery, messageQuery } from './api-input.ts';
import { attachmentResponse } from './attachment-download.ts';
import { displayHtml } from './display-html.ts';
import { schedulePendingFlagPush } from './flag-push.ts';
import { setLocalFlags } from './local-flags.ts';
import { messageView, summaryView } from './views.ts';

const messageOf = (deps: AppDeps, c: AppContext) =>
  visibleMessage(deps, requireUser(c), c.req.param('id') ?? '', c.req.param('messageId') ?? '');

/** Reading mail over the API: list with filters and a cursor, get, attachments, flags. */
export const readingApi = (deps: AppDeps): Hono<AppEnv> => {
  const app = new Hono<AppEnv>();

  const listing = queryInput(listQuery, 'The list parameters are not valid.');
  app.get('/mailboxes/:id/messages', signedIn, listing, async (c) => {
    const mailbox = await visibleMailbox(deps, requireUser(c), c.req.param('id'));
    const { folder, q, unread, cursor, limit } = c.req.valid('query');
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

  const showing = queryInput(messageQuery, 'The message parameters are not valid.');
  app.get('/mailboxes/:id/messages/:messageId', signedIn, showing, async (c) => {
    const { mailbox, message } = await messageOf(deps, c);
    const remoteImages = c.req.valid('query').remoteImages === 'true';
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

  const flagging = jsonInput(flagsBody, { message: 'Send { "seen": true|false, "flagged": true|false }.' });
  app.patch('/mailboxes/:id/messages/:messageId', signedIn, flagging, async (c) => {
    const { mailbox, message } = await messageOf(deps, c);
    const changed = await setLocalFlags(deps.db, mailbox.id, message.id, c.req.valid('json'));
    if (changed > 0) schedulePendingFlagPush(deps, mailbox.id);
    return c.json(summaryView((await getMessage(deps.db, mailbox.id, message.id)) ?? message));
  });

  return app;
};
