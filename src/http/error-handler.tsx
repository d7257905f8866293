import type { ErrorHandler } from 'hono';
import { Layout } from '../ui/layout.tsx';
import type { AppDeps, AppEnv } from './context.ts';
import { AppError, errorBody } from './errors.ts';
import { signinLocation } from './redirect.ts';

const isApi = (path: string) => path.startsWith('/api/');

/** The only onError: typed errors become their status and message; anything else is logged and hidden. */
export const errorHandler =
  (deps: AppDeps): ErrorHandler<AppEnv> =>
  (error, c) => {
    const known = error instanceof AppError ? error : null;
    if (!known)
      deps.log.error(
        { event: 'http.unhandled', path: c.req.path, err: { message: error.message, stack: error.stack } },
        'unhandled error',
      );
    const status = known?.status ?? 500;
    const code = known?.code ?? 'internal';
    const message =
      known?.message ?? 'Something went wrong on our side. It has been logged; try again in a moment.';
    if (isApi(c.req.path)) return c.json(errorBody(code, message, known?.fields), status);
    if (code === 'auth.required') return c.redirect(signinLocation(deps.config, c.req.path));
    return c.html(
      <Layout title="Problem" user={c.get('user')} narrow>
        <div class="card">
          <h1>{status === 404 ? 'Not found' : status === 403 ? 'Not allowed' : 'Something went wrong'}</h1>
          <p>{message}</p>
          <p>
            <a href="/">Back to Mailroom</a>
          </p>
        </div>
      </Layout>,
      status,
    );
  };
