import type { Context, Hono } from 'hono';
import { releaseSlot } from './concurrency.ts';
import { messagesDelta } from './delta-route.ts';
import type { GraphMailDeps } from './deps.ts';
import { ConnectionDrop, GraphError, graphErrorResponse } from './errors.ts';
import { getFolder, listChildFolders, listFolders } from './folder-routes.ts';
import {
  deleteMessage,
  getMessage,
  getMessageMime,
  listMessages,
  moveMessage,
  patchMessage,
} from './message-routes.ts';
import { createDraft, sendDraft, sendMail } from './send-routes.ts';
import { cancelUpload, createUploadSession, uploadChunk } from './upload-routes.ts';

type Handler = (c: Context) => Promise<Response>;

/** Answers a `GraphError` with Graph's envelope; anything else is a bug: logged, and a 500 `generalException`. */
const guarded =
  (deps: GraphMailDeps, handler: Handler): Handler =>
  async (c) => {
    try {
      return await handler(c);
    } catch (error) {
      if (error instanceof GraphError) return graphErrorResponse(deps.ctx, c, error);
      if (error instanceof ConnectionDrop) {
        (c.env as { incoming?: { socket?: { destroy(): void } } } | undefined)?.incoming?.socket?.destroy();
        return new Response(null, { status: 500 });
      }
      console.error('graph-mail: request failed', c.req.method, c.req.path, error);
      return graphErrorResponse(
        deps.ctx,
        c,
        new GraphError(500, 'generalException', 'An internal server error occurred. The operation failed.'),
      );
    } finally {
      releaseSlot(c.req.raw);
    }
  };

/** Every path exists under `/me` and `/users/{id | userPrincipalName}` (graph-mail-spec.md, "Paths"). */
const BASES = ['/v1.0/me', '/v1.0/users/:user'] as const;

/** Microsoft Graph v1.0 mail over the emulator's mailboxes, added to the emulator's Hono app. */
export const addGraphMailRoutes = (app: Hono, deps: GraphMailDeps): void => {
  const get = (path: string, h: (d: GraphMailDeps) => Handler) => {
    for (const base of BASES) app.get(`${base}${path}`, guarded(deps, h(deps)));
  };
  const on = (method: 'POST' | 'PATCH' | 'DELETE', path: string, h: (d: GraphMailDeps) => Handler) => {
    for (const base of BASES) app.on(method, `${base}${path}`, guarded(deps, h(deps)));
  };
  get('/mailFolders', listFolders);
  get('/mailFolders/:folder', getFolder);
  get('/mailFolders/:folder/childFolders', listChildFolders);
  get('/mailFolders/:folder/messages/delta', messagesDelta);
  get('/mailFolders/:folder/messages', listMessages);
  get('/mailFolders/:folder/messages/:id', getMessage);
  get('/mailFolders/:folder/messages/:id/$value', getMessageMime);
  get('/messages/:id', getMessage);
  get('/messages/:id/$value', getMessageMime);
  on('PATCH', '/messages/:id', patchMessage);
  on('PATCH', '/mailFolders/:folder/messages/:id', patchMessage);
  on('DELETE', '/messages/:id', deleteMessage);
  on('POST', '/messages/:id/move', moveMessage);
  on('POST', '/sendMail', sendMail);
  on('POST', '/messages', createDraft);
  on('POST', '/messages/:id/send', sendDraft);
  on('POST', '/messages/:id/attachments/createUploadSession', createUploadSession);
  // The pre-authenticated upload URL, without Authorization (graph-mail-spec.md §5).
  app.put('/api/v2.0/*', guarded(deps, uploadChunk(deps)));
  app.delete('/api/v2.0/*', guarded(deps, cancelUpload(deps)));
};
