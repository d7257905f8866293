// Exchange Online's own wire texts (ms-identity-spec.md §13.3, §13.5), in one place.

/** `* OK The Microsoft Exchange IMAP4 service is ready. [<base64 of the UTF-16LE backend host name>]` */
export const imapGreeting = (host: string): string =>
  `* OK The Microsoft Exchange IMAP4 service is ready. [${Buffer.from(host, 'utf16le').toString('base64')}]`;

export const IMAP_CAPABILITY_PREAUTH =
  'IMAP4 IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 SASL-IR UIDPLUS ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+';
export const IMAP_CAPABILITY_POSTAUTH =
  'IMAP4 IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 SASL-IR UIDPLUS MOVE ID UNSELECT CLIENTACCESSRULES CLIENTNETWORKPRESENCELOCATION BACKENDAUTHENTICATE CHILDREN IDLE NAMESPACE LITERAL+';
/** What Dovecot is told to advertise in the Exchange profile, so nothing it says mentions CONDSTORE or QRESYNC. */
export const DOVECOT_EXCHANGE_CAPABILITY =
  'IMAP4rev1 SASL-IR LITERAL+ ID IDLE NAMESPACE UIDPLUS MOVE UNSELECT CHILDREN';

export const IMAP_AUTH_FAILED = 'NO AUTHENTICATE failed.';
export const IMAP_AUTH_OK = 'OK AUTHENTICATE completed.';
export const IMAP_LOGIN_FAILED = 'NO LOGIN failed.';
/** Token valid, but its principal may not open the `user=` mailbox (no FullAccess): MailKit#1496, email-oauth2-proxy#275. */
export const IMAP_NOT_CONNECTED = 'BAD User is authenticated but not connected.';
export const IMAP_NOT_CONNECTED_BYE = '* BYE Connection closed. 14';
/** Sent in answer to the next command once the access token has expired (aioimaplib#83, imap-backup#198). */
export const IMAP_TOKEN_EXPIRED_BYE = '* BYE Session invalidated - AccessTokenExpired';
/** e.g. `A5 BAD Request is throttled. Suggested Backoff Time: 92415 milliseconds` (imapflow's comment). */
export const imapThrottled = (backoffMs: number): string =>
  `BAD Request is throttled. Suggested Backoff Time: ${backoffMs} milliseconds`;
export const IMAP_LOGOUT_BYE = '* BYE Microsoft Exchange Server IMAP4 server signing off.';
export const IMAP_COMMAND_ERROR = 'BAD Command Error. 12';

const diagnostic = (host: string): string =>
  `[${host} ${new Date().toISOString()} 08DC${Math.random().toString(16).slice(2, 14).toUpperCase()}]`;

export const smtpBanner = (): string =>
  `Microsoft ESMTP MAIL Service ready at ${new Date().toUTCString().replace('GMT', '+0000')}`;

/** `535 5.7.3 Authentication unsuccessful [AM0PR06CA0126.eurprd06.prod.outlook.com 2024-02-14T14:50:26.590Z 08DC2D372B4C3DED]` */
export const smtpAuthUnsuccessful = (host: string): string =>
  `5.7.3 Authentication unsuccessful ${diagnostic(host)}`;

export const smtpAuthDisabled = (host: string): string =>
  `5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information. ${diagnostic(host)}`;

export const smtpBasicAuthDisabled = (host: string): string =>
  `5.7.139 Authentication unsuccessful, basic authentication is disabled. ${diagnostic(host)}`;

export const smtpSendAsDenied = (authUser: string, from: string): string =>
  `5.2.252 SendAsDenied; ${authUser} not allowed to send as ${from}; STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; Failed to process message due to a permanent exception with message [BeginDiagnosticData]Cannot submit message. 0.35250:0A000000, 1.36674:0A000000, 1.61250:00000000, 1.45378:02000000, 1.44866:8C000000, 1.36674:0A000000, 1.61250:00000000, 1.45378:07000000, 1.44866:D7040000, 16.55847:6E0A0000[EndDiagnosticData]`;

export const smtpRecipientNotFound = (address: string): string =>
  `5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient ${address} not found by SMTP address lookup`;

/** A transient refusal at the end of DATA; nothing was delivered and the client should try again. */
export const smtpTemporaryFailure = (host: string): string =>
  `4.3.2 Temporary server error. Please try again later. ${diagnostic(host)}`;
