import { getAccessToken } from '../../mailboxes/access-token.ts';
import type { Mailbox } from '../../mailboxes/mailbox.ts';
import type { PreparedMessage, SendingCheck, SendOptions, SendReceipt, TransportDeps } from '../types.ts';
import { mailServersOrThrow } from './imap-access.ts';
import { SmtpError, toSmtpError } from './smtp-error.ts';
import { createSmtpTransport, smtpLoginOf, verifySmtp } from './smtp-session.ts';

/** What nodemailer's `sendMail` resolves with, as far as Mailroom reads it. */
interface SentInfo {
  response?: string;
  rejected?: unknown[];
  rejectedErrors?: unknown[];
}

const receiptOf = (info: SentInfo): SendReceipt => {
  // nodemailer's error for the first refused recipient, when it kept one ('' when the server said nothing).
  const firstText = info.rejectedErrors?.[0] ? (toSmtpError(info.rejectedErrors[0]).serverText ?? '') : null;
  return {
    serverReply: info.response ?? null,
    refused: (info.rejected ?? []).map((address, i) => ({
      address: String(address),
      serverText: i === 0 ? firstText : null,
    })),
  };
};

/** Runs `attempt` with the mailbox's token, and once more with a forced refresh after `535 5.7.3`. */
const withSmtpToken = async <T>(attempt: (force: boolean) => Promise<T>): Promise<T> => {
  try {
    return await attempt(false);
  } catch (error) {
    if (!(error instanceof SmtpError) || error.code !== 'smtp.auth_failed') throw error;
    return attempt(true);
  }
};

/**
 * Sends the stored bytes over SMTP with XOAUTH2 (one connection per message), signed in as the mailbox
 * or, for a system mailbox, as its delegate (smtpLoginOf). One forced token refresh after `535 5.7.3`.
 */
export const sendOverSmtp = async (
  deps: TransportDeps,
  mailbox: Mailbox,
  message: PreparedMessage,
  options: SendOptions,
): Promise<SendReceipt> => {
  const servers = await mailServersOrThrow(deps);
  const { signal } = options;
  const sendOnce = async (force: boolean): Promise<SentInfo> => {
    const accessToken = await getAccessToken(deps, mailbox.id, { force, servers });
    const transport = createSmtpTransport(servers, { user: smtpLoginOf(mailbox), accessToken });
    try {
      // The lease is checked last thing before the bytes may go, and aborts the session while they do.
      signal.throwIfAborted();
      await options.beforeTransmit();
      const mail = {
        envelope: { from: message.envelope.from, to: [...message.envelope.to] },
        raw: message.raw,
        signal,
      };
      return await transport.sendMail(mail);
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw toSmtpError(error);
    } finally {
      transport.close();
    }
  };
  return receiptOf(await withSmtpToken(sendOnce));
};

/** EHLO, STARTTLS and AUTH XOAUTH2 without sending (one forced refresh after `535 5.7.3`). */
export const verifySmtpLogin = async (deps: TransportDeps, mailbox: Mailbox): Promise<SendingCheck> => {
  const servers = await mailServersOrThrow(deps);
  const login = smtpLoginOf(mailbox);
  await withSmtpToken(async (force) =>
    verifySmtp(servers, {
      user: login,
      accessToken: await getAccessToken(deps, mailbox.id, { force, servers }),
    }),
  );
  return { login, server: servers.smtp.host };
};
