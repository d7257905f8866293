import type { Context } from 'hono';
import { z } from 'zod';
import { headerBlock, headerValue } from '../mail/smtp/headers.ts';
import { mailTarget } from './caller.ts';
import type { GraphMailDeps } from './deps.ts';
import { badRequest, GraphError, notFound } from './errors.ts';
import { resolveMessageFolder } from './folders.ts';
import { type MessageLocation, recordMove, resolveMessageId } from './ids.ts';
import { jsonBody } from './json-body.ts';
import { COMPLETE_KEYWORD, messageJson, selectOf } from './message-json.ts';
import { contextUrl, internetMessageIdFilter, linkTo, pageOf } from './paging.ts';
import { appliedHeader, preferences } from './prefer.ts';
import type { StoreMessage } from './store.ts';

export const renderMessage = (deps: GraphMailDeps, c: Context, message: StoreMessage) => {
  const prefs = preferences(c);
  return messageJson(message, {
    aliases: deps.state.aliases,
    idType: prefs.idType,
    select: selectOf(c.req.query('$select')),
    textBody: prefs.textBody,
  });
};

/** The message an id in the path names, in the addressed mailbox, or `ErrorItemNotFound`. */
export const locateMessage = (deps: GraphMailDeps, mailbox: string, id: string): MessageLocation => {
  const location = resolveMessageId(deps.state.aliases, mailbox, id);
  if (!location) throw notFound();
  return location;
};

const loadMessage = async (deps: GraphMailDeps, location: MessageLocation): Promise<StoreMessage> => {
  const message = await deps.store.message(location);
  if (!message) throw notFound();
  return message;
};

/** `GET …/mailFolders/{id}/messages`: newest first, `$top`/`$skip`/`$select`, an opaque `@odata.nextLink`. */
export const listMessages = (deps: GraphMailDeps) => async (c: Context) => {
  const { mailbox } = await mailTarget(deps.ctx, deps.state, c, 'read');
  const folders = await deps.store.folders(mailbox.address);
  const folder = resolveMessageFolder(mailbox.address, folders, c.req.param('folder')!);
  const { top, skip } = pageOf(c, { filterable: true });
  const wanted = internetMessageIdFilter(c);
  const snapshot = await deps.store.snapshot(mailbox.address, folder);
  let ordered = [...snapshot.entries.values()].sort(
    (a, b) => b.internalDate.getTime() - a.internalDate.getTime() || b.uid - a.uid,
  );
  let messages: StoreMessage[];
  if (wanted !== null) {
    // Evaluated on the stored bytes: every message of the folder is read once (the emulator's folders are
    // small), and the page is taken from what was read.
    const all = await deps.store.messages(
      mailbox.address,
      folder,
      snapshot.uidValidity,
      ordered.map((e) => e.uid),
    );
    const matching = all.filter((m) => headerValue(headerBlock(m.source), 'message-id') === wanted);
    ordered = ordered.filter((e) => matching.some((m) => m.location.uid === e.uid));
    messages = matching.slice(skip, skip + top);
  } else {
    const uids = ordered.slice(skip, skip + top).map((e) => e.uid);
    messages = await deps.store.messages(mailbox.address, folder, snapshot.uidValidity, uids);
  }
  const value = await Promise.all(messages.map((m) => renderMessage(deps, c, m)));
  const body: Record<string, unknown> = { '@odata.context': contextUrl('Collection(message)'), value };
  if (skip + top < ordered.length)
    body['@odata.nextLink'] = linkTo(c, {
      $top: String(top),
      $skip: String(skip + top),
      $filter: c.req.query('$filter'),
      $select: c.req.query('$select'),
    });
  return c.json(body, 200, appliedHeader(preferences(c)));
};

/** `GET …/messages/{id}`. */
export const getMessage = (deps: GraphMailDeps) => async (c: Context) => {
  const { mailbox } = await mailTarget(deps.ctx, deps.state, c, 'read');
  const message = await loadMessage(deps, locateMessage(deps, mailbox.address, c.req.param('id')!));
  const json = await renderMessage(deps, c, message);
  return c.json(
    { '@odata.context': contextUrl('message/$entity'), ...json },
    200,
    appliedHeader(preferences(c)),
  );
};

/** `GET …/messages/{id}/$value`: the stored RFC 822 bytes, as `text/plain` (graph-mail-spec.md §3). */
export const getMessageMime = (deps: GraphMailDeps) => async (c: Context) => {
  const { mailbox } = await mailTarget(deps.ctx, deps.state, c, 'read');
  const message = await loadMessage(deps, locateMessage(deps, mailbox.address, c.req.param('id')!));
  return c.body(new Uint8Array(message.source), 200, { 'Content-Type': 'text/plain' });
};

const patchSchema = z
  .object({
    isRead: z.boolean().optional(),
    flag: z.object({ flagStatus: z.enum(['notFlagged', 'flagged', 'complete']) }).optional(),
    categories: z.array(z.string()).optional(),
  })
  .strict();

const flagChanges = (patch: z.infer<typeof patchSchema>) => {
  const add: string[] = [];
  const remove: string[] = [];
  if (patch.isRead === true) add.push('\\Seen');
  if (patch.isRead === false) remove.push('\\Seen');
  const status = patch.flag?.flagStatus;
  if (status === 'flagged') {
    add.push('\\Flagged');
    remove.push(COMPLETE_KEYWORD);
  }
  if (status === 'complete') {
    add.push(COMPLETE_KEYWORD);
    remove.push('\\Flagged');
  }
  if (status === 'notFlagged') remove.push('\\Flagged', COMPLETE_KEYWORD);
  return { add, remove };
};

/** `PATCH …/messages/{id}` with `isRead` and `flag`: the IMAP flags change, so IMAP clients see it. */
export const patchMessage = (deps: GraphMailDeps) => async (c: Context) => {
  const { mailbox } = await mailTarget(deps.ctx, deps.state, c, 'write');
  const location = locateMessage(deps, mailbox.address, c.req.param('id')!);
  const raw = await jsonBody(c);
  const parsed = patchSchema.safeParse(raw);
  if (!parsed.success)
    throw new GraphError(
      400,
      'ErrorInvalidProperty',
      'Only isRead, flag and categories can be updated on a sent message.',
    );
  const { add, remove } = flagChanges(parsed.data);
  if (!(await deps.store.setFlags(location, add, remove))) throw notFound();
  const json = await renderMessage(deps, c, await loadMessage(deps, location));
  return c.json({ '@odata.context': contextUrl('message/$entity'), ...json });
};

/** `POST …/messages/{id}/move` `{"destinationId"}` → `201` and the message where it now is (graph-mail-spec.md §3). */
export const moveMessage = (deps: GraphMailDeps) => async (c: Context) => {
  const { mailbox } = await mailTarget(deps.ctx, deps.state, c, 'write');
  const location = locateMessage(deps, mailbox.address, c.req.param('id')!);
  const body = z.object({ destinationId: z.string().min(1) }).safeParse(await jsonBody(c));
  if (!body.success) throw badRequest('The destinationId parameter is missing.');
  const folders = await deps.store.folders(mailbox.address);
  const destination = resolveMessageFolder(mailbox.address, folders, body.data.destinationId);
  const moved = await deps.store.move(location, destination);
  if (!moved) throw notFound();
  recordMove(deps.state.aliases, location, moved);
  const json = await renderMessage(deps, c, await loadMessage(deps, moved));
  return c.json({ '@odata.context': contextUrl('message/$entity'), ...json }, 201);
};

/** `DELETE …/messages/{id}` → `204`. */
export const deleteMessage = (deps: GraphMailDeps) => async (c: Context) => {
  const { mailbox } = await mailTarget(deps.ctx, deps.state, c, 'write');
  const location = locateMessage(deps, mailbox.address, c.req.param('id')!);
  if (!(await deps.store.remove(location))) throw notFound();
  return c.body(null, 204);
};
