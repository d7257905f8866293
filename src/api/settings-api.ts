import { Hono } from 'hono';
import type { Config } from '../config.ts';
import { requireAdmin } from '../http/auth.ts';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { errorBody } from '../http/errors.ts';
import { redirectUris } from '../microsoft/redirect-uris.ts';
import { saveMicrosoftSettings } from '../microsoft/save-settings.ts';
import { credentialsComplete, loadMicrosoftSettings, type MicrosoftSettings } from '../microsoft/settings.ts';
import { validateSettings } from '../microsoft/settings-input.ts';
import { runCheck } from '../microsoft/settings-routes.tsx';

/** The settings as the API shows them: never the secret, only whether and when it was set. */
export const settingsView = (config: Config, s: MicrosoftSettings) => ({
  clientId: s.clientId,
  tenant: s.tenant,
  cloud: s.cloud,
  customAuthorityUrl: s.customAuthorityUrl,
  clientSecret: { set: s.clientSecretSetAt !== null, setAt: s.clientSecretSetAt },
  signinEnabled: s.signinEnabled,
  syncEnabled: s.syncEnabled,
  allowedDomains: s.allowedDomains,
  allowedTenantIds: s.allowedTenantIds,
  passwordDisabledDomains: s.passwordDisabledDomains,
  autoProvision: s.autoProvision,
  signOutOfMicrosoft: s.signOutOfMicrosoft,
  customImapServer: s.customImapServer,
  customSmtpServer: s.customSmtpServer,
  credentialsComplete: credentialsComplete(s),
  redirectUris: redirectUris(config),
  updatedAt: s.updatedAt,
  updatedBy: s.updatedBy,
});

export const settingsApi = (deps: AppDeps): Hono<AppEnv> => {
  const app = new Hono<AppEnv>();

  app.get('/settings/microsoft', async (c) => {
    requireAdmin(c);
    return c.json(settingsView(deps.config, await loadMicrosoftSettings(deps.db)));
  });

  app.put('/settings/microsoft', async (c) => {
    const actor = requireAdmin(c);
    const body = await c.req.json().catch(() => undefined);
    if (body === undefined || typeof body !== 'object' || body === null) {
      return c.json(errorBody('request.invalid', 'Send a JSON object.'), 400);
    }
    const validation = validateSettings(body, await loadMicrosoftSettings(deps.db), deps.config);
    if (!validation.ok) {
      const fields = Object.fromEntries(Object.entries(validation.errors).filter(([, v]) => v)) as Record<
        string,
        string
      >;
      return c.json(errorBody('settings.invalid', 'Some settings are not valid; see fields.', fields), 400);
    }
    const saved = await saveMicrosoftSettings(deps.db, deps.secrets, actor, validation.value);
    return c.json(settingsView(deps.config, saved));
  });

  app.post('/settings/microsoft/check', async (c) => {
    const actor = requireAdmin(c);
    return c.json(await runCheck(deps, actor));
  });

  return app;
};
