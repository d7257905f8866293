import { Hono } from 'hono';
import { z } from 'zod';
import { createUsersInBulk, DEFAULT_BULK_PASSWORD } from '../bulk-users.ts';
import type { EmulatorContext } from '../context.ts';
import type { RunningMail } from '../mail/start-mail.ts';
import { parseBody, withDirectoryErrors } from './respond.ts';

const bulkSchema = z.object({
  prefix: z
    .string()
    .regex(/^[a-z0-9][a-z0-9._-]*$/i, 'letters, digits, ".", "_" or "-"')
    .max(40),
  count: z.number().int().min(1).max(20_000),
  tenant: z.string().min(1),
  password: z.string().min(1).default(DEFAULT_BULK_PASSWORD),
  start: z.number().int().min(0).default(1),
});

/** `POST /_emulator/users/bulk {prefix, count, tenant, password?, start?}`: many users with mailboxes at once. */
export const bulkRoutes = (ctx: EmulatorContext, mail: RunningMail | null): Hono => {
  const app = new Hono();
  app.post('/users/bulk', async (c) => {
    const body = await parseBody(c, bulkSchema);
    if (!body.ok) return body.response;
    return withDirectoryErrors(c, () => c.json(createUsersInBulk(ctx, mail, body.data), 201));
  });
  return app;
};
