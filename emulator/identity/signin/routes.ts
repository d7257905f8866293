import type { Context } from 'hono';
import { Hono } from 'hono';
import { findUserByLogin, now } from '../../state/directory.ts';
import { deliverCancel } from '../authorize/respond.ts';
import type { IdentityDeps } from '../deps.ts';
import { aadsts } from '../errors/aadsts.ts';
import { errorPage } from '../errors/error-page.tsx';
import { readForm } from '../form.ts';
import { currentSession, startSession } from '../session/cookie.ts';
import { advance } from './advance.ts';
import { type Flow, type FlowStage, targetOf } from './flow-store.ts';
import { renderSignIn } from './render.tsx';

/** The flow a form names, if it is in the stage that form belongs to; hidden inputs carry nothing else. */
export const flowAt = (
  deps: IdentityDeps,
  form: Record<string, string>,
  stage: FlowStage,
): Flow | undefined => {
  const flow = deps.flows.get(form.flow, now(deps.ctx.dir));
  return flow?.stage === stage ? flow : undefined;
};

/** `POST /{tenant}/login`: the account and password form, or its Back button. */
const postLogin = (deps: IdentityDeps) => async (c: Context) => {
  const form = await readForm(c);
  const flow = flowAt(deps, form, 'signin');
  if (!flow) return errorPage(deps.ctx.dir, c, aadsts.flowNotFound());
  if (form.action === 'cancel') {
    deps.flows.finish(flow.id);
    return deliverCancel(c, targetOf(flow));
  }
  const login = form.login ?? '';
  const user = findUserByLogin(deps.ctx.dir, login);
  if (!user) {
    const text =
      'This username may be incorrect. Make sure you typed it correctly. Otherwise, contact your admin.';
    return renderSignIn(c, flow, { login, error: { text, aadsts: aadsts.userNotFound().aadsts } });
  }
  if (user.password !== form.passwd) {
    const text = "Your account or password is incorrect. If you don't remember your password, reset it now.";
    return renderSignIn(c, flow, { login, error: { text, aadsts: aadsts.wrongPassword().aadsts } });
  }
  if (user.disabled) {
    deps.flows.finish(flow.id);
    return errorPage(deps.ctx.dir, c, aadsts.userDisabled());
  }
  return advance(deps, c, flow, user, startSession(deps, c, user));
};

/** `POST /{tenant}/login/select`: the account picker of `prompt=select_account`. */
const postSelect = (deps: IdentityDeps) => async (c: Context) => {
  const form = await readForm(c);
  const flow = flowAt(deps, form, 'signin');
  if (!flow) return errorPage(deps.ctx.dir, c, aadsts.flowNotFound());
  const current = currentSession(deps, c);
  if (!current || form.account !== current.user.oid) return renderSignIn(c, flow);
  return advance(deps, c, flow, current.user, current.session);
};

/** `POST /{tenant}/SAS/ProcessAuth`: Approve (or Cancel) on the emulated MFA page. */
const postMfa = (deps: IdentityDeps) => async (c: Context) => {
  const form = await readForm(c);
  const flow = flowAt(deps, form, 'mfa');
  const current = currentSession(deps, c);
  if (!flow || !current || current.user.oid !== flow.userOid)
    return errorPage(deps.ctx.dir, c, aadsts.flowNotFound());
  if (form.action !== 'approve') {
    deps.flows.finish(flow.id);
    return deliverCancel(c, targetOf(flow));
  }
  current.session.mfaAt = now(deps.ctx.dir);
  return advance(deps, c, flow, current.user, current.session);
};

export const signInRoutes = (deps: IdentityDeps): Hono => {
  const app = new Hono();
  app.post('/:tenant/login', postLogin(deps));
  app.post('/:tenant/login/select', postSelect(deps));
  app.post('/:tenant/SAS/ProcessAuth', postMfa(deps));
  return app;
};
