import type { Context } from 'hono';
import { z } from 'zod';
import { findMailbox } from '../state/directory.ts';
import { type MailTarget, mailTarget } from './caller.ts';
import { composeJson, decodeMimeBody, envelopeOf, jsonMessageSchema } from './compose.ts';
import { deliverOutgoing, setHeader } from './deliver.ts';
import type { GraphMailDeps } from './deps.ts';
import { accessDenied, badRequest, GraphError, TEXT } from './errors.ts';
import { DRAFTS, resolveMessageFolder } from './folders.ts';
import { recordMove } from './ids.ts';
import { locateMessage, renderMessage } from './message-routes.ts';
import { contextUrl } from './paging.ts';

/** About 4 MB per request; more is `413` (graph-mail-spec.md §5; the code is unconfirmed). */
const MAX_REQUEST_BYTES = 4 * 1024 * 1024;

type Body = { kind: 'mime'; raw: Buffer } | { kind: 'json'; json: unknown };

/** The request body, chosen by `Content-Type`: `text/plain` is base64 MIME, `application/json` is JSON. */
const readBody = async (c: Context): Promise<Body> => {
  const bytes = Buffer.from(await c.req.arrayBuffer());
  if (bytes.length > MAX_REQUEST_BYTES)
    throw new GraphError(413, 'RequestBodyTooLarge', 'The maximum request length supported is 4MB.');
  const type = (c.req.header('content-type') ?? '').toLowerCase();
  if (type.startsWith('text/plain')) return { kind: 'mime', raw: decodeMimeBody(bytes.toString('latin1')) };
  if (!type.startsWith('application/json')) throw badRequest(`Unsupported Content-Type '${type}'.`);
  try {
    return { kind: 'json', json: JSON.parse(bytes.toString('utf8')) };
  } catch (error) {
    if (error instanceof SyntaxError) throw badRequest('Invalid JSON in the request body.');
    throw error;
  }
};

/**
 * Send As (graph-mail-spec.md §1): the caller may send from its own mailbox, or from an address that granted
 * it Send As; `/users/{other}` also needs FullAccess. App-only `Mail.Send` sends as anyone in the tenant.
 */
const checkSendAs = (deps: GraphMailDeps, target: MailTarget, from: string): void => {
  const { user, mailbox, own } = target;
  if (!user) return;
  if (!(own && from === mailbox.address)) {
    const sender = findMailbox(deps.ctx.dir, from);
    const allowed =
      sender !== undefined &&
      sender.tenantId === user.tenantId &&
      (sender.ownerOid === user.oid || sender.sendAs.includes(user.oid));
    if (!allowed) throw new GraphError(403, 'ErrorSendAsDenied', TEXT.sendAsDenied);
  }
  if (!own && !mailbox.fullAccess.includes(user.oid)) throw accessDenied();
};

const sendMailSchema = z.object({ message: jsonMessageSchema, saveToSentItems: z.boolean().default(true) });

/** `POST …/sendMail`, JSON or MIME (graph-mail-spec.md §5) → `202` with no body. */
export const sendMail = (deps: GraphMailDeps) => async (c: Context) => {
  const target = await mailTarget(deps.ctx, deps.state, c, 'send');
  const body = await readBody(c);
  const address = target.mailbox.address;
  if (body.kind === 'mime') {
    const raw = deps.state.settings.mimeFromOverridden ? setHeader(body.raw, 'From', address) : body.raw;
    const envelope = await envelopeOf(raw);
    checkSendAs(deps, target, envelope.from ?? address);
    await deliverOutgoing(deps, {
      raw,
      from: envelope.from ?? address,
      recipients: envelope.recipients,
      saveToSentItems: true,
      sentFrom: address,
      via: 'sendMail-mime',
    });
    return c.body(null, 202);
  }
  const parsed = sendMailSchema.safeParse(body.json);
  if (!parsed.success) throw badRequest(`Invalid sendMail request: ${parsed.error.issues[0]?.message ?? ''}`);
  const { message, saveToSentItems } = parsed.data;
  const from = message.from?.emailAddress.address.toLowerCase() ?? address;
  checkSendAs(deps, target, from);
  const recipients = [...message.toRecipients, ...message.ccRecipients, ...message.bccRecipients].map((r) =>
    r.emailAddress.address.toLowerCase(),
  );
  await deliverOutgoing(deps, {
    raw: await composeJson(message, address, false),
    from,
    recipients: [...new Set(recipients)],
    saveToSentItems,
    sentFrom: address,
    via: 'sendMail-json',
  });
  return c.body(null, 202);
};

/** `POST …/messages`: a draft in Drafts, from JSON or MIME → `201` and the message (graph-mail-spec.md §5). */
export const createDraft = (deps: GraphMailDeps) => async (c: Context) => {
  const { mailbox } = await mailTarget(deps.ctx, deps.state, c, 'write');
  const body = await readBody(c);
  let raw: Buffer;
  if (body.kind === 'mime') raw = body.raw;
  else {
    const parsed = jsonMessageSchema.safeParse(body.json);
    if (!parsed.success) throw badRequest(`Invalid message: ${parsed.error.issues[0]?.message ?? ''}`);
    raw = await composeJson(parsed.data, mailbox.address, true);
  }
  const folders = await deps.store.folders(mailbox.address);
  const drafts = resolveMessageFolder(mailbox.address, folders, DRAFTS);
  const location = await deps.store.append(mailbox.address, drafts, raw, ['\\Draft', '\\Seen']);
  const message = await deps.store.message(location);
  if (!message) throw new GraphError(500, 'generalException', 'The draft was not saved.');
  return c.json(
    { '@odata.context': contextUrl('message/$entity'), ...(await renderMessage(deps, c, message)) },
    201,
  );
};

/** `POST …/messages/{id}/send`: the draft goes out, its copy lands in Sent Items and the draft leaves Drafts. */
export const sendDraft = (deps: GraphMailDeps) => async (c: Context) => {
  const target = await mailTarget(deps.ctx, deps.state, c, 'send');
  const address = target.mailbox.address;
  const location = locateMessage(deps, address, c.req.param('id')!);
  const draft = await deps.store.message(location);
  if (!draft) throw new GraphError(404, 'ErrorItemNotFound', TEXT.itemNotFound);
  if (!draft.flags.includes('\\Draft')) throw badRequest('Only a draft can be sent.');
  const envelope = await envelopeOf(draft.source);
  checkSendAs(deps, target, envelope.from ?? address);
  const sent = await deliverOutgoing(deps, {
    raw: draft.source,
    from: envelope.from ?? address,
    recipients: envelope.recipients,
    saveToSentItems: true,
    sentFrom: address,
    via: 'draft-send',
  });
  await deps.store.remove(location);
  // Sent with `Prefer: IdType="ImmutableId"`, the draft's id finds the sent copy (graph-mail-spec.md §5).
  if (sent) recordMove(deps.state.aliases, location, sent);
  return c.body(null, 202);
};
