import type { Context } from 'hono';
import type { IdentityDeps } from '../deps.ts';
import { errorPage } from '../errors/error-page.tsx';
import { requestParams } from '../form.ts';
import { beginSignIn } from '../signin/begin.ts';
import { parseAuthorizeRequest } from './params.ts';
import { deliverError } from './respond.ts';

/**
 * `GET|POST /{tenant}/oauth2/v2.0/authorize` (ms-identity-spec.md §5): validate, then keep the request
 * server-side as a flow and start the sign-in pages. `domain_hint` is recorded on the flow and otherwise
 * has no effect (the emulator has no home-realm discovery to skip).
 */
export const authorizeHandler = (deps: IdentityDeps) => async (c: Context) => {
  const params = await requestParams(c);
  const request = parseAuthorizeRequest(deps.ctx.dir, c.req.param('tenant') ?? '', params);
  if (request.kind === 'page') return errorPage(deps.ctx.dir, c, request.err);
  if (request.kind === 'redirect') return deliverError(deps, c, request.target, request.err);
  return beginSignIn(deps, c, deps.flows.start(request.flow));
};
