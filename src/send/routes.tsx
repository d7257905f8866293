import { Hono } from 'hono';
import { requireUser } from '../http/auth.ts';
import type { AppContext, AppDeps, AppEnv } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import { flash, renderPage } from '../http/render.tsx';
import { visibleMailbox } from '../mailboxes/access.ts';
import type { Mailbox } from '../mailboxes/mailbox.ts';
import type { Message } from '../messages/message.ts';
import { getMessage } from '../messages/queries.ts';
import { type AttachmentInput, FILENAME_BAD, MAX_FILENAME, parseComposeForm } from './compose-input.ts';
import { ComposePage, type ComposeValues, composeTitle } from './compose-page.tsx';
import { sendSoon } from './outbox.ts';
import { OutboxPage, OutgoingPage } from './outbox-page.tsx';
import type { ComposeMode } from './outgoing.table.ts';
import { mayHandleOutgoing, outgoingViewFor } from './outgoing-access.ts';
import { checkMaySend, queueSend } from './queue-send.ts';
import { replyRecipients, subjectFor } from './reply.ts';
import { discardOutgoing, listOutgoing, outgoingOf, retryOutgoing } from './retry.ts';

const MODES: readonly ComposeMode[] = ['new', 'reply', 'reply_all', 'forward'];
const modeOf = (value: unknown): ComposeMode =>
  MODES.includes(value as ComposeMode) ? (value as ComposeMode) : 'new';

/** What the form starts with: for a reply, the original's sender (and others, for reply all) and `Re:`. */
const startingValues = (mailbox: Mailbox, mode: ComposeMode, original: Message | null): ComposeValues => {
  const base = {
    mode,
    originalId: original?.id ?? null,
    cc: '',
    bcc: '',
    text: '',
    includeOriginalAttachments: true,
  };
  if (!original || mode === 'new') return { ...base, mode: 'new', originalId: null, to: '', subject: '' };
  if (mode === 'forward') return { ...base, to: '', subject: subjectFor(mode, original.subject) };
  const recipients = replyRecipients(mode, original, mailbox.address);
  return {
    ...base,
    to: recipients.to.join(', '),
    cc: recipients.cc.join(', '),
    subject: subjectFor(mode, original.subject),
  };
};

const filesOf = async (value: unknown): Promise<AttachmentInput[]> => {
  const files = ([] as unknown[])
    .concat(value ?? [])
    .filter((f): f is File => f instanceof File && f.size > 0);
  return Promise.all(
    files.map(async (f) => ({
      filename: f.name.slice(0, MAX_FILENAME).replace(new RegExp(FILENAME_BAD, 'g'), '_') || 'attachment',
      contentType: f.type || 'application/octet-stream',
      content: Buffer.from(await f.arrayBuffer()),
    })),
  );
};

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** Compose, reply, reply all and forward in the back office; the outbox with each message's state. */
export const sendRoutes = (deps: AppDeps): Hono<AppEnv> => {
  const app = new Hono<AppEnv>();

  const sendable = async (c: AppContext) => {
    const user = requireUser(c);
    const mailbox = await visibleMailbox(deps, user, c.req.param('mailboxId') ?? '');
    checkMaySend(user, mailbox);
    return { user, mailbox };
  };

  const originalOf = async (mailbox: Mailbox, id: string | null | undefined) => {
    if (!id) return null;
    const original = await getMessage(deps.db, mailbox.id, id);
    if (!original) throw new AppError('request.not_found', 'There is no such message to answer.');
    return original;
  };

  app.get('/mail/:mailboxId/compose', async (c) => {
    const { mailbox } = await sendable(c);
    const mode = modeOf(c.req.query('mode'));
    const original = mode === 'new' ? null : await originalOf(mailbox, c.req.query('message'));
    const values = startingValues(mailbox, mode, original);
    return renderPage(deps, c, { title: composeTitle(values.mode), current: '/mail' }, (csrf) => (
      <ComposePage
        csrf={csrf}
        mailbox={mailbox}
        values={values}
        original={original}
        errors={{}}
        maxAttachmentBytes={deps.config.send.maxAttachmentBytes}
      />
    ));
  });

  app.post('/mail/:mailboxId/compose', async (c) => {
    const { user, mailbox } = await sendable(c);
    const form = await c.req.parseBody({ all: true });
    const values: ComposeValues = {
      mode: modeOf(form.mode),
      originalId: text(form.originalId) || null,
      to: text(form.to),
      cc: text(form.cc),
      bcc: text(form.bcc),
      subject: text(form.subject),
      text: text(form.text),
      includeOriginalAttachments: form.includeOriginalAttachments === 'true',
    };
    try {
      const request = parseComposeForm(values, deps.config.send, await filesOf(form.attachments));
      const { row } = await queueSend(deps, user, mailbox, request);
      await sendSoon(deps, row);
      await flash(deps, c, 'info', `“${row.subject || '(no subject)'}” is on its way.`);
      return c.redirect(`/mail/${mailbox.id}/outbox/${row.id}`);
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'request.invalid') throw error;
      // Named case: the message answered was deleted meanwhile; the form comes back without it. Anything
      // else (the database) fails the request.
      const original = await originalOf(mailbox, values.originalId).catch((lookup: unknown) => {
        if (lookup instanceof AppError && lookup.code === 'request.not_found') return null;
        throw lookup;
      });
      return renderPage(
        deps,
        c,
        { title: composeTitle(values.mode), current: '/mail', status: 400 },
        (csrf) => (
          <ComposePage
            csrf={csrf}
            mailbox={mailbox}
            values={values}
            original={original}
            errors={error.fields}
            formError="The message was not sent: correct what is marked below."
            maxAttachmentBytes={deps.config.send.maxAttachmentBytes}
          />
        ),
      );
    }
  });

  app.get('/mail/:mailboxId/outbox', async (c) => {
    const user = requireUser(c);
    const mailbox = await visibleMailbox(deps, user, c.req.param('mailboxId'));
    const items = (await listOutgoing(deps.db, mailbox.id, { limit: 100 })).rows.map((row) =>
      outgoingViewFor(user, row),
    );
    return renderPage(deps, c, { title: 'Outbox', current: '/mail' }, () => (
      <OutboxPage mailbox={mailbox} items={items} />
    ));
  });

  app.get('/mail/:mailboxId/outbox/:id', async (c) => {
    const user = requireUser(c);
    const mailbox = await visibleMailbox(deps, user, c.req.param('mailboxId'));
    const row = await outgoingOf(deps.db, mailbox, c.req.param('id'));
    return renderPage(deps, c, { title: row.subject || 'Message', current: '/mail' }, (csrf) => (
      <OutgoingPage
        csrf={csrf}
        mailbox={mailbox}
        outgoing={outgoingViewFor(user, row)}
        mayHandle={mayHandleOutgoing(user, row)}
      />
    ));
  });

  app.post('/mail/:mailboxId/outbox/:id/retry', async (c) => {
    const { user, mailbox } = await sendable(c);
    const row = await retryOutgoing(
      deps.db,
      user,
      mailbox,
      await outgoingOf(deps.db, mailbox, c.req.param('id')),
    );
    await sendSoon(deps, row);
    await flash(deps, c, 'info', 'Mailroom is trying again.');
    return c.redirect(`/mail/${mailbox.id}/outbox/${row.id}`);
  });

  app.post('/mail/:mailboxId/outbox/:id/discard', async (c) => {
    const user = requireUser(c);
    const mailbox = await visibleMailbox(deps, user, c.req.param('mailboxId'));
    const row = await outgoingOf(deps.db, mailbox, c.req.param('id'));
    await discardOutgoing(deps.db, user, row);
    await flash(deps, c, 'info', `“${row.subject || '(no subject)'}” was discarded.`);
    return c.redirect(`/mail/${mailbox.id}/outbox`);
  });

  return app;
};
