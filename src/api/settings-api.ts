import { Hono } from 'hono';
import type { z } from 'zod';
import type { Config } from '../config.ts';
import { adminOnly, requireAdmin } from '../http/auth.ts';
import type { AppDeps, AppEnv } from '../http/context.ts';
import { errorBody } from '../http/errors.ts';
import { jsonInput, topFields } from '../http/validate.ts';
import {
  generateAndStoreCertificate,
  uploadAndStoreCertificate,
} from '../microsoft/credentials/certificate-actions.ts';
import { certificateRequestSchema } from '../microsoft/credentials/certificate-input.ts';
import { redirectUris } from '../microsoft/redirect-uris.ts';
import { saveMicrosoftSettings } from '../microsoft/save-settings.ts';
import {
  credentialExpiryOf,
  credentialsComplete,
  loadMicrosoftSettings,
  type MicrosoftSettings,
  type StoredCertificate,
} from '../microsoft/settings.ts';
import { settingsInputSchema, validateSettings } from '../microsoft/settings-input.ts';
import { runCheck } from '../microsoft/settings-routes.tsx';

/** The certificate's public parts; its private key is never part of any answer. */
export const certificateView = (c: StoredCertificate | null) =>
  c && {
    thumbprint: c.thumbprintHex,
    x5t: c.x5t,
    x5tS256: c.x5tS256,
    subject: c.subject,
    notBefore: c.notBefore,
    notAfter: c.notAfter,
    source: c.source,
    setAt: c.setAt,
  };

/** The settings as the API shows them: never the secret nor the private key, only whether and when set. */
export const settingsView = (config: Config, s: MicrosoftSettings) => ({
  clientId: s.clientId,
  tenant: s.tenant,
  cloud: s.cloud,
  customAuthorityUrl: s.customAuthorityUrl,
  credentialKind: s.credentialKind,
  assertionAlgorithm: s.assertionAlgorithm,
  clientSecret: {
    set: s.clientSecretSetAt !== null,
    setAt: s.clientSecretSetAt,
    expiresAt: s.clientSecretExpiresAt,
  },
  certificate: certificateView(s.certificate),
  credentialExpiry: credentialExpiryOf(s),
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

  const topLevel = (error: z.ZodError) => topFields(error, 'form');
  const settings = jsonInput(settingsInputSchema, {
    code: 'settings.invalid',
    message: 'Some settings are not valid; see fields.',
    fields: topLevel,
  });
  app.put('/settings/microsoft', adminOnly, settings, async (c) => {
    const actor = requireAdmin(c);
    const body = c.req.valid('json');
    // The schema checked the shape; validateSettings checks what depends on the stored settings.
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

  /** `{ "generate": true }`, or `{ "certificate": PEM, "privateKey": PEM }` to upload one. */
  const certificate = jsonInput(certificateRequestSchema, {
    code: 'certificate.invalid',
    message: 'The certificate or its key is not usable; see fields.',
    fields: topLevel,
  });
  app.post('/settings/microsoft/certificate', adminOnly, certificate, async (c) => {
    const actor = requireAdmin(c);
    const body = c.req.valid('json');
    if (body.generate === true) {
      await generateAndStoreCertificate(deps, actor);
    } else {
      const uploaded = await uploadAndStoreCertificate(deps, actor, body);
      if (!uploaded.ok) {
        const fields = Object.fromEntries(Object.entries(uploaded.errors).filter(([, v]) => v)) as Record<
          string,
          string
        >;
        return c.json(
          errorBody('certificate.invalid', 'The certificate or its key is not usable; see fields.', fields),
          400,
        );
      }
    }
    const settings = await loadMicrosoftSettings(deps.db);
    return c.json({ ...certificateView(settings.certificate), pem: settings.certificate?.pem }, 201);
  });

  app.get('/settings/microsoft/certificate', async (c) => {
    requireAdmin(c);
    const { certificate } = await loadMicrosoftSettings(deps.db);
    if (!certificate)
      return c.json(
        errorBody('certificate.not_found', 'No certificate is stored: generate or upload one.'),
        404,
      );
    return c.json({ ...certificateView(certificate), pem: certificate.pem });
  });

  return app;
};
