import type { Context } from 'hono';
import type { User } from '../../state/model.ts';
import { adminConsentAfterSignIn } from '../admin-consent/consent-step.tsx';
import { authorizeAfterSignIn } from '../authorize/consent-step.tsx';
import { deliverError } from '../authorize/respond.ts';
import type { IdentityDeps } from '../deps.ts';
import { aadsts } from '../errors/aadsts.ts';
import { errorPage } from '../errors/error-page.tsx';
import { GRAPH_APP_ID } from '../resources.ts';
import type { BrowserSession } from '../session/session-store.ts';
import { type Flow, targetOf } from './flow-store.ts';
import { renderMfa } from './render.tsx';

/**
 * Once the user is known: tenant membership (AADSTS50020 for a user of another tenant at a tenant-specific
 * authority, §5.4), the emulated MFA step for MFA-required users, then the flow's consent step.
 */
export const advance = (
  deps: IdentityDeps,
  c: Context,
  flow: Flow,
  user: User,
  session: BrowserSession,
): Response | Promise<Response> => {
  const { path, app } = flow;
  if (path.kind === 'tenant' && user.tenantId !== path.tenant.id) {
    deps.flows.finish(flow.id);
    const err = aadsts.userNotInTenant(
      user.upn,
      user.tenantId,
      path.tenant.displayName,
      app.appId,
      app.displayName,
    );
    return errorPage(deps.ctx.dir, c, err);
  }
  flow.userOid = user.oid;
  if (user.mfaRequired && session.mfaAt === null) {
    if (flow.kind === 'authorize' && flow.prompt === 'none') {
      deps.flows.finish(flow.id);
      return deliverError(deps, c, targetOf(flow), aadsts.mfaRequired(GRAPH_APP_ID));
    }
    flow.stage = 'mfa';
    return renderMfa(c, flow, user);
  }
  return flow.kind === 'authorize'
    ? authorizeAfterSignIn(deps, c, flow, user, session)
    : adminConsentAfterSignIn(c, flow, user);
};
