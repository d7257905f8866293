import type { ImapFlow } from 'imapflow';
import { getAccessToken } from '../../mailboxes/access-token.ts';
import type { Mailbox } from '../../mailboxes/mailbox.ts';
import type { SentCopy, SentMessage, TransportDeps } from '../types.ts';
import { mailServersOrThrow, withMailboxImap } from './imap-access.ts';
import { withImap } from './imap-session.ts';
import { ensureSentCopy, findCopy, sentFolderOf } from './sent-copy.ts';
import { smtpLoginOf } from './smtp-session.ts';

const lookIn = (messageId: string) => async (client: ImapFlow) => {
  const path = await sentFolderOf(client);
  return path ? findCopy(client, path, messageId) : null;
};

/** Looks for the message in Sent Items: the mailbox's, and for a system mailbox its delegate's too. */
export const wasSentOverImap = async (
  deps: TransportDeps,
  mailbox: Mailbox,
  messageId: string,
): Promise<boolean> => {
  if (await withMailboxImap(deps, mailbox, lookIn(messageId))) return true;
  const login = smtpLoginOf(mailbox);
  if (login === mailbox.address) return false;
  const servers = await mailServersOrThrow(deps);
  const accessToken = await getAccessToken(deps, mailbox.id, { servers });
  return (await withImap(servers, { user: login, accessToken }, lookIn(messageId))) !== null;
};

/** The copy Exchange filed in Sent Items, or one APPENDed (see ensureSentCopy); null without a Sent folder. */
export const keepImapSentCopy = async (
  deps: TransportDeps,
  mailbox: Mailbox,
  message: SentMessage,
): Promise<SentCopy | null> => {
  const copy = await withMailboxImap(deps, mailbox, (client) =>
    ensureSentCopy(client, message.messageId, message.raw, message.sentAt),
  );
  if (!copy) return null;
  const { path, uidValidity, uid, by } = copy;
  return { location: { transport: 'imap_smtp', path, uidValidity, uid }, by };
};
