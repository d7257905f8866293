import type { Mailbox } from '../mailboxes/mailbox.ts';
import { setMailboxState, setSendProblem } from '../mailboxes/repository.ts';
import { schedulePendingFlagPush } from '../reading/flag-push.ts';
import { setLocalFlags } from '../reading/local-flags.ts';
import type { SendReceipt } from '../transports/types.ts';
import { finishAttempt, type OutgoingRow } from './outgoing-store.ts';
import type { SendDeps } from './send-deps.ts';
import { backoffSeconds, type SendVerdict } from './send-failure.ts';
import { keepSentCopy } from './sent-items.ts';

/**
 * Records a successful attempt: the sent copy kept first (see keepSentCopy), then the state, any
 * recipients the server refused, the mailbox's sending problem cleared, the replied-to message answered.
 */
export const recordSent = async (
  deps: SendDeps,
  row: OutgoingRow,
  mailbox: Mailbox,
  raw: Buffer,
  receipt: SendReceipt | null,
): Promise<'sent'> => {
  const sentAt = new Date();
  const rejected = (receipt?.refused ?? []).map((r) => r.address);
  const firstText = receipt?.refused[0]?.serverText;
  // The copy first, then the state: whoever sees `sent` also sees where the copy is. A crash in between
  // is safe: the next attempt finds the message in Sent Items and only records it.
  const copy = await keepSentCopy(deps, row, mailbox, raw, sentAt);
  await finishAttempt(deps.db, row, {
    state: 'sent',
    sent_at: sentAt.toISOString(),
    next_attempt_at: null,
    server_reply: receipt?.serverReply ?? null,
    sent_copy: copy?.by ?? null,
    stored_message_id: copy?.storedMessageId ?? null,
    // Some recipients refused, the others got it: sent, with a word about those who did not.
    error_code: rejected.length > 0 ? 'smtp.recipient_rejected' : null,
    error_recipient: rejected.length > 0 ? rejected.join(', ') : null,
    error_for: rejected.length > 0 ? 'sender' : null,
    error_message:
      rejected.length > 0
        ? `Delivered to the others, but the server refused ${rejected.join(', ')}${firstText != null ? `: “${firstText}”` : ''}.`
        : null,
  });
  if (mailbox.sendProblem) await setSendProblem(deps.db, mailbox.id, null);
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

/** Records a failed attempt: queued again after a backoff, or failed for the person who must act. */
export const recordFailure = async (
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
  // The mailbox first, then the message: whoever sees `failed` also sees what the mailbox now needs.
  if (mailbox && verdict.kind === 'failed' && verdict.sendProblem)
    await setSendProblem(deps.db, mailbox.id, { code: verdict.code, message: verdict.message });
  if (mailbox && verdict.kind === 'failed' && verdict.mailboxState)
    await setMailboxState(deps.db, mailbox.id, verdict.mailboxState);
  await finishAttempt(deps.db, row, {
    state: 'failed',
    next_attempt_at: null,
    error_code: failed.code,
    error_message: failed.message,
    error_for: failed.who,
    error_recipient: verdict.kind === 'failed' ? (verdict.recipient ?? null) : null,
  });
  deps.log.warn(
    { event: 'send.failed', outgoingId: row.id, code: failed.code, who: failed.who, attempts: row.attempts },
    'sending failed',
  );
  return 'failed';
};
