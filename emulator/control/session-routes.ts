import { Hono } from 'hono';
import { z } from 'zod';
import type { EmulatorContext } from '../context.ts';
import { cutSessions } from '../mail/imap/session-registry.ts';
import { parseBody } from './respond.ts';

/** `POST /_emulator/mail/cut-sessions {address}`: a connection dropped mid-command, for resume tests. */
export const sessionRoutes = (ctx: EmulatorContext): Hono => {
  const app = new Hono();
  app.post('/mail/cut-sessions', async (c) => {
    const body = await parseBody(c, z.object({ address: z.email() }));
    if (!body.ok) return body.response;
    return c.json({ cut: cutSessions(ctx, body.data.address) });
  });
  return app;
};
