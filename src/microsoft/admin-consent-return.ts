import { recordAudit } from '../audit/record.ts';
import { requireAdmin } from '../http/auth.ts';
import type { AppContext, AppDeps } from '../http/context.ts';
import { flash } from '../http/render.tsx';
import { finishAdminConsent } from './admin-consent.ts';

/** Microsoft returns an administrator who granted (or declined) consent to the sign-in Redirect URI. */
export const finishAdminConsentReturn = async (deps: AppDeps, c: AppContext) => {
  const actor = requireAdmin(c);
  const session = await deps.sessions.load(c);
  const outcome = finishAdminConsent(session, c.req.query());
  if (session) await deps.sessions.save(session);
  if (outcome.ok) {
    await recordAudit(deps.db, actor, 'settings.microsoft.admin_consent', {
      tenant: outcome.tenant,
      scopes: outcome.scopes,
    });
    await flash(
      deps,
      c,
      'success',
      `Admin consent granted in directory ${outcome.tenant} for: ${outcome.scopes.join(', ')}.`,
    );
  } else {
    await flash(deps, c, 'error', outcome.message);
  }
  return c.redirect('/settings/microsoft');
};
