import { Hono } from 'hono';
import { requireUser } from '../http/auth.ts';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { renderPage } from '../http/render.tsx';

export const homeRoutes = (deps: AppDeps): Hono<AppEnv> => {
  const app = new Hono<AppEnv>();
  app.get('/', async (c) => {
    const user = requireUser(c);
    return renderPage(deps, c, { title: 'Home', current: '/' }, () => (
      <>
        <h1>Hello, {user.displayName}</h1>
        {user.role === 'administrator' ? (
          <div class="card">
            <h2>Connect Microsoft 365</h2>
            <p>
              Register Mailroom as an app in Microsoft Entra ID, then paste its IDs and secret on the{' '}
              <a href="/settings/microsoft">Microsoft 365 settings</a> page. Staff can then sign in with
              Microsoft 365 and connect their mailboxes.
            </p>
          </div>
        ) : (
          <div class="card">
            <p>Your mailboxes will appear here once they are connected.</p>
          </div>
        )}
      </>
    ));
  });
  return app;
};
