import { Hono } from 'hono';
import { requireUser } from '../http/auth.ts';
import type { AppContext, AppDeps, AppEnv } from '../http/context.ts';
import { flash, renderPage } from '../http/render.tsx';
import { pageCspWithFormsTo } from '../http/security-headers.ts';
import { authorityOf, loadMicrosoftSettings } from '../microsoft/settings.ts';
import { useOwnPolicy } from '../reading/own-policy.ts';
import { syncProgress } from '../sync/run-sync.ts';
import { enqueueSyncNow } from '../sync/sync-now.ts';
import { MailTransportError } from '../transports/transport-error.ts';
import { mailboxWatch } from '../watch/watchable.ts';
import { managedMailbox, mayManage, visibleMailbox } from './access.ts';
import { MailboxTokenError } from './access-token.ts';
import { type ConnectionCheck, checkConnection } from './check-connection.ts';
import { finishConnect } from './connect-callback.ts';
import { startConnect } from './connect-start.ts';
import { disconnectMailbox } from './disconnect.ts';
import { FolderSelectionError, retrieveFolders, selectFolders, storedFolders } from './folders.ts';
import { GRAPH_ADMIN_CONSENT_PATH, hasGraphToken, startGraphConsent } from './graph-consent.ts';
import { ALLOW_GRAPH_LABEL } from './graph-consent-advice.ts';
import type { Mailbox } from './mailbox.ts';
import { MailboxDetail, MailboxList } from './pages.tsx';
import { findMailbox, mailboxesVisibleTo } from './repository.ts';
import { SEND_VIA, setSendVia } from './send-via.ts';

export const mailboxRoutes = (deps: AppDeps): Hono<AppEnv> => {
  const app = new Hono<AppEnv>();

  const detail = async (c: AppContext, mailbox: Mailbox, check?: ConnectionCheck) => {
    const user = requireUser(c);
    const fresh = (await findMailbox(deps.db, mailbox.id)) ?? mailbox;
    const folders = await storedFolders(deps.db, mailbox.id);
    const progress = await syncProgress(deps, mailbox.id);
    const watch = await mailboxWatch(deps.db, mailbox.id, deps.config.sync.pollSeconds);
    const graphAllowed = await hasGraphToken(deps.db, mailbox.id);
    if (!graphAllowed && fresh.connected && mayManage(user, fresh)) {
      // "Allow Mailroom to use Microsoft Graph" posts here and is redirected to Microsoft's authorize page.
      const authority = authorityOf(await loadMicrosoftSettings(deps.db));
      if (authority) useOwnPolicy(c, pageCspWithFormsTo(authority), { frameable: false });
    }
    return renderPage(deps, c, { title: fresh.address, current: '/mailboxes' }, (csrf) => (
      <MailboxDetail
        csrf={csrf}
        mailbox={fresh}
        folders={folders}
        progress={progress}
        watch={watch}
        check={check}
        mayManage={mayManage(user, fresh)}
        graph={{
          allowed: graphAllowed,
          adminConsentUrl: user.role === 'administrator' ? GRAPH_ADMIN_CONSENT_PATH : null,
        }}
      />
    ));
  };

  app.get('/mailboxes', async (c) => {
    const user = requireUser(c);
    let mailboxes = await mailboxesVisibleTo(deps.db, user);
    const state = c.req.query('state');
    if (state) mailboxes = mailboxes.filter((m) => m.state === state);
    const canConnect = (await loadMicrosoftSettings(deps.db)).syncEnabled;
    const hasOwn = mailboxes.some((m) => m.ownerUserId === user.id);
    return renderPage(deps, c, { title: 'Mailboxes', current: '/mailboxes' }, () => (
      <MailboxList mailboxes={mailboxes} canConnect={canConnect} hasOwn={hasOwn} />
    ));
  });
  app.get('/mailboxes/connect/microsoft', (c) => startConnect(deps, c));
  app.get('/mailboxes/connect/microsoft/callback', (c) => finishConnect(deps, c));

  app.get('/mailboxes/:id', async (c) =>
    detail(c, await visibleMailbox(deps, requireUser(c), c.req.param('id'))),
  );

  app.post('/mailboxes/:id/check', async (c) => {
    const mailbox = await managedMailbox(deps, requireUser(c), c.req.param('id'), 'check it');
    return detail(c, mailbox, await checkConnection(deps, mailbox));
  });

  app.post('/mailboxes/:id/send-via', async (c) => {
    const mailbox = await managedMailbox(deps, requireUser(c), c.req.param('id'), 'choose how it is reached');
    const chosen = (await c.req.parseBody()).sendVia;
    const via = SEND_VIA.find((v) => v === chosen);
    if (!via) {
      await flash(deps, c, 'error', 'Choose Automatic, IMAP and SMTP, or Microsoft Graph.');
      return c.redirect(`/mailboxes/${mailbox.id}`);
    }
    await setSendVia(deps.db, mailbox.id, via);
    const graphMissing = via === 'graph' && !(await hasGraphToken(deps.db, mailbox.id));
    await flash(
      deps,
      c,
      graphMissing ? 'info' : 'success',
      graphMissing
        ? `Saved how Mailroom reaches the mailbox. Mailroom is not allowed to use Microsoft Graph for it yet: press “${ALLOW_GRAPH_LABEL}” below.`
        : 'Saved how Mailroom reaches the mailbox.',
    );
    return c.redirect(`/mailboxes/${mailbox.id}`);
  });

  app.post('/mailboxes/:id/graph-consent', async (c) => {
    const user = requireUser(c);
    const mailbox = await managedMailbox(
      deps,
      user,
      c.req.param('id'),
      'allow Mailroom to use Microsoft Graph for it',
    );
    return startGraphConsent(deps, c, user, mailbox);
  });

  app.post('/mailboxes/:id/sync', async (c) => {
    const mailbox = await visibleMailbox(deps, requireUser(c), c.req.param('id'));
    await enqueueSyncNow(deps, mailbox.id);
    await flash(
      deps,
      c,
      'info',
      'Sync requested: a worker starts it in a moment; reload to see the progress.',
    );
    return c.redirect(`/mailboxes/${mailbox.id}`);
  });

  app.post('/mailboxes/:id/folders/retrieve', async (c) => {
    const mailbox = await managedMailbox(deps, requireUser(c), c.req.param('id'), 'retrieve its folders');
    try {
      const folders = await retrieveFolders(deps, mailbox);
      await flash(deps, c, 'success', `Retrieved ${folders.length} folders.`);
    } catch (error) {
      if (!(error instanceof MailTransportError) && !(error instanceof MailboxTokenError)) throw error;
      await flash(deps, c, 'error', 'The folders could not be retrieved: see the mailbox’s state.');
    }
    return c.redirect(`/mailboxes/${mailbox.id}`);
  });

  app.post('/mailboxes/:id/folders', async (c) => {
    const mailbox = await managedMailbox(deps, requireUser(c), c.req.param('id'), 'choose its folders');
    const body = await c.req.parseBody({ all: true });
    const paths = ([] as unknown[]).concat(body.folders ?? []).map(String);
    try {
      const saved = await selectFolders(deps.db, mailbox.id, paths);
      await flash(deps, c, 'success', `${saved.filter((f) => f.selected).length} folders will sync.`);
    } catch (error) {
      if (!(error instanceof FolderSelectionError)) throw error;
      await flash(deps, c, 'error', error.message);
    }
    return c.redirect(`/mailboxes/${mailbox.id}`);
  });

  app.post('/mailboxes/:id/disconnect', async (c) => {
    const user = requireUser(c);
    const mailbox = await managedMailbox(deps, user, c.req.param('id'), 'disconnect it');
    const mail = (await c.req.parseBody()).mail === 'delete' ? 'delete' : 'keep';
    await disconnectMailbox(deps.db, user, mailbox, mail);
    await flash(
      deps,
      c,
      'info',
      mail === 'delete'
        ? `${mailbox.address} is disconnected and its synced mail deleted.`
        : `${mailbox.address} is disconnected; its folders and mail are kept.`,
    );
    return c.redirect(
      mail === 'delete' && mailbox.kind === 'user' ? '/mailboxes' : `/mailboxes/${mailbox.id}`,
    );
  });

  return app;
};
