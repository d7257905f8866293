import { IdentityError } from '../microsoft/identity-error.ts';
import type { StateChange } from './repository.ts';

/** Waits a server suggests are honoured, but capped (STYLE.md 11). */
export const MAX_RETRY_AFTER_SECONDS = 3600;
const DEFAULT_RETRY_SECONDS = 60;

const RECONNECT_MESSAGES: Record<number, string> = {
  50173:
    'Microsoft revoked this connection (sessions were revoked or the password was reset by an administrator). Reconnect the mailbox.',
  700082: 'The connection expired after 90 days without use. Reconnect the mailbox.',
  70008: 'The connection expired. Reconnect the mailbox.',
  65001: 'Consent for Mailroom was withdrawn. Reconnect the mailbox and accept the permissions again.',
  50076:
    'Microsoft now requires multi-factor authentication for this account. Reconnect the mailbox to complete it.',
  50079:
    'Microsoft requires this account to register for multi-factor authentication. Reconnect the mailbox to complete it.',
  50057: 'The Microsoft account is disabled. Reconnect with an active account, or ask your administrator.',
  50034: 'The Microsoft account no longer exists. Reconnect with another account.',
};

const ADMIN_MESSAGES: Record<number, string> = {
  7000222:
    'The client secret of Mailroom’s app registration has expired. An administrator must create a new secret in Azure and paste its Value on the Microsoft 365 settings page; no user needs to reconnect.',
  7000215:
    'Microsoft rejects the client secret of Mailroom’s app registration. An administrator must paste the secret’s Value (not its ID) on the Microsoft 365 settings page; no user needs to reconnect.',
  700027:
    'Microsoft does not accept the certificate of Mailroom’s app registration: it is not uploaded to the app in Azure, or it has expired there. An administrator must upload the certificate shown on the Microsoft 365 settings page (or generate a new one); no user needs to reconnect.',
  700024:
    'Microsoft found Mailroom’s signed client assertion outside its valid time range: the server’s clock is wrong. The operator must set the clock right (NTP); no user needs to reconnect.',
  700016:
    'Microsoft no longer finds Mailroom’s app registration in this directory. An administrator must check the client ID and tenant on the Microsoft 365 settings page.',
};

/** Retry later, honouring Retry-After (capped), else a minute. */
export const retryLater = (code: string, message: string, retryAfterSeconds: number | null): StateChange => {
  const seconds = Math.min(retryAfterSeconds ?? DEFAULT_RETRY_SECONDS, MAX_RETRY_AFTER_SECONDS);
  return {
    state: 'retrying',
    code,
    message,
    nextAttemptAt: new Date(Date.now() + seconds * 1000).toISOString(),
  };
};

/**
 * Sorts a failed refresh by who must act (ms-identity-spec.md §15): `invalid_grant` and friends → the user
 * reconnects; `invalid_client`/`unauthorized_client` → an administrator fixes the app; 429, 5xx,
 * `temporarily_unavailable` and network trouble → retry later. Branches on `error` and the AADSTS number,
 * never on description text.
 */
export const classifyTokenFailure = (error: IdentityError): StateChange => {
  const m = error.microsoft;
  if (!m) {
    if (error.code === 'microsoft.unreachable')
      return retryLater('unreachable', 'Microsoft could not be reached; Mailroom will try again.', null);
    return retryLater(
      error.code,
      'Microsoft gave an answer Mailroom could not read; Mailroom will try again.',
      null,
    );
  }
  const code = m.aadsts !== null ? `AADSTS${m.aadsts}` : m.error;
  if (m.status === 429 || m.status >= 500 || m.error === 'temporarily_unavailable') {
    const wait =
      m.retryAfterSeconds !== null
        ? ` in ${Math.min(m.retryAfterSeconds, MAX_RETRY_AFTER_SECONDS)} seconds`
        : '';
    return retryLater(
      m.status === 429 ? 'http_429' : code,
      `Microsoft is busy; Mailroom will try again${wait}.`,
      m.retryAfterSeconds,
    );
  }
  if (m.error === 'invalid_client' || m.error === 'unauthorized_client') {
    return {
      state: 'admin_action_required',
      code,
      message:
        ADMIN_MESSAGES[m.aadsts ?? 0] ??
        `Microsoft refuses Mailroom’s app registration (${code}). An administrator must check the Microsoft 365 settings.`,
    };
  }
  if (m.error === 'invalid_grant' || m.error === 'interaction_required' || m.error === 'consent_required') {
    return {
      state: 'reconnect_required',
      code,
      message:
        RECONNECT_MESSAGES[m.aadsts ?? 0] ??
        `Microsoft no longer accepts this connection (${code}). Reconnect the mailbox.`,
    };
  }
  return {
    state: 'admin_action_required',
    code,
    message: `Microsoft refused to renew the connection (${code}). An administrator should look at the Microsoft 365 settings.`,
  };
};

export const isIdentityError = (e: unknown): e is IdentityError => e instanceof IdentityError;
