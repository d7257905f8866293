import { randomBytes, randomUUID } from 'node:crypto';
import type { Context } from 'hono';
import { z } from 'zod';
import { now } from '../state/directory.ts';
import { mailTarget } from './caller.ts';
import { withAttachment } from './compose.ts';
import type { GraphMailDeps } from './deps.ts';
import { badRequest, GraphError, notFound } from './errors.ts';
import { messageId, recordReplace } from './ids.ts';
import { jsonBody } from './json-body.ts';
import { graphDate } from './message-json.ts';
import { locateMessage } from './message-routes.ts';
import type { UploadSession } from './upload-session.ts';

const MIN_SIZE = 3 * 1024 * 1024;
/** Tenant message size limit: 35 MB by default, up to 150 MB (graph-mail-spec.md §5). */
const MAX_SIZE = 150 * 1024 * 1024;
const MAX_CHUNK = 4 * 1024 * 1024;
const LIFETIME_MS = 6 * 3600 * 1000;

const sessionSchema = z.object({
  AttachmentItem: z.object({
    attachmentType: z.literal('file').default('file'),
    name: z.string().min(1),
    size: z.number().int().min(0),
    contentType: z.string().optional(),
    isInline: z.boolean().optional(),
    contentId: z.string().optional(),
  }),
});

const uploadUrl = (c: Context, session: UploadSession, draftId: string): string =>
  `${new URL(c.req.url).origin}/api/v2.0/Users('${encodeURIComponent(session.mailbox)}')/Messages('${draftId}')/AttachmentSessions('${session.id}')?authtoken=${session.authToken}`;

/** `POST …/messages/{id}/attachments/createUploadSession` → `201` with a pre-authenticated `uploadUrl`. */
export const createUploadSession = (deps: GraphMailDeps) => async (c: Context) => {
  const { mailbox } = await mailTarget(deps.ctx, deps.state, c, 'write');
  const draftId = c.req.param('id')!;
  const draft = locateMessage(deps, mailbox.address, draftId);
  const body = sessionSchema.safeParse(await jsonBody(c));
  if (!body.success) throw badRequest('The AttachmentItem is missing or invalid.');
  const item = body.data.AttachmentItem;
  if (item.size < MIN_SIZE)
    throw new GraphError(
      400,
      'ErrorAttachmentSizeShouldNotBeLessThanMinimumSize',
      'Attachment size should not be less than 3 MB.',
    );
  if (item.size > MAX_SIZE)
    throw new GraphError(400, 'ErrorMessageSizeExceeded', 'The message exceeds the maximum supported size.');
  if (!(await deps.store.message(draft))) throw notFound();
  const session: UploadSession = {
    id: randomUUID(),
    authToken: randomBytes(32).toString('base64url'),
    mailbox: mailbox.address,
    draft,
    name: item.name,
    contentType: item.contentType ?? 'application/octet-stream',
    isInline: item.isInline ?? false,
    contentId: item.contentId ?? null,
    size: item.size,
    expiresAt: now(deps.ctx.dir) + LIFETIME_MS,
    chunks: [],
    received: 0,
  };
  deps.state.uploads.set(session.id, session);
  return c.json(
    {
      '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.uploadSession',
      uploadUrl: uploadUrl(c, session, draftId),
      expirationDateTime: graphDate(new Date(session.expiresAt)),
      nextExpectedRanges: ['0-'],
    },
    201,
  );
};

const SESSION_PATH = /AttachmentSessions\('([0-9a-f-]{36})'\)/;

/** The session a pre-authenticated URL names: its `authtoken` stands in for the bearer token. */
const sessionOf = (deps: GraphMailDeps, c: Context): UploadSession => {
  const id = SESSION_PATH.exec(decodeURIComponent(c.req.path))?.[1];
  const session = id ? deps.state.uploads.get(id) : undefined;
  if (!session || session.authToken !== c.req.query('authtoken') || session.expiresAt < now(deps.ctx.dir))
    throw notFound();
  return session;
};

/** `bytes 0-2097151/3483322` */
const contentRange = (value: string | undefined) => {
  const match = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(value ?? '');
  if (!match) throw badRequest('The Content-Range header is missing or malformed.');
  return { first: Number(match[1]), last: Number(match[2]), total: Number(match[3]) };
};

/** Adds the finished attachment to the draft: the draft is rewritten, and keeps both of its ids. */
const finish = async (deps: GraphMailDeps, c: Context, session: UploadSession) => {
  deps.state.uploads.delete(session.id);
  const draft = await deps.store.message(session.draft);
  if (!draft) throw notFound();
  deps.state.finishedUploads.push({
    mailbox: session.mailbox,
    name: session.name,
    contentType: session.contentType,
    size: session.size,
    ranges: session.chunks.length,
    finishedAt: now(deps.ctx.dir),
  });
  const raw = await withAttachment(draft.source, {
    name: session.name,
    contentType: session.contentType,
    content: Buffer.concat(session.chunks),
    isInline: session.isInline,
    contentId: session.contentId,
  });
  const rewritten = await deps.store.append(
    session.mailbox,
    session.draft.folder,
    raw,
    draft.flags.filter((f) => f !== '\\Recent'),
  );
  await deps.store.remove(session.draft);
  recordReplace(deps.state.aliases, session.draft, rewritten);
  const attachmentId = Buffer.from(`${session.id}`).toString('base64url');
  const draftId = messageId(deps.state.aliases, rewritten, 'rest');
  return c.body(null, 201, {
    Location: `${new URL(c.req.url).origin}/api/v2.0/Users('${encodeURIComponent(session.mailbox)}')/Messages('${draftId}')/Attachments('${attachmentId}')`,
  });
};

/** `PUT {uploadUrl}`: one byte range, in order, at most 4 MB; the last answers `201` (graph-mail-spec.md §5). */
export const uploadChunk = (deps: GraphMailDeps) => async (c: Context) => {
  const session = sessionOf(deps, c);
  const range = contentRange(c.req.header('content-range'));
  const bytes = Buffer.from(await c.req.arrayBuffer());
  const length = range.last - range.first + 1;
  if (range.total !== session.size || range.first !== session.received || bytes.length !== length)
    throw new GraphError(
      416,
      'ErrorInvalidRequest',
      `The range is not the next expected one (${session.received}-).`,
    );
  if (length > MAX_CHUNK)
    throw new GraphError(413, 'RequestBodyTooLarge', 'The maximum request length supported is 4MB.');
  session.chunks.push(bytes);
  session.received += length;
  if (session.received === session.size) return finish(deps, c, session);
  return c.json({
    expirationDateTime: graphDate(new Date(session.expiresAt)),
    nextExpectedRanges: [`${session.received}-`],
  });
};

/** `DELETE {uploadUrl}` cancels the upload → `204`. */
export const cancelUpload = (deps: GraphMailDeps) => async (c: Context) => {
  const session = sessionOf(deps, c);
  deps.state.uploads.delete(session.id);
  return c.body(null, 204);
};
