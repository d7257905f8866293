import type { Context } from 'hono';
import { adminConsentAnswer } from '../admin-consent/consent-step.tsx';
import type { IdentityDeps } from '../deps.ts';
import { aadsts } from '../errors/aadsts.ts';
import { errorPage } from '../errors/error-page.tsx';
import { readForm } from '../form.ts';
import { currentSession } from '../session/cookie.ts';
import { flowAt } from '../signin/routes.ts';
import { authorizeConsentAnswer } from './consent-step.tsx';

/**
 * `POST /{tenant}/Consent/Set`: Accept or Cancel on a consent page. The flow must be waiting for consent
 * and this browser's session must belong to the user who signed in within it.
 */
export const consentAnswerHandler = (deps: IdentityDeps) => async (c: Context) => {
  const form = await readForm(c);
  const flow = flowAt(deps, form, 'consent');
  const current = currentSession(deps, c);
  if (!flow || !current || current.user.oid !== flow.userOid)
    return errorPage(deps.ctx.dir, c, aadsts.flowNotFound());
  const accepted = form.action === 'accept';
  return flow.kind === 'authorize'
    ? authorizeConsentAnswer(deps, c, flow, current.user, current.session, accepted)
    : adminConsentAnswer(deps, c, flow, current.user, accepted);
};
