import { Hono } from 'hono';
import { diagnoseApi } from '../diagnose/api.ts';
import { eventsApi } from '../events/api.ts';
import { requireUser } from '../http/auth.ts';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { appAccessApi } from '../mailboxes/app-access/api.ts';
import { readingApi } from '../reading/api.ts';
import { sendApi } from '../send/api.ts';
import { webhooksApi } from '../webhooks/api.ts';
import { mailboxesApi } from './mailboxes-api.ts';
import { openApiDocument } from './openapi.ts';
import { settingsApi } from './settings-api.ts';
import { syncApi } from './sync-api.ts';
import { systemMailboxesApi } from './system-mailboxes-api.ts';

/** The REST API under /api. */
export const apiRoutes = (deps: AppDeps): Hono<AppEnv> => {
  const app = new Hono<AppEnv>();
  app.get('/openapi.json', (c) => c.json(openApiDocument(deps.config.publicUrl)));
  app.get('/me', (c) => {
    const user = requireUser(c);
    return c.json({ id: user.id, email: user.email, displayName: user.displayName, role: user.role });
  });
  app.route('/', settingsApi(deps));
  app.route('/', mailboxesApi(deps));
  app.route('/', syncApi(deps));
  app.route('/', systemMailboxesApi(deps));
  app.route('/', appAccessApi(deps));
  app.route('/', readingApi(deps));
  app.route('/', sendApi(deps));
  app.route('/', eventsApi(deps));
  app.route('/', webhooksApi(deps));
  app.route('/', diagnoseApi(deps));
  return app;
};
