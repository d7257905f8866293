import { Hono } from 'hono';
import { requireAdmin } from '../http/auth.ts';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { renderPage } from '../http/render.tsx';
import { listAudit } from './record.ts';

/** The audit log: who changed which setting, and when. */
export const auditRoutes = (deps: AppDeps): Hono<AppEnv> => {
  const app = new Hono<AppEnv>();
  app.get('/audit', async (c) => {
    requireAdmin(c);
    const events = await listAudit(deps.db);
    return renderPage(deps, c, { title: 'Audit log', current: '/audit' }, () => (
      <>
        <h1>Audit log</h1>
        {events.length === 0 ? (
          <p>Nothing has been changed yet.</p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>When (UTC)</th>
                <th>Who</th>
                <th>What</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr>
                  <td class="mono">{e.at.replace('T', ' ').slice(0, 19)}</td>
                  <td>{e.actor ?? 'system'}</td>
                  <td>{e.action}</td>
                  <td class="mono">{JSON.stringify(e.details)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </>
    ));
  });
  return app;
};
