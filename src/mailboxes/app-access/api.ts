import { Hono } from 'hono';
import type { z } from 'zod';
import { adminOnly, requireAdmin } from '../../http/auth.ts';
import type { AppDeps, AppEnv } from '../../http/context.ts';
import { AppError, errorBody } from '../../http/errors.ts';
import { jsonInput, topFields } from '../../http/validate.ts';
import type { Mailbox } from '../mailbox.ts';
import { findMailbox } from '../repository.ts';
import { AppAccessInputError, appAccessInputSchema, appAccessView, saveAppAccess } from './app-access.ts';
import { verifyAppAccess, verifyInputSchema } from './verify.ts';

/** Each field's message in one sentence, as the page shows them. */
const joined = (fields: Record<string, string>) => Object.values(fields).join(' ');

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
  const fields = (error: z.ZodError) => topFields(error, 'form');
  const saving = jsonInput(appAccessInputSchema, { message: joined, fields });
  app.put('/system-mailboxes/:id/access', adminOnly, saving, async (c) => {
    const actor = requireAdmin(c);
    const mailbox = await systemMailbox(c.req.param('id'));
    try {
      const saved = await saveAppAccess(deps, actor, mailbox, c.req.valid('json'));
      return c.json(await appAccessView(deps, saved));
    } catch (error) {
      if (error instanceof AppAccessInputError)
        return c.json(errorBody('request.invalid', error.message, error.fields), 400);
      throw error;
    }
  });
  // No body is an empty one: every field of the verify input is optional.
  const verifying = jsonInput(verifyInputSchema, { message: joined, fields, optional: true });
  app.post('/system-mailboxes/:id/access/verify', adminOnly, verifying, async (c) => {
    const mailbox = await systemMailbox(c.req.param('id'));
    if (mailbox.access !== 'application')
      return c.json(
        errorBody(
          'app_access.not_application',
          'The mailbox is connected by a person: set access to application first.',
        ),
        409,
      );
    const steps = await verifyAppAccess(deps, mailbox, c.req.valid('json'));
    return c.json({ ok: steps.every((s) => s.ok), steps });
  });
  return app;
};
