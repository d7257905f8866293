import type { Db } from '../../db/database.ts';
import { recordEvent } from '../../events/record-event.ts';
import type { Logger } from '../../log/logger.ts';
import {
  type CredentialExpiry,
  credentialExpiryOf,
  loadMicrosoftSettings,
  type MicrosoftSettings,
} from '../settings.ts';

/** Days before the expiry at which administrators are warned, once each (issue 14 §2). */
export const EXPIRY_THRESHOLDS_DAYS = [30, 14, 3] as const;
const DAY_MS = 86_400_000;

/** The warning due at `now`: 0 once expired, else the nearest threshold reached (30, 14 or 3), else `null`. */
export const thresholdReached = (expiresAt: string, now: Date): number | null => {
  const left = Date.parse(expiresAt) - now.getTime();
  if (left <= 0) return 0;
  const reached = EXPIRY_THRESHOLDS_DAYS.filter((days) => left <= days * DAY_MS);
  return reached.length > 0 ? Math.min(...reached) : null;
};

/** What a warning is about: a new secret or certificate (or another expiry date) starts the warnings again. */
const warningKey = (e: CredentialExpiry): string => `${e.kind}:${e.expiresAt}`;

export interface ExpiryCheck {
  readonly expiry: CredentialExpiry | null;
  readonly reached: number | null;
  /** Whether this run announced a threshold (event written). */
  readonly announced: boolean;
}

/**
 * The periodic expiry check: when the credential in use reaches a threshold it was not yet warned about,
 * stores the threshold and writes one `credential.expiring` event (`credential.expired` once expired) in
 * the same transaction. The row's earlier warning is compared and set in one statement, so two processes
 * checking at once announce it once. `now` comes from the caller's clock, so tests can move it.
 */
export const checkCredentialExpiry = async (
  deps: { readonly db: Db; readonly log: Logger },
  now: Date,
): Promise<ExpiryCheck> => {
  const settings = await loadMicrosoftSettings(deps.db);
  const expiry = credentialExpiryOf(settings);
  if (!expiry) return { expiry, reached: null, announced: false };
  const key = warningKey(expiry);
  const reached = thresholdReached(expiry.expiresAt, now);
  const previous = settings.expiryWarnedFor === key ? settings.expiryWarnedDays : null;
  const due = reached !== null && (previous === null || reached < previous);
  if (!due && settings.expiryWarnedFor === key) return { expiry, reached, announced: false };
  const announced = await deps.db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('microsoft_settings')
      .set({ expiry_warned_for: key, expiry_warned_days: due ? reached : previous })
      .where('id', '=', 1)
      .where((eb) =>
        settings.expiryWarnedFor === null
          ? eb('expiry_warned_for', 'is', null)
          : eb('expiry_warned_for', '=', settings.expiryWarnedFor),
      )
      .where((eb) =>
        settings.expiryWarnedDays === null
          ? eb('expiry_warned_days', 'is', null)
          : eb('expiry_warned_days', '=', settings.expiryWarnedDays),
      )
      .executeTakeFirst();
    if (!due || updated.numUpdatedRows !== 1n) return false;
    const daysLeft = Math.max(0, Math.ceil((Date.parse(expiry.expiresAt) - now.getTime()) / DAY_MS));
    await recordEvent(
      trx,
      {
        type: reached === 0 ? 'credential.expired' : 'credential.expiring',
        mailboxId: null,
        payload: { credential: expiry.kind, expiresAt: expiry.expiresAt, thresholdDays: reached, daysLeft },
      },
      now,
    );
    return true;
  });
  if (announced)
    deps.log.warn(
      {
        event: 'credential.expiring',
        credential: expiry.kind,
        expiresAt: expiry.expiresAt,
        thresholdDays: reached,
      },
      reached === 0 ? 'the Microsoft credential has expired' : 'the Microsoft credential expires soon',
    );
  return { expiry, reached, announced };
};

const LABEL = { secret: 'client secret', certificate: 'certificate' } as const;

export interface ExpiryBanner {
  readonly kind: 'error' | 'info';
  readonly text: string;
  readonly href: string;
  readonly action: string;
}

/**
 * The administrators' banner for the last warning the check stored, if it is still about the credential in
 * use: the banner follows the check's clock, not the page's.
 */
export const credentialExpiryBanner = (settings: MicrosoftSettings): ExpiryBanner | null => {
  const expiry = credentialExpiryOf(settings);
  if (!expiry || settings.expiryWarnedDays === null || settings.expiryWarnedFor !== warningKey(expiry))
    return null;
  const label = LABEL[expiry.kind];
  const day = expiry.expiresAt.slice(0, 10);
  const renew =
    expiry.kind === 'secret'
      ? 'Create a new client secret in Azure (App registrations › your app › Certificates & secrets) and enter its Value and expiry on the Microsoft 365 page, or switch to a certificate.'
      : 'Generate a new certificate on the Microsoft 365 page and upload it to the app in Azure (Certificates & secrets › Certificates).';
  if (settings.expiryWarnedDays === 0) {
    const code = expiry.kind === 'secret' ? 'AADSTS7000222' : 'AADSTS700027';
    return {
      kind: 'error',
      text: `The ${label} of Mailroom’s app registration expired on ${day}: Microsoft refuses it (${code}), so nobody can sign in with Microsoft 365 and no mailbox can sync or send. ${renew}`,
      href: '/settings/microsoft#credential',
      action: 'Replace it',
    };
  }
  return {
    kind: settings.expiryWarnedDays <= 3 ? 'error' : 'info',
    text: `The ${label} of Mailroom’s app registration expires on ${day}, within ${settings.expiryWarnedDays} days. ${renew}`,
    href: '/settings/microsoft#credential',
    action: 'Renew it',
  };
};
