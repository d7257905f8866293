import { Hono } from 'hono';
import { z } from 'zod';
import { requireUser, signedIn } from '../http/auth.ts';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { queryInput } from '../http/validate.ts';
import { mailboxesVisibleTo } from '../mailboxes/repository.ts';

/** What `GET /api/events` reads; the OpenAPI document shows the same schema. */
export const eventsQuery = z.object({
  after: z
    .string()
    .regex(/^\d{1,15}$/, 'a cursor from an earlier answer (nextCursor), or 0')
    .default('0')
    .describe('The `nextCursor` of the previous page; 0 or absent: from the oldest kept.'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/**
 * `GET /api/events?after=<cursor>&limit=`: what changed, oldest first, for the mailboxes the caller may
 * see (mailboxes/access.ts: their own, and the system mailboxes they may use; administrators every
 * system mailbox, not other people's own), and for administrators the installation's own events (no
 * mailbox: `credential.expiring`, `credential.expired`). Poll with the `nextCursor` of the last answer.
 */
export const eventsApi = (deps: AppDeps): Hono<AppEnv> => {
  const app = new Hono<AppEnv>();
  app.get('/events', signedIn, queryInput(eventsQuery, 'The events parameters are not valid.'), async (c) => {
    const query = c.req.valid('query');
    const after = Number(query.after);
    const { limit } = query;
    const user = requireUser(c);
    const visible = (await mailboxesVisibleTo(deps.db, user)).map((m) => m.id);
    // Events of the installation itself (mailbox_id null: the Microsoft credential's expiry) are the
    // administrators' alone.
    const installation = user.role === 'administrator';
    const rows =
      visible.length === 0 && !installation
        ? []
        : await deps.db
            .selectFrom('events')
            .selectAll()
            .where('id', '>', after)
            .where((eb) =>
              eb.or([
                ...(visible.length > 0 ? [eb('mailbox_id', 'in', visible)] : []),
                ...(installation ? [eb('mailbox_id', 'is', null)] : []),
              ]),
            )
            .orderBy('id')
            .limit(limit + 1)
            .execute();
    const page = rows.slice(0, limit);
    return c.json({
      events: page.map((r) => ({
        id: String(r.id),
        at: r.at,
        type: r.type,
        mailboxId: r.mailbox_id,
        subject: r.subject_type ? { type: r.subject_type, id: r.subject_id } : null,
        data: JSON.parse(r.payload_json) as unknown,
      })),
      nextCursor: String(page.at(-1)?.id ?? after),
      hasMore: rows.length > limit,
    });
  });
  return app;
};
