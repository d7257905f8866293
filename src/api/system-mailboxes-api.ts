import { Hono } from 'hono';
import type { z } from 'zod';
import { adminOnly, requireAdmin } from '../http/auth.ts';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { AppError, errorBody } from '../http/errors.ts';
import { jsonInput, topFields } from '../http/validate.ts';
import { mailboxView } from '../mailboxes/mailbox.ts';
import { findMailbox } from '../mailboxes/repository.ts';
import {
  accessOf,
  createSystemMailbox,
  SystemMailboxError,
  systemMailboxSchema,
  systemMailboxUpdateSchema,
  updateSystemMailbox,
} from '../mailboxes/system-mailboxes.ts';

/** System mailboxes CRUD for administrators. */
export const systemMailboxesApi = (deps: AppDeps): Hono<AppEnv> => {
  const app = new Hono<AppEnv>();
  const view = async (id: string) => {
    const mailbox = await findMailbox(deps.db, id);
    if (mailbox?.kind !== 'system')
      throw new AppError('request.not_found', 'There is no such system mailbox.');
    return { ...mailboxView(mailbox), access: await accessOf(deps.db, id) };
  };
  const invalid = (error: SystemMailboxError) =>
    Response.json(errorBody(error.code, error.message, error.fields), {
      status: error.code === 'system_mailbox.conflict' ? 409 : 400,
    });

  app.get('/system-mailboxes', async (c) => {
    requireAdmin(c);
    const ids = await deps.db
      .selectFrom('mailboxes')
      .select('id')
      .where('kind', '=', 'system')
      .orderBy('label')
      .execute();
    return c.json({ systemMailboxes: await Promise.all(ids.map((r) => view(r.id))) });
  });
  const asMailbox = {
    code: 'system_mailbox.invalid',
    message: (fields: Record<string, string>) => Object.values(fields).join(' '),
    fields: (error: z.ZodError) => topFields(error, 'form'),
  } as const;
  app.post('/system-mailboxes', adminOnly, jsonInput(systemMailboxSchema, asMailbox), async (c) => {
    const actor = requireAdmin(c);
    try {
      const mailbox = await createSystemMailbox(deps.db, actor, c.req.valid('json'));
      return c.json(await view(mailbox.id), 201);
    } catch (error) {
      if (error instanceof SystemMailboxError) return invalid(error);
      throw error;
    }
  });
  app.get('/system-mailboxes/:id', async (c) => {
    requireAdmin(c);
    return c.json(await view(c.req.param('id')));
  });
  app.put('/system-mailboxes/:id', adminOnly, jsonInput(systemMailboxUpdateSchema, asMailbox), async (c) => {
    const actor = requireAdmin(c);
    const current = await view(c.req.param('id'));
    const mailbox = (await findMailbox(deps.db, current.id))!;
    try {
      const input = { ...c.req.valid('json'), address: mailbox.address };
      await updateSystemMailbox(deps.db, actor, mailbox, input);
      return c.json(await view(mailbox.id));
    } catch (error) {
      if (error instanceof SystemMailboxError) return invalid(error);
      throw error;
    }
  });
  app.delete('/system-mailboxes/:id', async (c) => {
    requireAdmin(c);
    const current = await view(c.req.param('id'));
    await deps.db.deleteFrom('mailboxes').where('id', '=', current.id).execute();
    return c.body(null, 204);
  });
  return app;
};
