import { credentialExpiryOf } from '../../microsoft/settings.ts';
import { docsLink } from '../docs-link.ts';
import type { DiagnoseStep } from '../types.ts';

const DAY_MS = 86_400_000;
/** Administrators are warned this many days ahead (issue 14 §2, credentials/expiry.ts). */
const WARN_DAYS = 30;

const RENEW = {
  secret:
    'Microsoft Entra admin center › App registrations › the app › Certificates & secrets › New client secret; enter its Value and expiry in Mailroom › Microsoft 365 settings (or switch to a certificate).',
  certificate:
    'Mailroom › Microsoft 365 settings › Generate a new certificate, and upload it in Microsoft Entra admin center › App registrations › the app › Certificates & secrets › Certificates.',
} as const;

/**
 * The recorded expiry of the credential in use (the secret's entered date, or the certificate's notAfter):
 * past fails with the code Microsoft then answers; within 30 days passes with the date and the renewal;
 * a secret without an entered date is skipped.
 */
export const credentialExpiry: DiagnoseStep = {
  id: 'credential_expiry',
  title: 'Credential expiry',
  docs: docsLink('credential-expiry'),
  applies: () => true,
  run: async (ctx) => {
    const expiry = ctx.settings ? credentialExpiryOf(ctx.settings) : null;
    if (!expiry)
      return {
        status: 'skipped',
        code: null,
        whoMustAct: null,
        message:
          'No expiry is recorded for the client secret: enter it in Mailroom › Microsoft 365 settings (the date is under Certificates & secrets in the app registration) to be warned before it runs out.',
        fix: null,
      };
    const label = expiry.kind === 'secret' ? 'client secret' : 'certificate';
    const left = Date.parse(expiry.expiresAt) - Date.now();
    const days = Math.floor(left / DAY_MS);
    if (left <= 0)
      return {
        status: 'failed',
        code: expiry.kind === 'secret' ? 'AADSTS7000222' : 'AADSTS700027',
        whoMustAct: 'administrator',
        message: `The ${label} expired at ${expiry.expiresAt}, as recorded in Mailroom: Microsoft refuses an expired one (${expiry.kind === 'secret' ? 'AADSTS7000222' : 'AADSTS700027'}) and no mailbox gets a token. If the token steps above passed, it was renewed without the date being updated here.`,
        fix: RENEW[expiry.kind],
      };
    const soon = days < WARN_DAYS;
    return {
      status: 'ok',
      code: soon ? 'credential.expiring' : null,
      whoMustAct: soon ? 'administrator' : null,
      message: `The ${label} expires at ${expiry.expiresAt} (in ${days} days)${soon ? ': renew it before then' : ''}.`,
      fix: soon ? RENEW[expiry.kind] : null,
    };
  },
};
