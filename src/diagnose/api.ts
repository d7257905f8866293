import { Hono } from 'hono';
import { requireAdmin, requireUser } from '../http/auth.ts';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { managedMailbox } from '../mailboxes/access.ts';
import { auditDiagnoseAll, diagnoseAll } from './diagnose-all.ts';
import { diagnoseMailbox } from './diagnose-mailbox.ts';
import { oneAtATime } from './one-at-a-time.ts';

/** `POST /api/mailboxes/{id}/diagnose` and `POST /api/diagnose` (every mailbox, administrators). */
export const diagnoseApi = (deps: AppDeps): Hono<AppEnv> => {
  const app = new Hono<AppEnv>();
  app.post('/mailboxes/:id/diagnose', async (c) => {
    const mailbox = await managedMailbox(deps, requireUser(c), c.req.param('id'), 'diagnose it');
    return c.json(await oneAtATime(deps, mailbox.id, () => diagnoseMailbox(deps, mailbox)));
  });
  app.post('/diagnose', async (c) => {
    const actor = requireAdmin(c);
    const all = await oneAtATime(deps, 'all', () => diagnoseAll(deps));
    await auditDiagnoseAll(deps, actor, all);
    return c.json({ mailboxes: all });
  });
  return app;
};
