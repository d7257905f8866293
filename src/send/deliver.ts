import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { AppDeps } from '../http/context.ts';
import type { MailServers } from '../mail-servers.ts';
import { getAccessToken, MailboxTokenError } from '../mailboxes/access-token.ts';
import { withMailboxImap } from '../mailboxes/imap-access.ts';
import type { Mailbox } from '../mailboxes/mailbox.ts';
import { findMailbox, setMailboxState } from '../mailboxes/repository.ts';
import { storeMessage } from '../messages/store-message.ts';
import { mailServersOf } from '../microsoft/mail-servers-of.ts';
import { loadMicrosoftSettings } from '../microsoft/settings.ts';
import { schedulePendingFlagPush } from '../reading/flag-push.ts';
import { setLocalFlags } from '../reading/local-flags.ts';
import { ImapError } from '../sync/imap-error.ts';
import { withImap } from '../sync/imap-session.ts';
import {
  claimOutgoing,
  envelopeRecipients,
  finishAttempt,
  keepClaim,
  markTransmitting,
  type OutgoingRow,
  setSendProblem,
} from './outgoing-store.ts';
import { backoffSeconds, type SendVerdict, smtpVerdict, type WhoActs } from './send-failure.ts';
import { ensureSentCopy, findCopy, sentFolderOf } from './sent-copy.ts';
import { SmtpError, toSmtpError } from './smtp-error.ts';
import { createSmtpTransport, smtpLoginOf } from './smtp-session.ts';

export type SendDeps = Pick<
  AppDeps,
  'config' | 'db' | 'secrets' | 'fetch' | 'microsoft' | 'log' | 'extraCa' | 'blobs'
>;

const readAll = async (stream: Readable): Promise<Buffer> => {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
};

/**
 * One attempt at sending a queued message: claims it (one worker per message across all processes),
 * looks for a copy an earlier, cut-off attempt may already have delivered, sends the stored bytes over
 * SMTP with XOAUTH2 (one forced token refresh after `535 5.7.3`), and records the outcome: sent, queued
 * again after a backoff, or failed with the sentence for whoever must act. Returns the new state, or null
 * when another worker holds the message or it is not due.
 */
export const deliverOutgoing = async (deps: SendDeps, id: string): Promise<OutgoingRow['state'] | null> => {
  const owner = randomBytes(9).toString('base64url');
  const row = await claimOutgoing(deps.db, id, owner);
  if (!row) return null;
  const release = keepClaim(deps.db, row);
  try {
    return await attempt(deps, row);
  } catch (error) {
    deps.log.error(
      { event: 'send.attempt_crashed', outgoingId: row.id, err: (error as Error).message },
      'sending crashed',
    );
    return apply(deps, row, null, {
      kind: 'retry',
      code: 'send.internal',
      message: 'Mailroom met an unexpected error while sending.',
    });
  } finally {
    release();
  }
};

const attempt = async (deps: SendDeps, row: OutgoingRow): Promise<OutgoingRow['state']> => {
  const mailbox = await findMailbox(deps.db, row.mailbox_id);
  if (!mailbox?.connected) {
    return apply(deps, row, mailbox ?? null, {
      kind: 'failed',
      code: 'send.mailbox_not_connected',
      who: 'mailbox_owner',
      message: `${row.from_address} is no longer connected to Microsoft 365. Reconnect it, then press Retry.`,
    });
  }
  if (!mailbox.enabled) {
    return apply(deps, row, mailbox, {
      kind: 'failed',
      code: 'send.mailbox_disabled',
      who: 'administrator',
      message: `${row.from_address} was switched off after this message was queued. An administrator can switch it on again (System mailboxes), then press Retry.`,
    });
  }
  const servers = mailServersOf(await loadMicrosoftSettings(deps.db), deps.extraCa);
  if (!servers) {
    return apply(deps, row, mailbox, {
      kind: 'failed',
      code: 'mailbox.mail_servers_unknown',
      who: 'administrator',
      message: 'The SMTP server of the custom authority is not set on the Microsoft 365 settings page.',
    });
  }
  const raw = await readAll(deps.blobs.open(row.mime_sha256));

  if (row.transmitted === 1) {
    // An earlier attempt may have handed the message over before its connection broke: if a copy is
    // in Sent Items, it went, and sending again would deliver it twice.
    try {
      if (await deliveredCopy(deps, mailbox, servers, row)) return succeed(deps, row, mailbox, raw, null);
    } catch (error) {
      return apply(deps, row, mailbox, {
        kind: 'retry',
        code: 'send.unconfirmed',
        message: `An earlier attempt was cut off, and Mailroom could not yet check whether it went through (${(error as Error).message}); it checks again before sending, so the message is never sent twice.`,
      });
    }
  }

  const login = smtpLoginOf(mailbox);
  const sendOnce = async (force: boolean) => {
    const accessToken = await getAccessToken(deps, mailbox.id, { force });
    const transport = createSmtpTransport(servers, { user: login, accessToken });
    try {
      await markTransmitting(deps.db, row);
      return await transport.sendMail({
        envelope: { from: mailbox.address, to: envelopeRecipients(row) },
        raw,
      });
    } catch (error) {
      throw toSmtpError(error);
    } finally {
      transport.close();
    }
  };
  try {
    let info: { response?: string; rejected?: unknown[]; rejectedErrors?: unknown[] };
    try {
      info = await sendOnce(false);
    } catch (error) {
      if (!(error instanceof SmtpError) || error.code !== 'smtp.auth_failed') throw error;
      info = await sendOnce(true);
    }
    return succeed(deps, row, mailbox, raw, info);
  } catch (error) {
    if (error instanceof SmtpError)
      return apply(deps, row, mailbox, smtpVerdict(error, { address: mailbox.address, login }));
    if (error instanceof MailboxTokenError)
      return apply(deps, row, mailbox, await tokenVerdict(deps, mailbox, error));
    throw error;
  }
};

/** A token that could not be had: the mailbox's state already says who must act, and it is theirs here too. */
const tokenVerdict = async (
  deps: SendDeps,
  mailbox: Mailbox,
  error: MailboxTokenError,
): Promise<SendVerdict> => {
  const now = await findMailbox(deps.db, mailbox.id);
  if (
    error.code === 'mailbox.retry_later' ||
    error.code === 'mailbox.refresh_busy' ||
    now?.state === 'retrying'
  )
    return { kind: 'retry', code: error.code, message: error.message };
  const who: WhoActs = now?.state === 'admin_action_required' ? 'administrator' : 'mailbox_owner';
  return {
    kind: 'failed',
    code: now?.stateCode ?? error.code,
    who,
    message: `${now?.stateMessage ?? error.message} Then press Retry.`,
  };
};

/** Looks for the message in Sent Items: the mailbox's, and for a system mailbox its delegate's too. */
const deliveredCopy = async (
  deps: SendDeps,
  mailbox: Mailbox,
  servers: MailServers,
  row: OutgoingRow,
): Promise<boolean> => {
  const look = async (client: Parameters<typeof sentFolderOf>[0]) => {
    const path = await sentFolderOf(client);
    return path ? findCopy(client, path, row.message_id) : null;
  };
  if (await withMailboxImap(deps, mailbox, look)) return true;
  const login = smtpLoginOf(mailbox);
  if (login === mailbox.address) return false;
  const accessToken = await getAccessToken(deps, mailbox.id);
  return (await withImap(servers, { user: login, accessToken }, look)) !== null;
};

const succeed = async (
  deps: SendDeps,
  row: OutgoingRow,
  mailbox: Mailbox,
  raw: Buffer,
  info: { response?: string; rejected?: unknown[]; rejectedErrors?: unknown[] } | null,
): Promise<'sent'> => {
  const sentAt = new Date();
  const rejected = (info?.rejected ?? []).map(String);
  const firstError = info?.rejectedErrors?.[0];
  // The copy first, then the state: whoever sees `sent` also sees where the copy is. A crash in between
  // is safe: the next attempt finds the message in Sent Items and only records it.
  const copy = await keepSentCopy(deps, row, mailbox, raw, sentAt);
  await finishAttempt(deps.db, row, {
    state: 'sent',
    sent_at: sentAt.toISOString(),
    next_attempt_at: null,
    server_reply: info?.response ?? null,
    sent_copy: copy?.by ?? null,
    stored_message_id: copy?.storedMessageId ?? null,
    // Some recipients refused, the others got it: sent, with a word about those who did not.
    error_code: rejected.length > 0 ? 'smtp.recipient_rejected' : null,
    error_recipient: rejected.length > 0 ? rejected.join(', ') : null,
    error_for: rejected.length > 0 ? 'sender' : null,
    error_message:
      rejected.length > 0
        ? `Delivered to the others, but the server refused ${rejected.join(', ')}${firstError ? `: “${toSmtpError(firstError).serverText ?? ''}”` : ''}.`
        : null,
  });
  await setSendProblem(deps.db, mailbox.id, null);
  // The original of a reply is answered, here and on the server, as any mail client marks it.
  if ((row.mode === 'reply' || row.mode === 'reply_all') && row.reply_to_message_id) {
    if ((await setLocalFlags(deps.db, mailbox.id, row.reply_to_message_id, { answered: true })) > 0)
      schedulePendingFlagPush(deps, mailbox.id);
  }
  deps.log.info(
    {
      event: 'send.sent',
      outgoingId: row.id,
      mailboxId: mailbox.id,
      attempts: row.attempts,
      rejected: rejected.length,
    },
    'message sent',
  );
  return 'sent';
};

/**
 * One copy in Sent Items (the server's, or one Mailroom APPENDs), stored at once so the message is in
 * its thread before the next sync. A failure here does not unsend anything: it is logged, and the next
 * sync of Sent Items brings the copy in if the server kept one.
 */
const keepSentCopy = async (
  deps: SendDeps,
  row: OutgoingRow,
  mailbox: Mailbox,
  raw: Buffer,
  sentAt: Date,
): Promise<{ by: 'server' | 'appended'; storedMessageId: string } | null> => {
  try {
    const copy = await withMailboxImap(deps, mailbox, (client) =>
      ensureSentCopy(client, row.message_id, raw, sentAt),
    );
    if (!copy) {
      deps.log.warn({ event: 'send.no_sent_folder', outgoingId: row.id }, 'the mailbox has no Sent folder');
      return null;
    }
    const stored = await storeMessage(deps.db, deps.blobs, {
      mailboxId: mailbox.id,
      path: copy.path,
      uidValidity: copy.uidValidity,
      uid: copy.uid,
      flags: ['\\Seen'],
      // What a sync would read: INTERNALDATE has whole seconds (RFC 3501 §2.3.3).
      internalDate: new Date(Math.floor(sentAt.getTime() / 1000) * 1000),
      size: raw.length,
      source: raw,
    });
    return { by: copy.by, storedMessageId: stored.messageId };
  } catch (error) {
    deps.log.warn(
      {
        event: 'send.sent_copy_failed',
        outgoingId: row.id,
        imapCode: error instanceof ImapError ? error.code : undefined,
        err: (error as Error).message,
      },
      'the sent copy could not be kept',
    );
    return null;
  }
};

/** Records a failed attempt: queued again after a backoff, or failed for the person who must act. */
const apply = async (
  deps: SendDeps,
  row: OutgoingRow,
  mailbox: Mailbox | null,
  verdict: SendVerdict,
): Promise<OutgoingRow['state']> => {
  const { maxAttempts, retrySeconds } = deps.config.send;
  if (verdict.kind === 'retry' && row.attempts < maxAttempts) {
    const wait = backoffSeconds(row.attempts, retrySeconds);
    const next = new Date(Date.now() + wait * 1000).toISOString();
    await finishAttempt(deps.db, row, {
      state: 'queued',
      next_attempt_at: next,
      error_code: verdict.code,
      error_message: `${verdict.message} Mailroom tries again at ${next.replace('T', ' ').slice(0, 19)} UTC.`,
      error_for: null,
      error_recipient: null,
    });
    deps.log.info(
      {
        event: 'send.retry_later',
        outgoingId: row.id,
        code: verdict.code,
        attempts: row.attempts,
        waitSeconds: wait,
      },
      'sending will be retried',
    );
    return 'queued';
  }
  const failed =
    verdict.kind === 'failed'
      ? verdict
      : {
          ...verdict,
          who: 'sender' as const,
          message: `Mailroom tried ${row.attempts} times and gave up. The last answer: ${verdict.message} Press Retry to try again.`,
        };
  await finishAttempt(deps.db, row, {
    state: 'failed',
    next_attempt_at: null,
    error_code: failed.code,
    error_message: failed.message,
    error_for: failed.who,
    error_recipient: verdict.kind === 'failed' ? (verdict.recipient ?? null) : null,
  });
  if (mailbox && verdict.kind === 'failed' && verdict.sendProblem)
    await setSendProblem(deps.db, mailbox.id, { code: verdict.code, message: verdict.message });
  if (mailbox && verdict.kind === 'failed' && verdict.mailboxState)
    await setMailboxState(deps.db, mailbox.id, verdict.mailboxState);
  deps.log.warn(
    { event: 'send.failed', outgoingId: row.id, code: failed.code, who: failed.who, attempts: row.attempts },
    'sending failed',
  );
  return 'failed';
};
