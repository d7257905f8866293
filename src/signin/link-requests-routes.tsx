import { Hono } from 'hono';
import { requireAdmin } from '../http/auth.ts';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import { flash, renderPage } from '../http/render.tsx';
import { Csrf } from '../ui/layout.tsx';
import { decideLinkRequest, linkDecisionSchema, listLinkRequests } from './link-requests.ts';

export const LINK_REQUESTS_PATH = '/settings/microsoft/links';

/**
 * Microsoft accounts waiting for confirmation: a user who already signs in with one Microsoft identity
 * gets a second only when an administrator confirms it here (issue 11, item 1).
 */
export const linkRequestRoutes = (deps: AppDeps): Hono<AppEnv> => {
  const app = new Hono<AppEnv>();

  app.get(LINK_REQUESTS_PATH, async (c) => {
    requireAdmin(c);
    const requests = await listLinkRequests(deps.db);
    return renderPage(
      deps,
      c,
      { title: 'Microsoft accounts waiting for confirmation', current: '/settings/microsoft' },
      (csrf) => (
        <>
          <h1>Microsoft accounts waiting for confirmation</h1>
          <p class="lead">
            Each row is a Microsoft account that tried to sign in as a Mailroom user who already signs in with
            another Microsoft account. Confirm it only if you know that person uses both accounts; until then
            it signs nobody in. Rejecting deletes the request (a new sign-in asks again). Both are in the
            audit log.
          </p>
          {requests.length === 0 ? (
            <p id="no-link-requests">No Microsoft account is waiting.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th>Mailroom user</th>
                  <th>Microsoft account (UPN)</th>
                  <th>Directory · object id</th>
                  <th>Asked (UTC)</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {requests.map((r) => (
                  <tr>
                    <td>
                      {r.userName} ({r.userEmail})
                    </td>
                    <td>{r.upn ?? 'no UPN'}</td>
                    <td class="mono">
                      {r.tid} · {r.oid}
                    </td>
                    <td class="mono">{r.requestedAt.replace('T', ' ').slice(0, 19)}</td>
                    <td>
                      <form method="post" action={LINK_REQUESTS_PATH}>
                        <Csrf token={csrf} />
                        <input type="hidden" name="tid" value={r.tid} />
                        <input type="hidden" name="oid" value={r.oid} />
                        <button type="submit" name="decision" value="confirm">
                          Confirm
                        </button>{' '}
                        <button type="submit" name="decision" value="reject" class="secondary">
                          Reject
                        </button>
                      </form>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      ),
    );
  });

  app.post(LINK_REQUESTS_PATH, async (c) => {
    const actor = requireAdmin(c);
    const input = linkDecisionSchema.safeParse(await c.req.parseBody());
    if (!input.success) throw new AppError('request.invalid', 'Choose Confirm or Reject on a request.');
    const done = await decideLinkRequest(deps.db, actor, input.data);
    await flash(
      deps,
      c,
      done ? 'success' : 'error',
      done
        ? input.data.decision === 'confirm'
          ? 'The Microsoft account is confirmed: it signs its user in from now on.'
          : 'The request is rejected.'
        : 'That request no longer waits.',
    );
    return c.redirect(LINK_REQUESTS_PATH);
  });

  return app;
};
