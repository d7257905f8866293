import type { Child } from 'hono/jsx';
import { bannersFor } from '../mailboxes/banners.ts';
import { Layout } from '../ui/layout.tsx';
import { anonymousCsrfToken } from './anonymous-csrf.ts';
import type { AppContext, AppDeps } from './context.ts';
import type { SessionData } from './session.ts';

/** Queues a message for the next page this browser sees. */
export const flash = async (
  deps: AppDeps,
  c: AppContext,
  kind: 'success' | 'error' | 'info',
  text: string,
): Promise<void> => {
  const session = await deps.sessions.ensure(c);
  session.data.flash = [...(session.data.flash ?? []), { kind, text }];
  await deps.sessions.save(session);
};

const takeFlash = async (deps: AppDeps, c: AppContext): Promise<NonNullable<SessionData['flash']>> => {
  const session = await deps.sessions.load(c);
  const messages = session?.data.flash ?? [];
  if (session && messages.length > 0) {
    session.data.flash = [];
    await deps.sessions.save(session);
  }
  return messages;
};

/**
 * Renders a page inside the layout, with the signed-in user, a CSRF token and pending flash messages. A
 * browser that is not signed in gets the anonymous (signed double-submit) token: a page view stores no
 * session.
 */
export const renderPage = async (
  deps: AppDeps,
  c: AppContext,
  options: { title: string; current?: string; narrow?: boolean; status?: 200 | 400 | 403 | 404 | 429 | 500 },
  body: (csrf: string) => Child,
) => {
  const session = await deps.sessions.load(c);
  const csrf = session?.userId ? session.csrfToken : anonymousCsrfToken(deps, c);
  const messages = await takeFlash(deps, c);
  const user = c.get('user');
  const banners = user ? await bannersFor(deps.db, user) : [];
  return c.html(
    <Layout
      title={options.title}
      user={user}
      csrf={csrf}
      banners={banners}
      flash={messages}
      {...(options.current ? { current: options.current } : {})}
      {...(options.narrow ? { narrow: true } : {})}
    >
      {body(csrf)}
    </Layout>,
    options.status ?? 200,
  );
};
