import type { IdentityErrorCode } from '../microsoft/identity-error.ts';

/** Why a Microsoft sign-in was refused; each has a page a person understands (issue: "every refusal is a page"). */
export type RefusalCode =
  | 'signin.disabled'
  | 'signin.not_configured'
  | 'signin.microsoft_error'
  | 'signin.access_denied'
  | 'signin.consent_required'
  | 'signin.interaction_required'
  | 'signin.state_missing'
  | 'signin.state_unknown'
  | 'signin.code_redeemed'
  | 'signin.token_error'
  | 'signin.app_credential_refused'
  | 'signin.unreachable'
  | 'signin.id_token_invalid'
  | 'signin.tenant_not_allowed'
  | 'signin.address_unverified'
  | 'signin.link_pending'
  | 'signin.domain_not_allowed'
  | 'signin.no_matching_user'
  | 'signin.user_disabled';

export interface Refusal {
  readonly code: RefusalCode;
  /** For the log and the administrator: the ID-token check that failed, Microsoft's `error`, … */
  readonly reason?: IdentityErrorCode | string;
  readonly aadsts?: number | null;
  readonly traceId?: string | null;
  readonly correlationId?: string | null;
  /** Extra words for the sentence (a domain, a tenant id). */
  readonly subject?: string;
}

export interface RefusalText {
  readonly title: string;
  readonly happened: string;
  readonly todo: string;
  readonly status: 400 | 403 | 502 | 503;
}

const ADMIN = 'Ask your Mailroom administrator';
const ADMIN_LOWER = 'ask your Mailroom administrator';

export const refusalText = (r: Refusal, adminConsentHint: boolean): RefusalText => {
  switch (r.code) {
    case 'signin.disabled':
      return {
        title: 'Microsoft 365 sign-in is off',
        happened: 'Sign-in with Microsoft 365 is switched off for this Mailroom.',
        todo: `Sign in with your e-mail and password, or ${ADMIN_LOWER} to switch it on.`,
        status: 403,
      };
    case 'signin.not_configured':
      return {
        title: 'Microsoft 365 is not set up',
        happened: 'Mailroom has no complete Microsoft 365 app registration yet.',
        todo: `${ADMIN} to fill in the Microsoft 365 settings.`,
        status: 503,
      };
    case 'signin.access_denied':
      return {
        title: 'Sign-in cancelled',
        happened:
          'The sign-in was cancelled at Microsoft, or permission was declined, so Mailroom did not sign you in.',
        todo: 'Try again, and accept the permissions Mailroom asks for.',
        status: 403,
      };
    case 'signin.consent_required':
      return {
        title: 'Your organisation must approve Mailroom',
        happened:
          'Microsoft needs an administrator of your organisation to approve Mailroom before you can use it.',
        todo: adminConsentHint
          ? `${ADMIN} to press “Grant admin consent” on the Microsoft 365 settings page, then try again.`
          : `${ADMIN} to grant admin consent to the app in Microsoft Entra ID, then try again.`,
        status: 403,
      };
    case 'signin.interaction_required':
      return {
        title: 'Microsoft needs more from you',
        happened:
          'Microsoft asked for an extra step (for example multi-factor authentication or a policy) that was not completed.',
        todo: 'Try again and complete every step Microsoft shows.',
        status: 403,
      };
    case 'signin.microsoft_error':
      return {
        title: 'Microsoft refused the sign-in',
        happened: 'Microsoft returned an error instead of signing you in.',
        todo: `Try again. If it keeps happening, ${ADMIN_LOWER} and give them the details below.`,
        status: 400,
      };
    case 'signin.state_missing':
    case 'signin.state_unknown':
      return {
        title: 'This sign-in link has expired',
        happened:
          'The answer from Microsoft does not belong to a sign-in started in this browser in the last ten minutes (it may have been used already, or the page was reloaded).',
        todo: 'Start again from the sign-in page.',
        status: 400,
      };
    case 'signin.code_redeemed':
      return {
        title: 'This sign-in was already used',
        happened:
          'Microsoft’s one-time sign-in code had already been used (AADSTS54005), often after pressing Back or reloading.',
        todo: 'Start again from the sign-in page.',
        status: 400,
      };
    case 'signin.token_error':
      return {
        title: 'Microsoft refused the sign-in',
        happened: 'Mailroom could not complete the sign-in with Microsoft.',
        todo: `${ADMIN} and give them the details below: the app registration may need attention.`,
        status: 502,
      };
    case 'signin.app_credential_refused':
      return {
        title: 'Microsoft refused Mailroom’s app credential',
        happened:
          'Microsoft did not accept the client secret or certificate of Mailroom’s app registration: it has expired, or it is not the one registered in Azure.',
        todo: `${ADMIN}: Check configuration on the Microsoft 365 settings page says what to renew or upload. Nobody else needs to do anything.`,
        status: 502,
      };
    case 'signin.unreachable':
      return {
        title: 'Microsoft could not be reached',
        happened: 'Mailroom could not reach Microsoft to complete the sign-in.',
        todo: 'Try again in a minute.',
        status: 503,
      };
    case 'signin.id_token_invalid':
      return {
        title: 'The sign-in could not be verified',
        happened: 'The identity Microsoft sent did not pass Mailroom’s checks, so Mailroom did not trust it.',
        todo: `Try again. If it keeps happening, ${ADMIN_LOWER} and give them the details below.`,
        status: 400,
      };
    case 'signin.tenant_not_allowed':
      return {
        title: 'Your organisation is not allowed here',
        happened:
          r.reason === 'no_allowed_directories'
            ? `Your Microsoft account belongs to the directory ${r.subject ?? 'unknown'}. This Mailroom is set to accept work accounts of any organisation but lists no allowed directory, so it accepts none.`
            : `Your Microsoft account belongs to a directory (${r.subject ?? 'unknown'}) this Mailroom does not accept: only its own directory${r.reason === 'directory_not_listed' ? ' and the allowed directories listed by its administrator' : ''} may sign in.`,
        todo:
          r.reason === 'no_allowed_directories'
            ? `${ADMIN} to list the allowed directories on the Microsoft 365 settings page.`
            : 'Sign in with an account of your organisation’s directory, or ask the administrator to allow this one.',
        status: 403,
      };
    case 'signin.address_unverified':
      return {
        title: 'Microsoft did not verify your e-mail address',
        happened:
          r.reason === 'no_address'
            ? 'Microsoft sent no address it vouches for: your account has no user name (UPN) in a domain of its directory.'
            : `Your Microsoft account gives the e-mail address ${r.subject ?? 'of a Mailroom user'}, but that address is not verified: it is not your user name (UPN) in your directory, and Microsoft did not confirm that your directory owns its domain (the xms_edov claim). Mailroom never links an account by an unverified address.`,
        todo: `${ADMIN}: they can create your account with your user name (UPN), or add the optional claim xms_edov to the app registration.`,
        status: 403,
      };
    case 'signin.link_pending':
      return {
        title: 'An administrator must confirm this Microsoft account',
        happened: `The Mailroom account ${r.subject ?? ''} already signs in with another Microsoft account. A second one is linked only when an administrator confirms it, and this request now waits for them.`,
        todo: `${ADMIN} to confirm it under Microsoft 365 › Microsoft accounts waiting for confirmation, then sign in again.`,
        status: 403,
      };
    case 'signin.domain_not_allowed':
      return {
        title: 'Your e-mail domain is not allowed here',
        happened: `Accounts of ${r.subject ?? 'this domain'} may not sign in to this Mailroom.`,
        todo: 'Sign in with your work account, or ask the administrator to add the domain.',
        status: 403,
      };
    case 'signin.no_matching_user':
      return {
        title: 'You have no Mailroom account yet',
        happened: `Microsoft signed you in as ${r.subject ?? 'a user'}, but no Mailroom account has that e-mail address.`,
        todo: `${ADMIN} to create an account for this address, then try again.`,
        status: 403,
      };
    case 'signin.user_disabled':
      return {
        title: 'Your account is disabled',
        happened: 'Your Mailroom account is disabled.',
        todo: `${ADMIN} if you think this is a mistake.`,
        status: 403,
      };
  }
};
