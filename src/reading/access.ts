import type { AppDeps } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import { visibleMailbox } from '../mailboxes/access.ts';
import type { Mailbox } from '../mailboxes/mailbox.ts';
import type { Message } from '../messages/message.ts';
import { getMessage } from '../messages/queries.ts';
import type { User } from '../users/users.table.ts';

/** The message and its mailbox when the user may see that mailbox; 404 otherwise, never telling which. */
export const visibleMessage = async (
  deps: AppDeps,
  user: User,
  mailboxId: string,
  messageId: string,
): Promise<{ mailbox: Mailbox; message: Message }> => {
  const mailbox = await visibleMailbox(deps, user, mailboxId);
  const message = await getMessage(deps.db, mailbox.id, messageId);
  if (!message) throw new AppError('request.not_found', 'There is no such message.');
  return { mailbox, message };
};
