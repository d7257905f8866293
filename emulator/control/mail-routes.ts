import { existsSync } from 'node:fs';
import { Hono } from 'hono';
import { z } from 'zod';
import type { EmulatorContext } from '../context.ts';
import { folderPath, isStorableFolderName } from '../mail/maildir.ts';
import { seedFolder } from '../mail/seed.ts';
import type { RunningMail } from '../mail/start-mail.ts';
import { resetUidValidity } from '../mail/uidvalidity.ts';
import { findMailbox } from '../state/directory.ts';
import { controlError, parseBody } from './respond.ts';

const folder = z
  .string()
  .min(1)
  .refine(isStorableFolderName, 'printable ASCII without "." or "&"')
  .default('INBOX');

const seedSchema = z.object({
  address: z.email(),
  folder,
  count: z.number().int().min(0).max(200_000).optional(),
  /** RFC 5322 messages as text, delivered unchanged. */
  messages: z.array(z.string().min(1)).optional(),
  flags: z.array(z.enum(['\\Seen', '\\Flagged', '\\Answered', '\\Draft', '\\Deleted'])).default([]),
  bodyBytes: z.number().int().min(1).max(50_000_000).optional(),
  /** Exchange-like header fields of about this many bytes in each generated message. */
  headerBytes: z.number().int().min(0).max(60_000).optional(),
});

/** Seeding mailboxes and reading what was sent to the outside world. */
export const mailRoutes = (ctx: EmulatorContext, mail: RunningMail | null): Hono => {
  const app = new Hono();
  app.use('*', async (c, next) => {
    if (!mail) return controlError(c, 409, 'mail_not_running', 'the emulator was started without mail');
    await next();
  });

  app.post('/seed', async (c) => {
    const body = await parseBody(c, seedSchema);
    if (!body.ok) return body.response;
    const { address, folder, count, messages, flags, bodyBytes, headerBytes } = body.data;
    if (!findMailbox(ctx.dir, address)) return controlError(c, 404, 'not_found', `no mailbox ${address}`);
    const started = performance.now();
    const seeded = seedFolder(mail!.store, {
      address,
      folder,
      flags,
      ...(count === undefined ? {} : { count }),
      ...(messages ? { messages: messages.map((m) => Buffer.from(m)) } : {}),
      ...(bodyBytes === undefined ? {} : { bodyBytes }),
      ...(headerBytes === undefined ? {} : { headerBytes }),
    });
    return c.json({ seeded, ms: Math.round(performance.now() - started) }, 201);
  });

  app.post('/reset-uidvalidity', async (c) => {
    const body = await parseBody(c, z.object({ address: z.email(), folder }));
    if (!body.ok) return body.response;
    const { address } = body.data;
    if (!findMailbox(ctx.dir, address)) return controlError(c, 404, 'not_found', `no mailbox ${address}`);
    // A folder nothing was ever delivered to has no Maildir yet, so nothing to renumber.
    if (!existsSync(folderPath(mail!.store, address, body.data.folder)))
      return controlError(c, 404, 'not_found', `no folder ${body.data.folder} in ${address}`);
    resetUidValidity(mail!.store, address, body.data.folder);
    return c.json({ reset: true });
  });

  app.get('/outbound', (c) =>
    c.json({
      messages: mail!.outbound.map((m) => ({
        from: m.from,
        to: m.to,
        acceptedAt: new Date(m.acceptedAt).toISOString(),
        raw: m.raw.toString('utf8'),
      })),
    }),
  );
  return app;
};
