import { Hono } from 'hono';
import { z } from 'zod';
import type { EmulatorContext } from '../context.ts';
import { lastPageError } from '../identity/errors/error-page.tsx';
import { rotateKeys } from '../identity/signing-keys.ts';
import { now } from '../state/directory.ts';
import { controlError, parseBody } from './respond.ts';

const schemas = {
  lifetimes: z.object({
    accessTokenLifetimeSec: z.number().int().min(1).nullable().optional(),
    authCodeLifetimeSec: z.number().int().min(1).optional(),
    refreshTokenIdleSec: z.number().int().min(1).optional(),
  }),
  clock: z.union([z.object({ offsetMs: z.number().int() }), z.object({ advanceSeconds: z.number() })]),
  tokenFault: z.object({
    status: z.union([z.literal(429), z.literal(500), z.literal(503)]),
    retryAfterSeconds: z.number().int().min(0).nullable().default(null),
    count: z.number().int().min(1).default(1),
  }),
  imapThrottle: z.object({
    backoffMs: z.number().int().min(0),
    mailbox: z.email().nullable().default(null),
    count: z.number().int().min(1).nullable().default(null),
  }),
  idTokenFault: z.object({
    mode: z.enum(['iss_tid_mismatch', 'wrong_aud', 'expired', 'bad_signature', 'wrong_nonce']),
    count: z.number().int().min(1).default(1),
  }),
  smtpFault: z.object({
    mode: z.enum(['drop_after_data', 'temporary_failure', 'auth_rejected', 'hold_data']),
    count: z.number().int().min(1).default(1),
  }),
  mailSettings: z.object({ saveToSentItems: z.boolean() }),
};

/** Lifetimes, the clock, signing keys, fault injection, the issued-token log and the last error page. */
export const runtimeRoutes = (ctx: EmulatorContext): Hono => {
  const app = new Hono();
  const { knobs } = ctx.dir;

  app.put('/lifetimes', async (c) => {
    const body = await parseBody(c, schemas.lifetimes);
    if (!body.ok) return body.response;
    Object.assign(knobs, body.data);
    return c.json({
      accessTokenLifetimeSec: knobs.accessTokenLifetimeSec,
      authCodeLifetimeSec: knobs.authCodeLifetimeSec,
      refreshTokenIdleSec: knobs.refreshTokenIdleSec,
    });
  });

  app.post('/clock', async (c) => {
    const body = await parseBody(c, schemas.clock);
    if (!body.ok) return body.response;
    knobs.clockOffsetMs =
      'offsetMs' in body.data ? body.data.offsetMs : knobs.clockOffsetMs + body.data.advanceSeconds * 1000;
    return c.json({ offsetMs: knobs.clockOffsetMs, now: new Date(now(ctx.dir)).toISOString() });
  });

  app.post('/keys/rotate', (c) => {
    const key = rotateKeys(ctx.keys);
    return c.json({ kid: key.kid, published: ctx.keys.published.map((k) => k.kid) });
  });

  app.put('/faults/token-endpoint', async (c) => {
    const body = await parseBody(c, schemas.tokenFault);
    if (!body.ok) return body.response;
    knobs.tokenEndpointFault = {
      status: body.data.status,
      retryAfterSeconds: body.data.retryAfterSeconds,
      remaining: body.data.count,
    };
    return c.json(knobs.tokenEndpointFault);
  });
  app.delete('/faults/token-endpoint', (c) => {
    knobs.tokenEndpointFault = null;
    return c.body(null, 204);
  });

  app.put('/faults/id-token', async (c) => {
    const body = await parseBody(c, schemas.idTokenFault);
    if (!body.ok) return body.response;
    knobs.idTokenFault = { mode: body.data.mode, remaining: body.data.count };
    return c.json(knobs.idTokenFault);
  });
  app.delete('/faults/id-token', (c) => {
    knobs.idTokenFault = null;
    return c.body(null, 204);
  });

  app.put('/faults/imap-throttle', async (c) => {
    const body = await parseBody(c, schemas.imapThrottle);
    if (!body.ok) return body.response;
    const { backoffMs, mailbox, count } = body.data;
    knobs.imapThrottle = { backoffMs, mailbox: mailbox?.toLowerCase() ?? null, remaining: count };
    return c.json(knobs.imapThrottle);
  });
  app.delete('/faults/imap-throttle', (c) => {
    knobs.imapThrottle = null;
    return c.body(null, 204);
  });

  app.put('/faults/smtp', async (c) => {
    const body = await parseBody(c, schemas.smtpFault);
    if (!body.ok) return body.response;
    knobs.smtpFault = { mode: body.data.mode, remaining: body.data.count };
    return c.json(knobs.smtpFault);
  });
  app.delete('/faults/smtp', (c) => {
    knobs.smtpFault = null;
    return c.body(null, 204);
  });

  app.put('/mail/settings', async (c) => {
    const body = await parseBody(c, schemas.mailSettings);
    if (!body.ok) return body.response;
    knobs.saveToSentItems = body.data.saveToSentItems;
    return c.json(body.data);
  });

  app.get('/tokens', (c) => {
    const { kind, appId, subject } = c.req.query();
    const tokens = ctx.dir.issuedTokens.filter(
      (t) =>
        (!kind || t.kind === kind) && (!appId || t.appId === appId) && (!subject || t.subject === subject),
    );
    return c.json({
      tokens: tokens.map((t) => ({
        ...t,
        issuedAt: new Date(t.issuedAt).toISOString(),
        expiresAt: t.expiresAt === null ? null : new Date(t.expiresAt).toISOString(),
      })),
    });
  });

  // One access token per successful grant: how many each user (or app) got, by grant type, since start.
  app.get('/tokens/grants', (c) => {
    const { grantType, appId, subject } = c.req.query();
    const grants = [...ctx.dir.grantCounts.values()]
      .filter(
        (g) =>
          (!grantType || g.grantType === grantType) &&
          (!appId || g.appId === appId) &&
          (!subject || g.subject === subject),
      )
      .map((g) => ({ ...g, upn: ctx.dir.users.get(g.subject)?.upn ?? null }));
    return c.json({ total: grants.reduce((n, g) => n + g.count, 0), grants });
  });

  // Errors the authorize endpoint shows on its own page reach no redirect URI (ms-identity-spec.md §5.4).
  app.get('/last-page-error', (c) => {
    const shown = lastPageError(ctx.dir);
    if (!shown) return controlError(c, 404, 'not_found', 'no error page was shown');
    return c.json({ ...shown, at: new Date(shown.at).toISOString() });
  });

  return app;
};
