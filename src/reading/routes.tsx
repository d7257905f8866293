import { Hono } from 'hono';
import { requireUser } from '../http/auth.ts';
import type { AppContext, AppDeps, AppEnv } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import { redirectLocal } from '../http/redirect.ts';
import { flash, renderPage } from '../http/render.tsx';
import { visibleMailbox } from '../mailboxes/access.ts';
import { storedFolders } from '../mailboxes/folders.ts';
import { mailboxesVisibleTo } from '../mailboxes/repository.ts';
import { MessagesError } from '../messages/messages-error.ts';
import { listMessages, threadOf } from '../messages/queries.ts';
import { MAX_QUERY_LENGTH } from '../messages/search.ts';
import { maySendFrom } from '../send/queue-send.ts';
import { visibleMessage } from './access.ts';
import { attachmentResponse } from './attachment-download.ts';
import { bodyFrameResponse } from './body-frame.ts';
import { displayHtml } from './display-html.ts';
import { schedulePendingFlagPush } from './flag-push.ts';
import { type FlagChange, setLocalFlags } from './local-flags.ts';
import { type FolderLink, MailHome, MessageList, mailboxTitle } from './mail-pages.tsx';
import { MessagePage } from './message-page.tsx';
import { unreadCounts } from './unread-counts.ts';
import { wholeHtmlResponse } from './whole-html.ts';

const PAGE_SIZE = 50;

/** The folders a reader picks from: those the mailbox syncs. */
const folderLinks = async (deps: AppDeps, mailboxId: string): Promise<FolderLink[]> =>
  (await storedFolders(deps.db, mailboxId))
    .filter((f) => f.selected)
    .map((f) => ({ path: f.path, name: f.name }));

const messageOf = (deps: AppDeps, c: AppContext) =>
  visibleMessage(deps, requireUser(c), c.req.param('mailboxId') ?? '', c.req.param('messageId') ?? '');

/** Changes flags in Mailroom at once and on the server in the background. */
const changeFlags = async (deps: AppDeps, mailboxId: string, messageId: string, change: FlagChange) => {
  if ((await setLocalFlags(deps.db, mailboxId, messageId, change)) > 0)
    schedulePendingFlagPush(deps, mailboxId);
};

/** The back office's reading pages: mailboxes and folders, message lists, a message, its frame, files. */
export const readingRoutes = (deps: AppDeps): Hono<AppEnv> => {
  const app = new Hono<AppEnv>();

  app.get('/mail', async (c) => {
    const mailboxes = await mailboxesVisibleTo(deps.db, requireUser(c));
    const counts = await unreadCounts(
      deps.db,
      mailboxes.map((m) => m.id),
    );
    const entries = await Promise.all(
      mailboxes.map(async (mailbox) => ({
        mailbox,
        folders: await folderLinks(deps, mailbox.id),
        ...(counts.has(mailbox.id) ? { counts: counts.get(mailbox.id)! } : {}),
      })),
    );
    return renderPage(deps, c, { title: 'Mail', current: '/mail' }, () => <MailHome mailboxes={entries} />);
  });

  app.get('/mail/:mailboxId', async (c) => {
    const user = requireUser(c);
    const mailbox = await visibleMailbox(deps, user, c.req.param('mailboxId'));
    const state = {
      folder: c.req.query('folder') || undefined,
      q: c.req.query('q')?.trim() || undefined,
      unread: c.req.query('unread') === '1',
      cursor: c.req.query('cursor') || undefined,
    };
    if (state.q && state.q.length > MAX_QUERY_LENGTH)
      throw new AppError('request.invalid', `A search has at most ${MAX_QUERY_LENGTH} characters.`, {
        q: 'Shorten the search.',
      });
    const page = await listMessages(deps.db, {
      mailboxId: mailbox.id,
      limit: PAGE_SIZE,
      unread: state.unread,
      ...(state.folder ? { path: state.folder } : {}),
      ...(state.q ? { search: state.q } : {}),
      ...(state.cursor ? { cursor: state.cursor } : {}),
    }).catch((error: unknown) => {
      if (error instanceof MessagesError && error.code === 'messages.invalid_cursor')
        throw new AppError(
          'request.invalid',
          'This page of the list no longer exists: start from the newest.',
        );
      throw error;
    });
    const folders = await folderLinks(deps, mailbox.id);
    const counts = (await unreadCounts(deps.db, [mailbox.id])).get(mailbox.id);
    return renderPage(deps, c, { title: mailboxTitle(mailbox), current: '/mail' }, () => (
      <MessageList
        mailbox={mailbox}
        folders={folders}
        counts={counts}
        state={state}
        maySend={maySendFrom(user, mailbox)}
        {...page}
      />
    ));
  });

  app.get('/mail/:mailboxId/messages/:messageId', async (c) => {
    const { mailbox, message } = await messageOf(deps, c);
    // A GET changes nothing (a link preview or a prefetch is not a reader): the page sends its own read
    // receipt once it is shown, and without a script the reader presses Mark read.
    const thread = await threadOf(deps.db, mailbox.id, message.threadId);
    // The frame's own run: the frame that loads next finds it done.
    const shown = await displayHtml(deps, message, { allowRemoteImages: false, inlineImages: true });
    const folder = c.req.query('folder') || undefined;
    return renderPage(deps, c, { title: message.subject || '(no subject)', current: '/mail' }, (csrf) => (
      <MessagePage
        csrf={csrf}
        mailbox={mailbox}
        message={message}
        thread={thread}
        blockedImages={shown?.blockedImages ?? 0}
        htmlCut={shown?.cut ?? null}
        folder={folder}
        maySend={maySendFrom(requireUser(c), mailbox)}
      />
    ));
  });

  app.get('/mail/:mailboxId/messages/:messageId/body', async (c) => {
    const { message } = await messageOf(deps, c);
    return bodyFrameResponse(deps, c, message, c.req.query('images') === '1');
  });

  app.get('/mail/:mailboxId/messages/:messageId/html', async (c) => {
    const { message } = await messageOf(deps, c);
    return wholeHtmlResponse(deps, c, message);
  });

  app.get('/mail/:mailboxId/messages/:messageId/attachments/:attachmentId', async (c) => {
    const { message } = await messageOf(deps, c);
    return attachmentResponse(deps, c, message, c.req.param('attachmentId'));
  });

  app.post('/mail/:mailboxId/messages/:messageId/flags', async (c) => {
    const { mailbox, message } = await messageOf(deps, c);
    const form = await c.req.parseBody();
    const flag = (name: string) =>
      form[name] === 'true' ? true : form[name] === 'false' ? false : undefined;
    const change: FlagChange = {
      ...(flag('seen') === undefined ? {} : { seen: flag('seen')! }),
      ...(flag('flagged') === undefined ? {} : { flagged: flag('flagged')! }),
    };
    if (change.seen === undefined && change.flagged === undefined)
      throw new AppError('request.invalid', 'Choose what to change: read, unread, flagged.');
    await changeFlags(deps, mailbox.id, message.id, change);
    const folder = c.req.query('folder');
    const suffix = folder ? `?${new URLSearchParams({ folder })}` : '';
    // Back to the list after "Mark unread": reopening the message would read it again.
    if (change.seen === false) {
      await flash(deps, c, 'info', `“${message.subject || '(no subject)'}” is marked unread.`);
      return redirectLocal(c, deps.config, `/mail/${mailbox.id}${suffix}`);
    }
    return redirectLocal(c, deps.config, `/mail/${mailbox.id}/messages/${message.id}${suffix}`);
  });

  return app;
};
