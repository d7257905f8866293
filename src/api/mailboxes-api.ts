import { type Context, Hono } from 'hono';
import { z } from 'zod';
import { requireAdmin, requireUser } from '../http/auth.ts';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { AppError, errorBody } from '../http/errors.ts';
import { managedMailbox, visibleMailbox } from '../mailboxes/access.ts';
import { MailboxTokenError } from '../mailboxes/access-token.ts';
import { checkConnection } from '../mailboxes/check-connection.ts';
import { disconnectMailbox } from '../mailboxes/disconnect.ts';
import { FolderSelectionError, retrieveFolders, selectFolders, storedFolders } from '../mailboxes/folders.ts';
import { hasGraphToken } from '../mailboxes/graph-consent.ts';
import { mailboxView } from '../mailboxes/mailbox.ts';
import { findMailbox, mailboxesVisibleTo } from '../mailboxes/repository.ts';
import { SEND_VIA, setSendVia } from '../mailboxes/send-via.ts';
import { MailTransportError } from '../transports/transport-error.ts';

const folderView = (f: Awaited<ReturnType<typeof storedFolders>>[number]) => ({
  path: f.path,
  name: f.name,
  parentPath: f.parentPath,
  specialUse: f.specialUse,
  selected: f.selected,
});

/** The body of PUT …/send-via and …/mail-via: one field, named after its route, giving the choice. */
const viaBodies = {
  sendVia: z
    .object({ sendVia: z.enum(SEND_VIA) })
    .strict()
    .transform((b) => b.sendVia),
  mailVia: z
    .object({ mailVia: z.enum(SEND_VIA) })
    .strict()
    .transform((b) => b.mailVia),
};

/** Mailboxes over the API: list and get with their state, folders, check connection, delete. */
export const mailboxesApi = (deps: AppDeps): Hono<AppEnv> => {
  const app = new Hono<AppEnv>();

  app.get('/mailboxes', async (c) =>
    c.json({ mailboxes: (await mailboxesVisibleTo(deps.db, requireUser(c))).map(mailboxView) }),
  );
  app.get('/mailboxes/:id', async (c) => {
    const mailbox = await visibleMailbox(deps, requireUser(c), c.req.param('id'));
    return c.json({ ...mailboxView(mailbox), graphAllowed: await hasGraphToken(deps.db, mailbox.id) });
  });

  app.get('/mailboxes/:id/folders', async (c) => {
    const mailbox = await visibleMailbox(deps, requireUser(c), c.req.param('id'));
    // A GET changes nothing: retrieving the list over IMAP rewrites it, so it is a POST of its own.
    if (c.req.query('refresh') === 'true')
      throw new AppError(
        'request.invalid',
        `A GET only reads the stored folders: retrieve them with POST /api/mailboxes/${mailbox.id}/folders/refresh.`,
      );
    return c.json({ folders: (await storedFolders(deps.db, mailbox.id)).map(folderView) });
  });

  app.post('/mailboxes/:id/folders/refresh', async (c) => {
    const user = requireUser(c);
    const mailbox = await managedMailbox(deps, user, c.req.param('id'), 'retrieve its folders');
    try {
      return c.json({ folders: (await retrieveFolders(deps, mailbox)).map(folderView) });
    } catch (error) {
      if (!(error instanceof MailTransportError) && !(error instanceof MailboxTokenError)) throw error;
      const state = await visibleMailbox(deps, user, mailbox.id);
      return c.json(errorBody(error.code, state.stateMessage ?? 'The folders could not be retrieved.'), 502);
    }
  });

  app.put('/mailboxes/:id/folders', async (c) => {
    const mailbox = await managedMailbox(deps, requireUser(c), c.req.param('id'), 'choose its folders');
    const body = (await c.req.json().catch(() => null)) as { selected?: unknown } | null;
    if (!body || !Array.isArray(body.selected) || !body.selected.every((p) => typeof p === 'string')) {
      return c.json(
        errorBody('request.invalid', 'Send { "selected": ["INBOX", …] }: the paths of the folders to sync.'),
        400,
      );
    }
    try {
      return c.json({
        folders: (await selectFolders(deps.db, mailbox.id, body.selected as string[])).map(folderView),
      });
    } catch (error) {
      if (!(error instanceof FolderSelectionError)) throw error;
      return c.json(errorBody(error.code, error.message), 400);
    }
  });

  app.post('/mailboxes/:id/check', async (c) => {
    const mailbox = await managedMailbox(deps, requireUser(c), c.req.param('id'), 'check it');
    return c.json(await checkConnection(deps, mailbox));
  });

  // The mailbox's one way to Microsoft 365, for reading and sending (issue 13 §3). `send-via` is its first
  // name, kept for clients written against it; `mail-via` says what it covers.
  const chooseMailVia = (field: keyof typeof viaBodies) => async (c: Context<AppEnv, '/mailboxes/:id'>) => {
    const mailbox = await managedMailbox(deps, requireUser(c), c.req.param('id'), 'choose how it is reached');
    // A body that is not JSON becomes null, which the schema refuses with the 400 below.
    const body = viaBodies[field].safeParse(await c.req.json().catch(() => null));
    if (!body.success)
      return c.json(errorBody('request.invalid', `Send { "${field}": "auto" | "smtp" | "graph" }.`), 400);
    await setSendVia(deps.db, mailbox.id, body.data);
    return c.json(mailboxView((await findMailbox(deps.db, mailbox.id)) ?? mailbox));
  };
  app.put('/mailboxes/:id/send-via', chooseMailVia('sendVia'));
  app.put('/mailboxes/:id/mail-via', chooseMailVia('mailVia'));

  app.delete('/mailboxes/:id', async (c) => {
    const user = requireUser(c);
    const mailbox = await managedMailbox(deps, user, c.req.param('id'), 'delete it');
    const keep = c.req.query('mail') === 'keep';
    if (mailbox.kind === 'system' && !keep) {
      requireAdmin(c);
      await deps.db.deleteFrom('mailboxes').where('id', '=', mailbox.id).execute();
    } else {
      await disconnectMailbox(deps.db, user, mailbox, keep ? 'keep' : 'delete');
    }
    return c.body(null, 204);
  });

  return app;
};
