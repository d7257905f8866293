import { Hono } from 'hono';
import type { EmulatorContext } from '../context.ts';
import { adminConsentHandler } from './admin-consent/start.ts';
import { consentAnswerHandler } from './authorize/consent-routes.ts';
import { authorizeHandler } from './authorize/start.ts';
import type { IdentityDeps } from './deps.ts';
import { errorCodePage } from './errors/error-code-page.tsx';
import { meHandler } from './graph/me.ts';
import { userinfoHandler } from './graph/userinfo.ts';
import { logoutHandler } from './logout.tsx';
import { discoveryHandler } from './metadata/discovery.ts';
import { instanceDiscoveryHandler } from './metadata/instance-discovery.ts';
import { jwksHandler } from './metadata/jwks.ts';
import { createSessionStore } from './session/session-store.ts';
import { createFlowStore } from './signin/flow-store.ts';
import { signInRoutes } from './signin/routes.ts';
import { tokenHandler } from './token/route.ts';

/** Microsoft identity platform v2.0 endpoints, paths exactly as Microsoft's (ms-identity-spec.md §2–§11). */
export const identityRoutes = (ctx: EmulatorContext): Hono => {
  const deps: IdentityDeps = { ctx, sessions: createSessionStore(), flows: createFlowStore() };
  const app = new Hono();
  app.get('/common/discovery/instance', instanceDiscoveryHandler(deps));
  app.get('/:tenant/v2.0/.well-known/openid-configuration', discoveryHandler(deps));
  app.get('/:tenant/discovery/v2.0/keys', jwksHandler(deps));
  app.on(['GET', 'POST'], '/:tenant/oauth2/v2.0/authorize', authorizeHandler(deps));
  app.all('/:tenant/oauth2/v2.0/token', tokenHandler(deps));
  app.on(['GET', 'POST'], '/:tenant/oauth2/v2.0/logout', logoutHandler(deps));
  app.get('/:tenant/v2.0/adminconsent', adminConsentHandler(deps));
  app.route('/', signInRoutes(deps));
  app.post('/:tenant/Consent/Set', consentAnswerHandler(deps));
  app.get('/error', errorCodePage());
  // Graph, served by the emulator itself (ms-identity-spec.md §11.4, §14).
  app.get('/v1.0/me', meHandler(ctx));
  app.on(['GET', 'POST'], '/oidc/userinfo', userinfoHandler(ctx));
  return app;
};
