import type { User } from '../users/users.table.ts';
import { type OutgoingRow, recipientsOf } from './outgoing-store.ts';
import { type OutgoingView, outgoingView } from './outgoing-view.ts';
import { SendError } from './send-error.ts';

// Inside a mailbox several people use (a system mailbox), an outgoing message belongs to its writer:
// everyone who may see the mailbox sees its outbox, but only the writer or an administrator retries
// or discards a message, and sees its Bcc (which the recipients never see either).

/** The message's writer, or an administrator. */
export const mayHandleOutgoing = (user: User, row: OutgoingRow): boolean =>
  row.created_by_user_id === user.id || user.role === 'administrator';

export const checkMayHandleOutgoing = (user: User, row: OutgoingRow, action: 'retry' | 'discard'): void => {
  if (!mayHandleOutgoing(user, row))
    throw new SendError('send.forbidden', `Only the message’s writer or an administrator may ${action} it.`);
};

const BCC_SHOWN_AS = '(a Bcc recipient)';

/** `text` with every Bcc address (as the server may quote it, in any case) replaced. */
const withoutAddresses = (text: string | null, addresses: readonly string[]): string | null => {
  if (text === null) return null;
  let out = text;
  for (const address of addresses) {
    const lower = address.toLowerCase();
    for (let at = out.toLowerCase().indexOf(lower); at >= 0; at = out.toLowerCase().indexOf(lower, at)) {
      out = out.slice(0, at) + BCC_SHOWN_AS + out.slice(at + address.length);
      at += BCC_SHOWN_AS.length;
    }
  }
  return out;
};

/**
 * The message as this reader may see it: whole for its writer and administrators; for the mailbox's
 * other people without Bcc, which also leaves a refusal that names a Bcc recipient.
 */
export const outgoingViewFor = (user: User, row: OutgoingRow): OutgoingView => {
  const view = outgoingView(row);
  if (mayHandleOutgoing(user, row)) return view;
  const bcc = recipientsOf(row).bcc;
  return {
    ...view,
    bcc: [],
    error: view.error && {
      ...view.error,
      message: withoutAddresses(view.error.message, bcc) ?? view.error.code,
      recipient: withoutAddresses(view.error.recipient, bcc),
    },
    serverReply: withoutAddresses(view.serverReply, bcc),
  };
};
