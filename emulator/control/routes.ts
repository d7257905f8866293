import { Hono } from 'hono';
import type { EmulatorContext } from '../context.ts';
import type { RunningMail } from '../mail/start-mail.ts';
import { appRoleRoutes } from './app-role-routes.ts';
import { bulkRoutes } from './bulk-routes.ts';
import { directoryRoutes } from './directory-routes.ts';
import { exchangeRoutes } from './exchange-routes.ts';
import { mailRoutes } from './mail-routes.ts';
import { runtimeRoutes } from './runtime-routes.ts';
import { sessionRoutes } from './session-routes.ts';

/**
 * The control API for tests, under `/_emulator` (ms-identity-spec.md §16 "Test-control API"). It exists
 * only on the emulator and needs no credentials: the emulator listens on loopback alone.
 */
export const controlRoutes = (ctx: EmulatorContext, mail: RunningMail | null): Hono => {
  const app = new Hono();
  app.route('/', sessionRoutes(ctx, mail));
  app.route('/mail', mailRoutes(ctx, mail));
  app.route('/', bulkRoutes(ctx, mail));
  app.route('/', directoryRoutes(ctx));
  app.route('/', appRoleRoutes(ctx));
  app.route('/', exchangeRoutes(ctx));
  app.route('/', runtimeRoutes(ctx));
  return app;
};
