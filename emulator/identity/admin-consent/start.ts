import type { Context } from 'hono';
import { now } from '../../state/directory.ts';
import { checkClient } from '../authorize/params.ts';
import { deliverError } from '../authorize/respond.ts';
import type { IdentityDeps } from '../deps.ts';
import { aadsts } from '../errors/aadsts.ts';
import { errorPage } from '../errors/error-page.tsx';
import { KNOWN_RESOURCES, scopeList, splitScopes } from '../scopes.ts';
import { beginSignIn } from '../signin/begin.ts';

/**
 * `GET /{tenant}/v2.0/adminconsent?client_id&scope&redirect_uri&state` (ms-identity-spec.md §10.1): not on
 * `common`; client and redirect URI failures on the error page, the rest redirected with `admin_consent=True`.
 */
export const adminConsentHandler = (deps: IdentityDeps) => (c: Context) => {
  const { dir } = deps.ctx;
  const segment = c.req.param('tenant') ?? '';
  const p = c.req.query();
  if (segment.toLowerCase() === 'common') return errorPage(dir, c, aadsts.adminConsentOnCommon());
  const client = checkClient(dir, segment, { ...p, response_mode: 'query' });
  if (!client.ok) return errorPage(dir, c, client.err);
  const target = { ...client.target, leading: [['admin_consent', 'True']] as const };
  const scopes = scopeList(p.scope);
  if (scopes.length === 0) return deliverError(deps, c, target, aadsts.missingParameter('scope'));
  const unknown = splitScopes(scopes).resources.find((r) => !KNOWN_RESOURCES.has(r.resource));
  if (unknown) return deliverError(deps, c, target, aadsts.unknownResource(unknown.resource, segment));
  const flow = deps.flows.start({
    kind: 'admin_consent',
    createdAt: now(dir),
    path: client.path,
    app: client.app,
    redirectUri: client.target.redirectUri,
    responseMode: 'query',
    state: client.target.state,
    scopes,
    loginHint: p.login_hint ?? null,
  });
  return beginSignIn(deps, c, flow);
};
