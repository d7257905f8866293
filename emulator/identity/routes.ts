import { Hono } from 'hono';
import type { EmulatorContext } from '../context.ts';

/** Microsoft identity platform v2.0 endpoints, paths exactly as Microsoft's (ms-identity-spec.md §2–§11). */
export const identityRoutes = (_ctx: EmulatorContext): Hono => {
  const app = new Hono();
  return app;
};
