import type { Context } from 'hono';
import { addConsent } from '../../state/directory.ts';
import type { User } from '../../state/model.ts';
import type { IdentityDeps } from '../deps.ts';
import { aadsts } from '../errors/aadsts.ts';
import { htmlDocument } from '../html/layout.tsx';
import type { BrowserSession } from '../session/session-store.ts';
import { type AuthorizeFlow, targetOf } from '../signin/flow-store.ts';
import { signInPaths } from '../signin/pages.tsx';
import { byResource, consentNeeds } from './consent-needs.ts';
import { AdminApprovalPage, ConsentPage } from './consent-pages.tsx';
import { issueCode } from './issue-code.ts';
import { permissionLabel } from './permission-labels.ts';
import { deliverError } from './respond.ts';

const needsOf = (deps: IdentityDeps, flow: AuthorizeFlow, user: User) =>
  consentNeeds(deps.ctx.dir, flow.app, user.tenantId, user.oid, flow.scopes);

/**
 * After sign-in: a consent page for permissions not yet granted (always with `prompt=consent`), the
 * "Need admin approval" page for admin-only ones, or the code. `prompt=none` gets `consent_required`
 * (AADSTS65001) instead of a page (ms-identity-spec.md §5.3).
 */
export const authorizeAfterSignIn = (
  deps: IdentityDeps,
  c: Context,
  flow: AuthorizeFlow,
  user: User,
  session: BrowserSession,
): Response => {
  const needs = needsOf(deps, flow, user);
  const adminOnly = needs.missing.filter((p) => p.adminOnly);
  const toAsk = flow.prompt === 'consent' ? needs.all : needs.missing;
  if (adminOnly.length === 0 && toAsk.length === 0) return issueCode(deps, c, flow, user, session);
  if (flow.prompt === 'none') {
    deps.flows.finish(flow.id);
    return deliverError(deps, c, targetOf(flow), aadsts.consentMissing(flow.app.appId, flow.app.displayName));
  }
  flow.stage = 'consent';
  const action = signInPaths(flow.path.segment).consent;
  const labels = (adminOnly.length > 0 ? adminOnly : needs.all).map((p) =>
    permissionLabel(p.resource, p.value),
  );
  const page =
    adminOnly.length > 0 ? (
      <AdminApprovalPage
        action={action}
        flowId={flow.id}
        appName={flow.app.displayName}
        permissions={labels}
      />
    ) : (
      <ConsentPage
        action={action}
        flowId={flow.id}
        appName={flow.app.displayName}
        upn={user.upn}
        permissions={labels}
        forOrganization={false}
      />
    );
  return c.html(htmlDocument(page));
};

/** Accept or Cancel on the consent page. Accept is re-checked: admin-only permissions can't be granted here. */
export const authorizeConsentAnswer = (
  deps: IdentityDeps,
  c: Context,
  flow: AuthorizeFlow,
  user: User,
  session: BrowserSession,
  accepted: boolean,
): Response => {
  const needs = needsOf(deps, flow, user);
  const adminOnly = needs.missing.some((p) => p.adminOnly);
  if (!accepted || adminOnly) {
    deps.flows.finish(flow.id);
    const err = adminOnly ? aadsts.adminApprovalNeeded() : aadsts.userCancelledConsent();
    return deliverError(deps, c, targetOf(flow), err);
  }
  // Consent is per user (oauth2PermissionGrant with the user as principal).
  for (const [resource, scopes] of byResource(needs.all)) {
    addConsent(deps.ctx.dir, {
      tenantId: user.tenantId,
      appId: flow.app.appId,
      userOid: user.oid,
      resource,
      scopes,
    });
  }
  return issueCode(deps, c, flow, user, session);
};
