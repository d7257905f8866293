import { type Context, Hono } from 'hono';
import { requireAdmin, requireUser, signedIn } from '../http/auth.ts';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { errorBody } from '../http/errors.ts';
import { jsonInput, queryInput } from '../http/validate.ts';
import { managedMailbox, visibleMailbox } from '../mailboxes/access.ts';
import { MailboxTokenError } from '../mailboxes/access-token.ts';
import { checkConnection } from '../mailboxes/check-connection.ts';
import { disconnectMailbox } from '../mailboxes/disconnect.ts';
import { FolderSelectionError, retrieveFolders, selectFolders, storedFolders } from '../mailboxes/folders.ts';
import { hasGraphToken } from '../mailboxes/graph-consent.ts';
import { mailboxView } from '../mailboxes/mailbox.ts';
import type { SendVia } from '../mailboxes/mailboxes.table.ts';
import { findMailbox, mailboxesVisibleTo } from '../mailboxes/repository.ts';
import { setSendVia } from '../mailboxes/send-via.ts';
import { MailTransportError } from '../transports/transport-error.ts';
import { deleteQuery, folderSelectionBody, foldersQuery, viaBodies } from './mailboxes-input.ts';

const folderView = (f: Awaited<ReturnType<typeof storedFolders>>[number]) => ({
  path: f.path,
  name: f.name,
  parentPath: f.parentPath,
  specialUse: f.specialUse,
  selected: f.selected,
});

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

  const onlyStored = 'A GET only reads the stored folders: retrieve them with POST …/folders/refresh.';
  app.get('/mailboxes/:id/folders', signedIn, queryInput(foldersQuery, onlyStored), async (c) => {
    const mailbox = await visibleMailbox(deps, requireUser(c), c.req.param('id'));
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

  const selection = jsonInput(folderSelectionBody, {
    message: 'Send { "selected": ["INBOX", …] }: the paths of the folders to sync.',
  });
  app.put('/mailboxes/:id/folders', signedIn, selection, async (c) => {
    const mailbox = await managedMailbox(deps, requireUser(c), c.req.param('id'), 'choose its folders');
    const { selected } = c.req.valid('json');
    try {
      return c.json({ folders: (await selectFolders(deps.db, mailbox.id, selected)).map(folderView) });
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
  const chooseMailVia = async (c: Context<AppEnv, '/mailboxes/:id'>, via: SendVia) => {
    const mailbox = await managedMailbox(deps, requireUser(c), c.req.param('id'), 'choose how it is reached');
    await setSendVia(deps.db, mailbox.id, via);
    return c.json(mailboxView((await findMailbox(deps.db, mailbox.id)) ?? mailbox));
  };
  const viaMessage = (field: string) => ({ message: `Send { "${field}": "auto" | "smtp" | "graph" }.` });
  app.put('/mailboxes/:id/send-via', signedIn, jsonInput(viaBodies.sendVia, viaMessage('sendVia')), (c) =>
    chooseMailVia(c, c.req.valid('json').sendVia),
  );
  app.put('/mailboxes/:id/mail-via', signedIn, jsonInput(viaBodies.mailVia, viaMessage('mailVia')), (c) =>
    chooseMailVia(c, c.req.valid('json').mailVia),
  );

  const deleting = queryInput(deleteQuery, 'Send ?mail=keep or ?mail=delete (the default).');
  app.delete('/mailboxes/:id', signedIn, deleting, async (c) => {
    const user = requireUser(c);
    const mailbox = await managedMailbox(deps, user, c.req.param('id'), 'delete it');
    const keep = c.req.valid('query').mail === 'keep';
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
