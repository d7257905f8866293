import type { AppDeps } from '../http/context.ts';
import { AppError } from '../http/errors.ts';
import type { User } from '../users/users.table.ts';
import type { Mailbox } from './mailbox.ts';
import { findMailbox, mailboxesVisibleTo } from './repository.ts';

// Who may do what with a mailbox (DESIGN.md, Trust boundaries: every route that takes an id checks who
// may see it and who may change it):
// - see and use (read, flag, send from, sync now, its outbox): a personal mailbox's owner; a system
//   mailbox's users (by name or role) while it is enabled, and every administrator;
// - manage (connect, check, retrieve its folder list, choose its folders, disconnect, delete): a personal
//   mailbox's owner; for a system mailbox, administrators only.
// Whoever may not see a mailbox gets 404, never learning whether it exists; whoever sees it but may not
// manage it gets 403.

/** The mailbox the user may see, or 404 (never telling whether an id exists). */
export const visibleMailbox = async (deps: Pick<AppDeps, 'db'>, user: User, id: string): Promise<Mailbox> => {
  const mailbox = await findMailbox(deps.db, id);
  if (!mailbox || !(await mailboxesVisibleTo(deps.db, user)).some((m) => m.id === id)) {
    throw new AppError('request.not_found', 'There is no such mailbox.');
  }
  return mailbox;
};

/** Owners manage their own mailbox; administrators manage system mailboxes. */
export const mayManage = (user: User, m: Mailbox): boolean =>
  m.kind === 'user' ? m.ownerUserId === user.id : user.role === 'administrator';

/** The mailbox when the user may manage it: 404 when they may not see it, 403 when they only see it. */
export const managedMailbox = async (
  deps: Pick<AppDeps, 'db'>,
  user: User,
  id: string,
  /** What they tried, for the refusal: "check it", "choose its folders". */
  action: string,
): Promise<Mailbox> => {
  const mailbox = await visibleMailbox(deps, user, id);
  if (!mayManage(user, mailbox))
    throw new AppError(
      'auth.forbidden',
      mailbox.kind === 'system'
        ? `Only an administrator may ${action}.`
        : `Only the mailbox’s owner may ${action}.`,
    );
  return mailbox;
};
