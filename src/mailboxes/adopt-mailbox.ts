import type { Db } from '../db/database.ts';
import { memberUpn } from '../microsoft/directory-rule.ts';
import type { IdTokenClaims } from '../microsoft/id-token.ts';
import type { User } from '../users/users.table.ts';
import { takeDefaultMailVia } from './default-mail-via.ts';
import type { Mailbox } from './mailbox.ts';
import { findMailbox, findMailboxByAddress, insertMailbox } from './repository.ts';

export type Adoption =
  | { readonly ok: true; readonly mailbox: Mailbox; readonly reconnected: boolean }
  | { readonly ok: false; readonly message: string };

/**
 * Decides which mailbox a fresh set of tokens belongs to (the caller checked the account's directory).
 * A user's own mailbox is the UPN of the Microsoft account that signed in, never its `email` claim; a system mailbox keeps its configured address and is reached with
 * the signed-in administrator's account (XOAUTH2 `user=` = the shared address, ms-identity-spec.md §12.2).
 * Reconnect keeps everything but refuses another Microsoft account than the mailbox's own.
 */
export const adoptMailbox = async (
  db: Db,
  user: User,
  mailboxId: string | null,
  claims: IdTokenClaims,
): Promise<Adoption> => {
  const account = claims.preferredUsername ?? claims.email ?? claims.oid;
  let mailbox: Mailbox | undefined;
  if (mailboxId) {
    mailbox = await findMailbox(db, mailboxId);
    if (!mailbox) return { ok: false, message: 'That mailbox no longer exists.' };
  } else {
    // The address Exchange logs this account in with: its UPN as a member of the directory. The `email`
    // claim is an attribute any administrator can set to anyone's address, so it never names a mailbox.
    const address = memberUpn(claims);
    if (!address)
      return {
        ok: false,
        message:
          'Microsoft sent no user name (UPN) of your organisation’s directory for this account, so there is no mailbox to connect. Sign in with your own work account.',
      };
    mailbox = await findMailboxByAddress(db, address);
    if (mailbox && mailbox.ownerUserId !== user.id) {
      return {
        ok: false,
        message: `${address} is already connected in Mailroom${mailbox.kind === 'system' ? ' as a system mailbox' : ' by someone else'}.`,
      };
    }
    mailbox ??= await takeDefaultMailVia(
      db,
      await insertMailbox(db, { kind: 'user', ownerUserId: user.id, label: null, address }),
    );
  }
  const reconnected = mailbox.account !== null;
  if (mailbox.account && (mailbox.account.tid !== claims.tid || mailbox.account.oid !== claims.oid)) {
    return {
      ok: false,
      message: `${mailbox.address} is connected with the Microsoft account ${mailbox.account.upn ?? mailbox.account.oid}; you signed in as ${account}. Reconnect with ${mailbox.account.upn ?? 'that account'}, or disconnect and delete the mailbox first.`,
    };
  }
  await db
    .updateTable('mailboxes')
    .set({
      ms_tid: claims.tid,
      ms_oid: claims.oid,
      ms_upn: claims.preferredUsername,
      connected_by_user_id: user.id,
      updated_at: new Date().toISOString(),
    })
    .where('id', '=', mailbox.id)
    .execute();
  return { ok: true, mailbox: (await findMailbox(db, mailbox.id))!, reconnected };
};
