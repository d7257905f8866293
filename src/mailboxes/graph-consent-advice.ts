import type { Mailbox } from './mailbox.ts';

/** The mailbox page's button's words, also quoted by every failure that points to it. */
export const ALLOW_GRAPH_LABEL = 'Allow Mailroom to use Microsoft Graph';

/**
 * What to do when Microsoft will not give Mailroom a Graph token for the mailbox (AADSTS65001): who may
 * press the button on its page, and the administrator's way when the directory lets only them consent.
 */
export const graphConsentAdvice = (mailbox: Pick<Mailbox, 'kind' | 'address'>): string => {
  const permissions =
    mailbox.kind === 'system'
      ? 'Mail.ReadWrite, Mail.Send, Mail.ReadWrite.Shared and Mail.Send.Shared'
      : 'Mail.ReadWrite and Mail.Send';
  const who =
    mailbox.kind === 'system'
      ? `An administrator must open the system mailbox ${mailbox.address} in Mailroom (Mailboxes) and press “${ALLOW_GRAPH_LABEL}”, signing in with the account that connected it`
      : `The mailbox’s owner must open ${mailbox.address} in Mailroom (Mailboxes) and press “${ALLOW_GRAPH_LABEL}”`;
  return `Microsoft has not allowed Mailroom to use Microsoft Graph for ${mailbox.address} (the delegated permissions ${permissions} were never consented to, AADSTS65001). ${who}. If Microsoft then says an administrator must approve, an administrator grants admin consent for Microsoft Graph on Mailroom’s Microsoft 365 settings page (Grant admin consent for Microsoft Graph) and the button is pressed again.`;
};
