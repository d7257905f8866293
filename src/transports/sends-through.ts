export { recordSendsThrough } from './record-through.ts';

/** Why a mailbox on Automatic moved to Graph: Exchange's reply, quoted for the mailbox page. */
export const smtpAuthDisabledReason = (serverText: string | null): string =>
  `Exchange refused SMTP for this mailbox (SMTP AUTH is switched off${serverText ? `: “${serverText}”` : ''}), so it sends through Microsoft Graph.`;
