import { buffer } from 'node:stream/consumers';
import { claimLease, LeaseError } from '../jobs/lease.ts';
import { MailboxTokenError } from '../mailboxes/access-token.ts';
import { appSmtpFailure } from '../mailboxes/app-access/explain-failure.ts';
import type { Mailbox } from '../mailboxes/mailbox.ts';
import { findMailbox } from '../mailboxes/repository.ts';
import { mailServersOf } from '../microsoft/mail-servers-of.ts';
import { loadMicrosoftSettings } from '../microsoft/settings.ts';
import { SmtpError } from '../transports/imap-smtp/smtp-error.ts';
import { smtpLoginOf } from '../transports/imap-smtp/smtp-session.ts';
import { MailTransportError } from '../transports/transport-error.ts';
import { transportFor } from '../transports/transport-for.ts';
import { recordFailure, recordSent } from './attempt-outcome.ts';
import {
  claimOutgoing,
  envelopeRecipients,
  markTransmitting,
  type OutgoingRow,
  outgoingLeaseName,
} from './outgoing-store.ts';
import type { SendDeps } from './send-deps.ts';
import { type SendVerdict, smtpVerdict, transportVerdict, type WhoActs } from './send-failure.ts';

/**
 * One attempt at sending a queued message: under the lease `outgoing:<id>` (jobs/lease.ts, short and
 * renewed), claims it (one attempt per message across all processes), looks for a copy an earlier, cut-off
 * attempt may already have delivered, sends the stored bytes through the mailbox's transport (SMTP with
 * XOAUTH2, one forced token refresh after `535 5.7.3`), and records the outcome: sent, queued again after a backoff, or failed with
 * the sentence for whoever must act. Returns the new state, or null when another process holds the
 * message or it is not due.
 *
 * A lost lease (a renewal failed, or it ran out) stops the attempt: before DATA nothing is sent; during
 * DATA the connection is closed before the lease can pass to another process (it is aborted a little
 * before it runs out), and the message, marked `transmitted`, is looked for in Sent Items by the next
 * attempt before anything is sent again: a lost lease never makes a second copy.
 */
export const deliverOutgoing = async (deps: SendDeps, id: string): Promise<OutgoingRow['state'] | null> => {
  const leaseMs = deps.config.sync.leaseMs;
  const lease = await claimLease(deps, outgoingLeaseName(id), { ttlMs: leaseMs });
  if (!lease) return null;
  try {
    const row = await claimOutgoing(deps.db, id, lease.owner, leaseMs);
    if (!row) return null;
    try {
      return await attempt(deps, row, lease.signal);
    } catch (error) {
      if (lease.signal.aborted && lease.signal.reason instanceof LeaseError)
        return recordFailure(deps, row, null, {
          kind: 'retry',
          code: lease.signal.reason.code,
          message: `The attempt stopped: ${lease.signal.reason.message}.`,
        });
      deps.log.error({ event: 'send.attempt_crashed', outgoingId: row.id, err: error }, 'sending crashed');
      return recordFailure(deps, row, null, {
        kind: 'retry',
        code: 'send.internal',
        message: 'Mailroom met an unexpected error while sending.',
      });
    }
  } finally {
    await lease.release();
  }
};

const attempt = async (
  deps: SendDeps,
  row: OutgoingRow,
  signal: AbortSignal,
): Promise<OutgoingRow['state']> => {
  const mailbox = await findMailbox(deps.db, row.mailbox_id);
  if (!mailbox?.connected) {
    return recordFailure(deps, row, mailbox ?? null, {
      kind: 'failed',
      code: 'send.mailbox_not_connected',
      who: 'mailbox_owner',
      message: `${row.from_address} is no longer connected to Microsoft 365. Reconnect it, then press Retry.`,
    });
  }
  if (!mailbox.enabled) {
    return recordFailure(deps, row, mailbox, {
      kind: 'failed',
      code: 'send.mailbox_disabled',
      who: 'administrator',
      message: `${row.from_address} was switched off after this message was queued. An administrator can switch it on again (System mailboxes), then press Retry.`,
    });
  }
  // IMAP and SMTP need the custom authority's mail servers; said here, before any attempt, as before the seam.
  if (!mailServersOf(await loadMicrosoftSettings(deps.db), deps.extraCa)) {
    return recordFailure(deps, row, mailbox, {
      kind: 'failed',
      code: 'mailbox.mail_servers_unknown',
      who: 'administrator',
      message: 'The SMTP server of the custom authority is not set on the Microsoft 365 settings page.',
    });
  }
  const transport = transportFor(deps, mailbox);
  const raw = await buffer(deps.blobs.open(row.mime_sha256));

  if (row.transmitted === 1) {
    // An earlier attempt may have handed the message over before its connection broke: if a copy is
    // in Sent Items, it went, and sending again would deliver it twice.
    try {
      if (await transport.wasSent(row.message_id)) return recordSent(deps, row, mailbox, raw, null);
    } catch (error) {
      return recordFailure(deps, row, mailbox, {
        kind: 'retry',
        code: 'send.unconfirmed',
        message: `An earlier attempt was cut off, and Mailroom could not yet check whether it went through (${(error as Error).message}); it checks again before sending, so the message is never sent twice.`,
      });
    }
  }

  try {
    const receipt = await transport.send(
      { raw, envelope: { from: mailbox.address, to: envelopeRecipients(row) } },
      {
        signal,
        beforeTransmit: async () => {
          await markTransmitting(deps.db, row);
        },
      },
    );
    // Handed over: recorded as sent even if the lease is lost meanwhile (a later attempt finds the copy).
    return recordSent(deps, row, mailbox, raw, receipt);
  } catch (error) {
    if (signal.aborted) throw error;
    if (error instanceof SmtpError) {
      const app = mailbox.access === 'application' ? appSmtpFailure(error, mailbox.address) : null;
      return recordFailure(
        deps,
        row,
        mailbox,
        app
          ? {
              kind: 'failed',
              who: 'administrator',
              sendProblem: true,
              ...app,
              message: `${app.message} Then press Retry.`,
            }
          : smtpVerdict(error, { address: mailbox.address, login: smtpLoginOf(mailbox) }),
      );
    }
    if (error instanceof MailTransportError)
      return recordFailure(deps, row, mailbox, transportVerdict(error));
    if (error instanceof MailboxTokenError)
      return recordFailure(deps, row, mailbox, await tokenVerdict(deps, mailbox, error));
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
