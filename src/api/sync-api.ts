import { Hono } from 'hono';
import { requireUser } from '../http/auth.ts';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { visibleMailbox } from '../mailboxes/access.ts';
import { syncProgress } from '../sync/run-sync.ts';
import { enqueueSyncNow } from '../sync/sync-now.ts';

/** Sync now, and the progress of every folder while a mailbox syncs. */
export const syncApi = (deps: AppDeps): Hono<AppEnv> => {
  const app = new Hono<AppEnv>();
  app.post('/mailboxes/:id/sync', async (c) => {
    const mailbox = await visibleMailbox(deps, requireUser(c), c.req.param('id'));
    await enqueueSyncNow(deps, mailbox.id);
    return c.json({ started: true }, 202);
  });
  app.get('/mailboxes/:id/sync', async (c) => {
    const mailbox = await visibleMailbox(deps, requireUser(c), c.req.param('id'));
    return c.json({ folders: await syncProgress(deps, mailbox.id) });
  });
  return app;
};
