import { tenantKind } from '../../microsoft/cloud.ts';
import { readClientCredential } from '../../microsoft/credentials/credential-store.ts';
import { mailServersOf } from '../../microsoft/mail-servers-of.ts';
import { authorityOf, loadMicrosoftSettings } from '../../microsoft/settings.ts';
import { usesApplication } from '../app-access.ts';
import { docsLink } from '../docs-link.ts';
import type { DiagnoseStep } from '../types.ts';

const SETTINGS_PATH = 'Mailroom › Microsoft 365 settings';

/**
 * Client id, tenant, the chosen credential (a secret for this authority, or the certificate), the mail
 * servers, and a connected mailbox: a person's refresh token, or application access — which needs no
 * refresh token but the organisation's own tenant ID (client credentials refuse common/organizations).
 */
export const settingsComplete: DiagnoseStep = {
  id: 'settings',
  title: 'Settings complete',
  docs: docsLink('settings-incomplete'),
  applies: () => true,
  run: async (ctx) => {
    const { db, secrets, extraCa } = ctx.deps;
    const settings = await loadMicrosoftSettings(db);
    ctx.settings = settings;
    const authority = authorityOf(settings);
    const missing = [
      !settings.clientId && 'the Application (client) ID',
      !settings.tenant && 'the Directory (tenant) ID',
      !authority && 'the cloud or custom authority URL',
      authority &&
        !(await readClientCredential(db, secrets, authority)) &&
        (settings.credentialKind === 'certificate' ? 'the certificate' : 'the client secret'),
      usesApplication(ctx) &&
        settings.tenant &&
        ['common', 'organizations'].includes(tenantKind(settings.tenant) ?? '') &&
        'the Directory (tenant) ID of your organisation (application access cannot use “common” or “organizations”)',
    ].filter((m): m is string => typeof m === 'string');
    if (missing.length > 0)
      return {
        status: 'failed',
        code: 'settings.incomplete',
        whoMustAct: 'administrator',
        message: `The Microsoft 365 settings lack ${missing.join(', ')}.`,
        fix: `${SETTINGS_PATH}: fill in ${missing.join(', ')} from the app registration (Microsoft Entra admin center › App registrations › the app › Overview; the secret or certificate under Certificates & secrets), save, and press Check configuration.`,
      };
    ctx.servers = mailServersOf(settings, extraCa);
    if (!ctx.servers)
      return {
        status: 'failed',
        code: 'mailbox.mail_servers_unknown',
        whoMustAct: 'administrator',
        message: 'The custom authority has no IMAP or SMTP server set.',
        fix: `${SETTINGS_PATH}: enter the IMAP server and the SMTP server (host:port) of the custom authority.`,
      };
    if (!ctx.mailbox.connected)
      return {
        status: 'failed',
        code: 'mailbox.not_connected',
        whoMustAct: ctx.mailbox.kind === 'system' ? 'administrator' : 'user',
        message: `${ctx.mailbox.address} is not connected to a Microsoft account.`,
        fix: `Mailroom › Mailboxes › ${ctx.mailbox.address} › Connect${ctx.mailbox.kind === 'system' ? ', with an account that has FullAccess to it' : ''}.`,
        docs: docsLink('mailbox-not-connected'),
      };
    return {
      status: 'ok',
      code: null,
      whoMustAct: null,
      message: `Client ID, tenant ${settings.tenant}, ${settings.credentialKind === 'certificate' ? 'certificate' : 'client secret'} and mail servers are set; ${usesApplication(ctx) ? 'the mailbox is reached with application access (no person’s refresh token)' : `the mailbox is connected${ctx.mailbox.account?.upn ? ` through ${ctx.mailbox.account.upn}` : ''}`}.`,
      fix: null,
    };
  },
};
