import { Hono } from 'hono';
import { recordAudit } from '../audit/record.ts';
import { requireAdmin } from '../http/auth.ts';
import type { AppContext, AppDeps, AppEnv } from '../http/context.ts';
import { flash, renderPage } from '../http/render.tsx';
import { defaultMailVia, saveDefaultMailVia } from '../mailboxes/default-mail-via.ts';
import { SEND_VIA } from '../mailboxes/send-via.ts';
import { countMailboxesWithTokens } from '../mailboxes/token-store.ts';
import { startAdminConsent } from './admin-consent.ts';
import { type CheckResult, checkConfiguration } from './check-configuration.ts';
import { derOfPem } from './credentials/certificate.ts';
import { generateAndStoreCertificate, uploadAndStoreCertificate } from './credentials/certificate-actions.ts';
import type { UploadErrors } from './credentials/certificate-input.ts';
import { readClientCredential } from './credentials/credential-store.ts';
import { saveMicrosoftSettings } from './save-settings.ts';
import { authorityOf, loadMicrosoftSettings } from './settings.ts';
import { type FieldErrors, validateSettings } from './settings-input.ts';
import { formValuesOf, type SettingsFormValues, SettingsPage } from './settings-page.tsx';

const formToInput = (body: Record<string, unknown>) => ({
  clientId: String(body.clientId ?? ''),
  tenant: String(body.tenant ?? ''),
  cloud: String(body.cloud ?? 'global'),
  customAuthorityUrl: String(body.customAuthorityUrl ?? ''),
  clientSecret: String(body.clientSecret ?? ''),
  signinEnabled: body.signinEnabled === 'on',
  syncEnabled: body.syncEnabled === 'on',
  allowedDomains: String(body.allowedDomains ?? ''),
  allowedTenantIds: String(body.allowedTenantIds ?? ''),
  passwordDisabledDomains: String(body.passwordDisabledDomains ?? ''),
  autoProvision: body.autoProvision === 'on',
  signOutOfMicrosoft: body.signOutOfMicrosoft === 'on',
  customImapServer: String(body.customImapServer ?? ''),
  customSmtpServer: String(body.customSmtpServer ?? ''),
  credentialKind: String(body.credentialKind ?? 'secret'),
  assertionAlgorithm: String(body.assertionAlgorithm ?? 'RS256'),
  clientSecretExpiresAt: String(body.clientSecretExpiresAt ?? ''),
});

/** Runs Check configuration with the stored settings and audits its outcome (never the secret). */
export const runCheck = async (deps: AppDeps, actor: { id: string; email: string }): Promise<CheckResult> => {
  const settings = await loadMicrosoftSettings(deps.db);
  const authority = authorityOf(settings);
  const credential = authority ? await readClientCredential(deps.db, deps.secrets, authority) : null;
  const result = await checkConfiguration(deps.fetch, settings, credential, deps.config.httpTimeoutMs);
  deps.log.info(
    { event: 'microsoft.check', outcome: result.outcome, aadsts: result.diagnostics.aadsts },
    'checked Microsoft configuration',
  );
  await recordAudit(deps.db, actor, 'settings.microsoft.checked', {
    outcome: result.outcome,
    aadsts: result.diagnostics.aadsts ?? null,
  });
  return result;
};

/** The administrator's Microsoft 365 page: credentials, Redirect URIs, toggles, Check configuration, admin consent. */
export const microsoftSettingsRoutes = (deps: AppDeps): Hono<AppEnv> => {
  const app = new Hono<AppEnv>();

  const show = async (
    c: AppContext,
    values?: SettingsFormValues,
    errors: FieldErrors = {},
    check?: CheckResult,
    uploadErrors?: UploadErrors,
  ) => {
    const settings = await loadMicrosoftSettings(deps.db);
    const connectedMailboxes = await countMailboxesWithTokens(deps.db);
    const mailVia = await defaultMailVia(deps.db);
    const status = Object.keys(errors).length > 0 || uploadErrors ? 400 : 200;
    return renderPage(deps, c, { title: 'Microsoft 365', current: '/settings/microsoft', status }, (csrf) => (
      <SettingsPage
        config={deps.config}
        csrf={csrf}
        settings={settings}
        connectedMailboxes={connectedMailboxes}
        defaultMailVia={mailVia}
        values={values ?? formValuesOf(settings)}
        errors={errors}
        check={check}
        uploadErrors={uploadErrors}
        now={new Date()}
      />
    ));
  };

  app.get('/settings/microsoft', (c) => {
    requireAdmin(c);
    return show(c);
  });

  app.post('/settings/microsoft', async (c) => {
    const actor = requireAdmin(c);
    const input = formToInput(await c.req.parseBody());
    const current = await loadMicrosoftSettings(deps.db);
    const validation = validateSettings(input, current, deps.config);
    if (!validation.ok) {
      const { clientSecret: _, ...values } = input;
      return show(c, values, validation.errors);
    }
    await saveMicrosoftSettings(deps.db, deps.secrets, actor, validation.value);
    await flash(deps, c, 'success', 'Microsoft 365 settings saved.');
    return c.redirect('/settings/microsoft');
  });

  app.post('/settings/microsoft/mail-via', async (c) => {
    const actor = requireAdmin(c);
    const chosen = (await c.req.parseBody()).defaultMailVia;
    const via = SEND_VIA.find((v) => v === chosen);
    if (!via) {
      await flash(deps, c, 'error', 'Choose Automatic, IMAP and SMTP, or Microsoft Graph.');
      return c.redirect('/settings/microsoft');
    }
    if (!(await saveDefaultMailVia(deps.db, via))) {
      await flash(deps, c, 'error', 'Save the Microsoft 365 settings above first; then choose the default.');
      return c.redirect('/settings/microsoft');
    }
    await recordAudit(deps.db, actor, 'settings.microsoft.default_mail_via', { mailVia: via });
    await flash(deps, c, 'success', 'Saved how mailboxes added from now on reach Microsoft 365.');
    return c.redirect('/settings/microsoft');
  });

  app.post('/settings/microsoft/check', async (c) => {
    const actor = requireAdmin(c);
    return show(c, undefined, {}, await runCheck(deps, actor));
  });

  app.post('/settings/microsoft/certificate/generate', async (c) => {
    const actor = requireAdmin(c);
    const info = await generateAndStoreCertificate(deps, actor);
    await flash(
      deps,
      c,
      'success',
      `Certificate generated (thumbprint ${info.thumbprintHex}). Download it, upload it to the app in Azure, then choose Certificate and save.`,
    );
    return c.redirect('/settings/microsoft#certificate');
  });

  app.post('/settings/microsoft/certificate/upload', async (c) => {
    const actor = requireAdmin(c);
    const body = await c.req.parseBody();
    const uploaded = await uploadAndStoreCertificate(deps, actor, {
      certificate: String(body.certificate ?? ''),
      privateKey: String(body.privateKey ?? ''),
    });
    if (!uploaded.ok) return show(c, undefined, {}, undefined, uploaded.errors);
    await flash(deps, c, 'success', `Certificate stored (thumbprint ${uploaded.info.thumbprintHex}).`);
    return c.redirect('/settings/microsoft#certificate');
  });

  /** The certificate (public) to upload in Azure: DER as .cer, or PEM. */
  for (const [ext, type] of [
    ['cer', 'application/pkix-cert'],
    ['pem', 'application/x-pem-file'],
  ] as const) {
    app.get(`/settings/microsoft/certificate.${ext}`, async (c) => {
      requireAdmin(c);
      const { certificate } = await loadMicrosoftSettings(deps.db);
      if (!certificate) {
        await flash(deps, c, 'error', 'No certificate is stored: generate or upload one first.');
        return c.redirect('/settings/microsoft#certificate');
      }
      const body = ext === 'cer' ? new Uint8Array(derOfPem(certificate.pem)) : certificate.pem;
      return c.body(body, 200, {
        'content-type': type,
        'content-disposition': `attachment; filename="mailroom.${ext}"`,
      });
    });
  }

  app.get('/settings/microsoft/admin-consent', async (c) => {
    requireAdmin(c);
    const session = await deps.sessions.ensure(c);
    const what = c.req.query('for') === 'graph' ? 'graph' : 'mailboxes';
    const url = startAdminConsent(deps.config, await loadMicrosoftSettings(deps.db), session, what);
    if (!url) {
      await flash(deps, c, 'error', 'Save the client ID and the tenant first.');
      return c.redirect('/settings/microsoft');
    }
    await deps.sessions.save(session);
    return c.redirect(url);
  });

  return app;
};
