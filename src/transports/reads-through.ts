export { recordReadsThrough } from './record-through.ts';

/** Why a mailbox on Automatic moved to Graph for reading: Exchange's answer, quoted for the mailbox page. */
export const imapRefusedReason = (serverText: string | null): string =>
  `Exchange refused IMAP for this mailbox (IMAP is switched off for it${serverText ? `: “${serverText}”` : ''}) while Microsoft Graph could open it, so it reads through Microsoft Graph.`;
