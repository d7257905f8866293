import type { Db } from '../../db/database.ts';
import { docsLink } from '../docs-link.ts';
import type { DiagnoseStep } from '../types.ts';

/** When the app's credential (client secret or certificate) runs out, as recorded in Mailroom. */
export interface CredentialExpiry {
  readonly kind: 'secret' | 'certificate';
  readonly expiresAt: string;
}

/**
 * The hook for the credential-expiry work (issue 14 §2): Mailroom does not record the secret's expiry yet,
 * so there is nothing to read. Replace the body with the recorded expiry once it is stored.
 */
export const recordedCredentialExpiry = async (_db: Db): Promise<CredentialExpiry | null> => null;

const DAY_MS = 86_400_000;
/** Administrators are warned this many days ahead (issue 14 §2). */
const WARN_DAYS = 30;

/** Past expiry fails; within 30 days passes with the date; unrecorded is skipped. */
export const credentialExpiry: DiagnoseStep = {
  id: 'credential_expiry',
  title: 'Credential expiry',
  docs: docsLink('credential-expiry'),
  applies: () => true,
  run: async (ctx) => {
    const expiry = await recordedCredentialExpiry(ctx.deps.db);
    const renew =
      'Microsoft Entra admin center › App registrations › the app › Certificates & secrets: add a new one, then enter it in Mailroom › Microsoft 365 settings.';
    if (!expiry)
      return {
        status: 'skipped',
        code: null,
        whoMustAct: null,
        message:
          'No expiry is recorded for the client secret; its date is under Certificates & secrets in the app registration.',
        fix: null,
      };
    const left = Date.parse(expiry.expiresAt) - Date.now();
    const days = Math.floor(left / DAY_MS);
    if (left <= 0)
      return {
        status: 'failed',
        code: expiry.kind === 'secret' ? 'AADSTS7000222' : 'credential.expired',
        whoMustAct: 'administrator',
        message: `The ${expiry.kind} expired at ${expiry.expiresAt}.`,
        fix: renew,
      };
    return {
      status: 'ok',
      code: null,
      whoMustAct: null,
      message: `The ${expiry.kind} expires at ${expiry.expiresAt} (in ${days} days)${days < WARN_DAYS ? ': renew it soon' : ''}.`,
      fix: days < WARN_DAYS ? renew : null,
    };
  },
};
