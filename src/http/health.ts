import { Hono } from 'hono';
import { sql } from 'kysely';
import type { AppDeps, AppEnv } from './context.ts';

/** `/healthz`: the process answers. `/readyz`: and its database does too. */
export const healthRoutes = (deps: AppDeps): Hono<AppEnv> => {
  const app = new Hono<AppEnv>();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await sql`select 1`.execute(deps.db);
      return c.json({ status: 'ready', database: deps.config.database.kind });
    } catch (error) {
      deps.log.warn({ event: 'readyz.database_unreachable', err: error }, 'database unreachable');
      return c.json({ status: 'unavailable', database: deps.config.database.kind }, 503);
    }
  });
  return app;
};
