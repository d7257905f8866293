import type { Context } from 'hono';
import { authorityOf } from '../../context.ts';
import { now } from '../../state/directory.ts';
import type { IdentityDeps } from '../deps.ts';
import type { AadError } from '../errors/aad-error.ts';
import { describeError, errorUri, stampError } from '../errors/envelope.ts';
import { msQuery } from '../errors/ms-url-encoding.ts';
import { formPostDocument } from './form-post-page.tsx';
import type { RedirectTarget } from './params.ts';

type Params = readonly (readonly [string, string])[];

/** Delivers response parameters to the client by its response_mode (ms-identity-spec.md §5.2). */
export const deliver = (
  c: Context,
  target: RedirectTarget,
  params: Params,
  trailing: Params = [],
): Response => {
  const state: Params = target.state === null ? [] : [['state', target.state]];
  const withState: Params = [...(target.leading ?? []), ...params, ...state, ...trailing];
  if (target.responseMode === 'form_post') return c.html(formPostDocument(target.redirectUri, withState));
  const separator = target.responseMode === 'fragment' ? '#' : target.redirectUri.includes('?') ? '&' : '?';
  return c.redirect(`${target.redirectUri}${separator}${msQuery(withState)}`, 302);
};

/** An error sent back to the client: `error`, `error_description`, `error_uri`, `state` in that order (§5.3). */
export const deliverError = (
  deps: IdentityDeps,
  c: Context,
  target: RedirectTarget,
  err: AadError,
): Response => {
  const stamp = stampError(now(deps.ctx.dir));
  return deliver(c, target, [
    ['error', err.error],
    ['error_description', describeError(err, stamp)],
    ['error_uri', errorUri(authorityOf(deps.ctx, c.req.url), err)],
  ]);
};

/** The user pressed Back on the sign-in page: `error=access_denied&error_subcode=cancel`, no description (§5.3). */
export const deliverCancel = (c: Context, target: RedirectTarget): Response =>
  deliver(c, target, [
    ['error', 'access_denied'],
    ['error_subcode', 'cancel'],
  ]);
