import { Hono } from 'hono';
import { z } from 'zod';
import { requestClientAddress, trustedProxies } from '../http/client-address.ts';
import type { AppContext, AppDeps, AppEnv } from '../http/context.ts';
import { localTarget, redirectLocal } from '../http/redirect.ts';
import { flash, renderPage } from '../http/render.tsx';
import { loadMicrosoftSettings } from '../microsoft/settings.ts';
import { microsoftLogoutUrl } from '../signin/logout.ts';
import { Csrf, Field } from '../ui/layout.tsx';
import { signInWithPassword } from './password-signin.ts';
import { hasNoUsers } from './users.repository.ts';

const form = z.object({
  email: z.string().trim().min(1),
  password: z.string().min(1),
  next: z.string().optional(),
});

const MESSAGES = {
  'auth.invalid_credentials': 'That e-mail and password do not match an active account.',
  'auth.rate_limited':
    'Too many failed attempts. Wait 15 minutes, or ask an administrator to check the account.',
} as const;

export const signinRoutes = (deps: AppDeps): Hono<AppEnv> => {
  const app = new Hono<AppEnv>();
  const proxies = trustedProxies(deps.config);

  const page = async (
    c: AppContext,
    values: { email?: string; next?: string },
    error?: string,
    status: 200 | 400 | 403 | 429 = 200,
  ) => {
    const microsoft = (await loadMicrosoftSettings(deps.db)).signinEnabled;
    const start = `/auth/microsoft${values.next && values.next !== '/' ? `?next=${encodeURIComponent(values.next)}` : ''}`;
    return renderPage(deps, c, { title: 'Sign in', narrow: true, status }, (csrf) => (
      <div class="card">
        <h1>Sign in to Mailroom</h1>
        {error && (
          <div class="flash error" role="alert">
            {error}
          </div>
        )}
        {microsoft && (
          <div class="actions signin-microsoft">
            <a class="button" href={start} id="signin-microsoft">
              Sign in with Microsoft 365
            </a>
            <span class="hint">or with your e-mail and password:</span>
          </div>
        )}
        <form method="post" action="/signin">
          <Csrf token={csrf} />
          <input type="hidden" name="next" value={values.next ?? ''} />
          <Field
            name="email"
            label="E-mail"
            type="email"
            value={values.email ?? ''}
            autocomplete="username"
            required
          />
          <Field name="password" label="Password" type="password" autocomplete="current-password" required />
          <div class="actions">
            <button type="submit">Sign in</button>
          </div>
        </form>
      </div>
    ));
  };

  app.get('/signin', async (c) => {
    if (c.get('user')) return c.redirect('/');
    if (await hasNoUsers(deps.db)) return c.redirect('/setup');
    // A `next` that is not a place of Mailroom's is dropped: the plain sign-in, never an error.
    return page(c, { next: localTarget(deps.config.publicUrl, c.req.query('next')) ?? '' });
  });

  app.post('/signin', async (c) => {
    const parsed = form.safeParse(await c.req.parseBody());
    if (!parsed.success) return page(c, {}, 'Enter your e-mail and password.', 400);
    const { email, password } = parsed.data;
    const next = localTarget(deps.config.publicUrl, parsed.data.next) ?? '';
    const domain = email.split('@')[1]?.toLowerCase() ?? '';
    const settings = await loadMicrosoftSettings(deps.db);
    if (settings.passwordDisabledDomains.includes(domain)) {
      const how = settings.signinEnabled
        ? 'Use “Sign in with Microsoft 365” above.'
        : 'Ask your administrator to switch on Microsoft 365 sign-in.';
      return page(
        c,
        { email, next },
        `People at ${domain} sign in with Microsoft 365, not a password. ${how}`,
        403,
      );
    }
    const result = await signInWithPassword(deps.db, email, password, requestClientAddress(proxies, c));
    if (!result.ok) {
      deps.log.info({ event: 'signin.password_refused', code: result.code }, 'password sign-in refused');
      return page(c, { email, next }, MESSAGES[result.code], result.code === 'auth.rate_limited' ? 429 : 400);
    }
    await deps.sessions.signIn(c, result.user.id);
    deps.log.info({ event: 'signin.password', userId: result.user.id }, 'signed in with password');
    return redirectLocal(c, deps.config, next);
  });

  app.post('/signout', async (c) => {
    await deps.sessions.end(c);
    const logout = await microsoftLogoutUrl(deps);
    if (logout) return c.redirect(logout);
    await flash(deps, c, 'info', 'You are signed out.');
    return c.redirect('/signin');
  });

  return app;
};
