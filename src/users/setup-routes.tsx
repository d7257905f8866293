import { Hono } from 'hono';
import { recordAudit } from '../audit/record.ts';
import type { AppContext, AppDeps, AppEnv } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import { flash, renderPage } from '../http/render.tsx';
import { Csrf, Field } from '../ui/layout.tsx';
import { createUser, UserError } from './create-user.ts';
import { hasNoUsers } from './users.repository.ts';

/** The first-run page: it exists only while Mailroom has no user at all (not even a disabled one). */
export const setupRoutes = (deps: AppDeps): Hono<AppEnv> => {
  const app = new Hono<AppEnv>();

  const closedUnlessFirstRun = async () => {
    if (!(await hasNoUsers(deps.db)))
      throw new AppError(
        'setup.closed',
        'Mailroom is set up already. If no administrator can sign in any more, create one on the server with `mailroom user create --admin`.',
      );
  };

  const page = (c: AppContext, values: Record<string, string>, errors: Record<string, string>) =>
    renderPage(
      deps,
      c,
      { title: 'Set up Mailroom', narrow: true, status: Object.keys(errors).length ? 400 : 200 },
      (csrf) => (
        <div class="card">
          <h1>Welcome to Mailroom</h1>
          <p class="lead">Create the first administrator. This page disappears once any user exists.</p>
          <form method="post" action="/setup">
            <Csrf token={csrf} />
            <Field
              name="displayName"
              label="Your name"
              value={values.displayName ?? ''}
              error={errors.displayName}
              required
            />
            <Field
              name="email"
              label="E-mail"
              type="email"
              value={values.email ?? ''}
              error={errors.email}
              autocomplete="username"
              required
            />
            <Field
              name="password"
              label="Password"
              type="password"
              hint="At least 12 characters."
              error={errors.password}
              autocomplete="new-password"
              required
            />
            <div class="actions">
              <button type="submit">Create administrator</button>
            </div>
          </form>
        </div>
      ),
    );

  app.get('/setup', async (c) => {
    await closedUnlessFirstRun();
    return page(c, {}, {});
  });

  app.post('/setup', async (c) => {
    await closedUnlessFirstRun();
    const body = await c.req.parseBody();
    const values = {
      displayName: String(body.displayName ?? ''),
      email: String(body.email ?? ''),
      password: String(body.password ?? ''),
    };
    try {
      const user = await createUser(deps.db, { ...values, role: 'administrator' });
      await recordAudit(deps.db, user, 'user.created', {
        email: user.email,
        role: user.role,
        via: 'first-run page',
      });
      await deps.sessions.signIn(c, user.id);
      await flash(
        deps,
        c,
        'success',
        'Your administrator account is ready. Next: connect Mailroom to Microsoft 365.',
      );
      return c.redirect('/settings/microsoft');
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      return page(c, { displayName: values.displayName, email: values.email }, error.fields);
    }
  });

  return app;
};
