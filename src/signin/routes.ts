import { Hono } from 'hono';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { flash } from '../http/render.tsx';
import { finishAdminConsentReturn } from '../microsoft/admin-consent-return.ts';
import { finishMicrosoftSignIn } from './callback.ts';
import { linkRequestRoutes } from './link-requests-routes.tsx';
import { startMicrosoftSignIn } from './start.ts';

/** Sign in with Microsoft 365: the start, and the Redirect URI Azure knows (shared with admin consent). */
export const microsoftSigninRoutes = (deps: AppDeps): Hono<AppEnv> => {
  const app = new Hono<AppEnv>();
  app.get('/auth/microsoft', (c) => startMicrosoftSignIn(deps, c));
  app.get('/auth/microsoft/callback', async (c) => {
    const q = c.req.query();
    if (q.admin_consent !== undefined) return finishAdminConsentReturn(deps, c);
    // Back from Microsoft's sign-out page (post_logout_redirect_uri): nothing to redeem.
    if (!q.code && !q.error && !q.state) {
      await flash(deps, c, 'info', 'You are signed out of Mailroom and of Microsoft 365.');
      return c.redirect('/signin');
    }
    return finishMicrosoftSignIn(deps, c);
  });
  app.route('/', linkRequestRoutes(deps));
  return app;
};
