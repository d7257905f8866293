import { Hono } from 'hono';
import type { EmulatorContext } from '../context.ts';
import type { RunningMail } from '../mail/start-mail.ts';

/** The control API for tests, under `/_emulator`. */
export const controlRoutes = (_ctx: EmulatorContext, _mail: RunningMail | null): Hono => {
  const app = new Hono();
  return app;
};
