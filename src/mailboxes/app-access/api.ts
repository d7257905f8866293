import { Hono } from 'hono';
import { requireAdmin } from '../../http/auth.ts';
import type { AppDeps, AppEnv } from '../../http/context.ts';
import { AppError, errorBody } from '../../http/errors.ts';
import type { Mailbox } from '../mailbox.ts';
import { findMailbox } from '../repository.ts';
import { AppAccessInputError, appAccessView, saveAppAccess } from './app-access.ts';
import { verifyAppAccess, verifyInputSchema } from './verify.ts';

/** The same as the page, for integrators: `/api/system-mailboxes/{id}/access` (administrators only). */
export const appAccessApi = (deps: AppDeps): Hono<AppEnv> => {
  const app = new Hono<AppEnv>();
  const systemMailbox = async (id: string): Promise<Mailbox> => {
    const mailbox = await findMailbox(deps.db, id);
    if (mailbox?.kind !== 'system')
      throw new AppError('request.not_found', 'There is no such system mailbox.');
    return mailbox;
  };

  app.get('/system-mailboxes/:id/access', async (c) => {
    requireAdmin(c);
    return c.json(await appAccessView(deps, await systemMailbox(c.req.param('id'))));
  });
  app.put('/system-mailboxes/:id/access', async (c) => {
    const actor = requireAdmin(c);
    const mailbox = await systemMailbox(c.req.param('id'));
    try {
      // A body that is not JSON is validated as an empty one: saveAppAccess answers with its 400.
      const saved = await saveAppAccess(deps, actor, mailbox, await c.req.json().catch(() => ({})));
      return c.json(await appAccessView(deps, saved));
    } catch (error) {
      if (error instanceof AppAccessInputError)
        return c.json(errorBody('request.invalid', error.message, error.fields), 400);
      throw error;
    }
  });
  app.post('/system-mailboxes/:id/access/verify', async (c) => {
    requireAdmin(c);
    const mailbox = await systemMailbox(c.req.param('id'));
    // No body (or not JSON) is an empty one: every field of the verify input is optional.
    const input = verifyInputSchema.safeParse(await c.req.json().catch(() => ({})));
    if (!input.success)
      return c.json(errorBody('request.invalid', input.error.issues[0]?.message ?? 'Invalid request.'), 400);
    if (mailbox.access !== 'application')
      return c.json(
        errorBody(
          'app_access.not_application',
          'The mailbox is connected by a person: set access to application first.',
        ),
        409,
      );
    const steps = await verifyAppAccess(deps, mailbox, input.data);
    return c.json({ ok: steps.every((s) => s.ok), steps });
  });
  return app;
};
