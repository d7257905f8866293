import { Hono } from 'hono';
import { apiRoutes } from '../api/routes.ts';
import { auditRoutes } from '../audit/audit-routes.tsx';
import { diagnoseRoutes } from '../diagnose/routes.tsx';
import { mailboxRoutes } from '../mailboxes/routes.tsx';
import { systemMailboxRoutes } from '../mailboxes/system-routes.tsx';
import { metricsRoutes } from '../metrics/routes.ts';
import { microsoftSettingsRoutes } from '../microsoft/settings-routes.tsx';
import { ownPolicies } from '../reading/own-policy.ts';
import { readingRoutes } from '../reading/routes.tsx';
import { sendRoutes } from '../send/routes.tsx';
import { microsoftSigninRoutes } from '../signin/routes.ts';
import { assetRoutes } from '../ui/assets.ts';
import { homeRoutes } from '../ui/home.tsx';
import { setupRoutes } from '../users/setup-routes.tsx';
import { signinRoutes } from '../users/signin-routes.tsx';
import { authenticate, csrfProtection } from './auth.ts';
import { bodyLimits } from './body-limits.ts';
import type { AppDeps, AppEnv } from './context.ts';
import { errorHandler } from './error-handler.tsx';
import { AppError } from './errors.ts';
import { healthRoutes } from './health.ts';
import { securityHeaders } from './security-headers.ts';

/** The whole HTTP surface: pages, the REST API, health and assets. */
export const buildApp = (deps: AppDeps): Hono<AppEnv> => {
  const app = new Hono<AppEnv>();
  // Before securityHeaders, so the reading frame and downloads keep the CSP they declare.
  app.use(ownPolicies);
  app.use(securityHeaders);
  app.route('/', assetRoutes());
  app.route('/', healthRoutes(deps));
  app.route('/', metricsRoutes(deps));
  app.use(authenticate(deps));
  // Before anything reads a body (the CSRF check parses forms); after authenticate, which reads none.
  app.use(bodyLimits(deps.config.send.maxAttachmentBytes));
  app.use(csrfProtection(deps));
  app.route('/', setupRoutes(deps));
  app.route('/', signinRoutes(deps));
  app.route('/', microsoftSigninRoutes(deps));
  app.route('/', homeRoutes(deps));
  app.route('/', microsoftSettingsRoutes(deps));
  app.route('/', auditRoutes(deps));
  app.route('/', mailboxRoutes(deps));
  app.route('/', diagnoseRoutes(deps));
  app.route('/', systemMailboxRoutes(deps));
  app.route('/', readingRoutes(deps));
  app.route('/', sendRoutes(deps));
  app.route('/api', apiRoutes(deps));
  const onError = errorHandler(deps);
  app.notFound((c) => onError(new AppError('request.not_found', 'There is nothing at this address.'), c));
  app.onError(onError);
  return app;
};
