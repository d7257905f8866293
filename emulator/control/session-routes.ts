import { Hono } from 'hono';
import { z } from 'zod';
import type { EmulatorContext } from '../context.ts';
import { countSessions, cutSessions, resetPeaks } from '../mail/imap/session-registry.ts';
import type { RunningMail } from '../mail/start-mail.ts';
import { parseBody } from './respond.ts';

/**
 * Live IMAP sessions: cut them (`POST /mail/cut-sessions {address}`, a connection dropped mid-command, for
 * resume tests) and count them per mailbox (`GET /mail/sessions[?address=]`), with the most each mailbox
 * had at once since `POST /mail/sessions/reset-peaks`, so a test can prove "each mailbox watched exactly
 * once" and "never more than two sessions per mailbox".
 */
export const sessionRoutes = (ctx: EmulatorContext, mail: RunningMail | null): Hono => {
  const app = new Hono();
  app.post('/mail/cut-sessions', async (c) => {
    const body = await parseBody(c, z.object({ address: z.email() }));
    if (!body.ok) return body.response;
    return c.json({ cut: cutSessions(ctx, body.data.address) });
  });

  app.get('/mail/sessions', (c) => {
    const address = c.req.query('address')?.toLowerCase();
    const mailboxes = countSessions(ctx).filter((m) => address === undefined || m.address === address);
    const sum = (pick: (m: (typeof mailboxes)[number]) => number) =>
      mailboxes.reduce((n, m) => n + pick(m), 0);
    return c.json({
      totals: {
        connections: mail?.imapConnections() ?? 0,
        sessions: sum((m) => m.sessions),
        idling: sum((m) => m.idling),
        mailboxesWithSessions: mailboxes.filter((m) => m.sessions > 0).length,
        mailboxesIdling: mailboxes.filter((m) => m.idling > 0).length,
        mostSessionsOnOneMailbox: Math.max(0, ...mailboxes.map((m) => m.sessions)),
        highestPeak: Math.max(0, ...mailboxes.map((m) => m.peak)),
      },
      mailboxes,
    });
  });
  app.post('/mail/sessions/reset-peaks', (c) => {
    resetPeaks(ctx);
    return c.json({ reset: true });
  });
  return app;
};
