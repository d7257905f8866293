import { Hono } from 'hono';
import { requireAdmin, requireUser } from '../http/auth.ts';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { renderPage } from '../http/render.tsx';
import { managedMailbox } from '../mailboxes/access.ts';
import { auditDiagnoseAll, diagnoseAll } from './diagnose-all.ts';
import { diagnoseMailbox } from './diagnose-mailbox.ts';
import { oneAtATime } from './one-at-a-time.ts';
import { DiagnoseAllPage, DiagnosePage } from './pages.tsx';

/** The Diagnose button of a mailbox (its owner; administrators for a system mailbox) and Diagnose all. */
export const diagnoseRoutes = (deps: AppDeps): Hono<AppEnv> => {
  const app = new Hono<AppEnv>();

  app.post('/mailboxes/:id/diagnose', async (c) => {
    const mailbox = await managedMailbox(deps, requireUser(c), c.req.param('id'), 'diagnose it');
    const d = await oneAtATime(deps, mailbox.id, () => diagnoseMailbox(deps, mailbox));
    return renderPage(deps, c, { title: `Diagnose ${mailbox.address}`, current: '/mailboxes' }, (csrf) => (
      <DiagnosePage d={d} csrf={csrf} />
    ));
  });

  app.post('/settings/microsoft/diagnose-all', async (c) => {
    const actor = requireAdmin(c);
    const all = await oneAtATime(deps, 'all', () => diagnoseAll(deps));
    await auditDiagnoseAll(deps, actor, all);
    return renderPage(deps, c, { title: 'Diagnose all', current: '/settings/microsoft' }, (csrf) => (
      <DiagnoseAllPage all={all} csrf={csrf} />
    ));
  });

  return app;
};
