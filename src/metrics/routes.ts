import { getConnInfo } from '@hono/node-server/conninfo';
import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { errorBody } from '../http/errors.ts';
import { sameToken } from '../http/session.ts';
import { createMetrics } from './registry.ts';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * `/metrics` in Prometheus' text format. With MAILROOM_METRICS_TOKEN set, a scraper sends it as
 * `Authorization: Bearer …`; without it, only this machine may read them (they name no person, but
 * say how many mailboxes wait on whom).
 */
export const metricsRoutes = (deps: AppDeps): Hono<AppEnv> => {
  const app = new Hono<AppEnv>();
  const registry = createMetrics(deps.db);
  app.get('/metrics', async (c) => {
    const token = deps.config.metricsToken;
    const bearer = /^Bearer (.+)$/i.exec(c.req.header('authorization') ?? '')?.[1];
    const allowed = token
      ? bearer !== undefined && sameToken(bearer, token)
      : LOOPBACK.test(getConnInfo(c).remote.address ?? '');
    if (!allowed)
      return c.json(
        errorBody(
          'auth.forbidden',
          token
            ? 'Send the metrics token as Authorization: Bearer <MAILROOM_METRICS_TOKEN>.'
            : 'Metrics are only served to this machine; set MAILROOM_METRICS_TOKEN to scrape them from elsewhere.',
        ),
        403,
      );
    return c.body(await registry.metrics(), 200, { 'content-type': registry.contentType });
  });
  return app;
};
