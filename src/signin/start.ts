import { createHash, randomBytes } from 'node:crypto';
import type { AppContext, AppDeps } from '../http/context.ts';
import { localTarget } from '../http/redirect.ts';
import { IdentityError } from '../microsoft/identity-error.ts';
import { redirectUris, SIGNIN_SCOPES } from '../microsoft/redirect-uris.ts';
import { authorityOf, credentialsComplete, loadMicrosoftSettings } from '../microsoft/settings.ts';
import { rememberFlow } from './flow.ts';
import { showRefusal } from './refusal-page.tsx';

const random = () => randomBytes(32).toString('base64url');

/**
 * `GET /auth/microsoft`: starts an authorization code flow with PKCE (S256), `state` and `nonce`, all
 * kept server side in this browser's session (DESIGN.md flow 2).
 */
export const startMicrosoftSignIn = async (deps: AppDeps, c: AppContext) => {
  const settings = await loadMicrosoftSettings(deps.db);
  if (!settings.signinEnabled) return showRefusal(deps, c, { code: 'signin.disabled' });
  const authority = authorityOf(settings);
  if (!credentialsComplete(settings) || !authority || !settings.clientId || !settings.tenant) {
    return showRefusal(deps, c, { code: 'signin.not_configured' });
  }
  let authorizationEndpoint: string;
  try {
    authorizationEndpoint = (await deps.microsoft.metadata(authority, settings.tenant))
      .authorization_endpoint;
  } catch (error) {
    if (!(error instanceof IdentityError)) throw error;
    return showRefusal(deps, c, { code: 'signin.unreachable', reason: error.code });
  }
  const flow = {
    state: random(),
    nonce: random(),
    verifier: random(),
    next: localTarget(deps.config.publicUrl, c.req.query('next')) ?? '/',
    startedAt: Date.now(),
  };
  const session = await deps.sessions.ensure(c);
  rememberFlow(session, flow);
  await deps.sessions.save(session);
  const params = new URLSearchParams({
    client_id: settings.clientId,
    response_type: 'code',
    redirect_uri: redirectUris(deps.config).signIn,
    response_mode: 'query',
    scope: SIGNIN_SCOPES.join(' '),
    state: flow.state,
    nonce: flow.nonce,
    code_challenge: createHash('sha256').update(flow.verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  const hint = c.req.query('login_hint');
  if (hint && hint.length < 320) params.set('login_hint', hint);
  return c.redirect(`${authorizationEndpoint}?${params}`);
};
