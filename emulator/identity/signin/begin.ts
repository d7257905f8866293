import type { Context } from 'hono';
import type { User } from '../../state/model.ts';
import { deliverError } from '../authorize/respond.ts';
import type { IdentityDeps } from '../deps.ts';
import { aadsts } from '../errors/aadsts.ts';
import { currentSession } from '../session/cookie.ts';
import { advance } from './advance.ts';
import { type Flow, targetOf } from './flow-store.ts';
import { renderPicker, renderSignIn } from './render.tsx';

export const matchesLogin = (user: User, login: string): boolean => {
  const key = login.trim().toLowerCase();
  return user.upn === key || user.mail === key;
};

/**
 * The first page of a flow, by `prompt` (ms-identity-spec.md §5.1): `none` never shows UI (AADSTS50058 without
 * a session), `login` always asks for credentials, `select_account` offers the session's account; otherwise the
 * session is used (SSO) unless `login_hint` names someone else.
 */
export const beginSignIn = (deps: IdentityDeps, c: Context, flow: Flow): Response | Promise<Response> => {
  const current = currentSession(deps, c);
  const prompt = flow.kind === 'authorize' ? flow.prompt : null;
  const hintMatches =
    current !== undefined && (flow.loginHint === null || matchesLogin(current.user, flow.loginHint));
  if (prompt === 'none') {
    if (!current || !hintMatches) {
      deps.flows.finish(flow.id);
      return deliverError(deps, c, targetOf(flow), aadsts.noSession());
    }
    return advance(deps, c, flow, current.user, current.session);
  }
  if (!current || prompt === 'login') return renderSignIn(c, flow);
  if (prompt === 'select_account') return renderPicker(c, flow, current.user);
  if (!hintMatches) return renderSignIn(c, flow);
  return advance(deps, c, flow, current.user, current.session);
};
