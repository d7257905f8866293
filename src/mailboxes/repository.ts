import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.ts';
import { inTransaction, recordEvent } from '../events/record-event.ts';
import type { User } from '../users/users.table.ts';
import { type Mailbox, rowToMailbox } from './mailbox.ts';
import type { ConnectionState } from './mailboxes.table.ts';

export const findMailbox = async (db: Db, id: string): Promise<Mailbox | undefined> => {
  const row = await db.selectFrom('mailboxes').selectAll().where('id', '=', id).executeTakeFirst();
  return row && rowToMailbox(row);
};

export const findMailboxByAddress = async (db: Db, address: string): Promise<Mailbox | undefined> => {
  const row = await db
    .selectFrom('mailboxes')
    .selectAll()
    .where('address', '=', address.toLowerCase())
    .executeTakeFirst();
  return row && rowToMailbox(row);
};

/** The user's own mailboxes and the system mailboxes they may use (by user or by role); administrators see all. */
export const mailboxesVisibleTo = async (db: Db, user: User): Promise<Mailbox[]> => {
  let query = db.selectFrom('mailboxes').selectAll();
  if (user.role !== 'administrator') {
    query = query.where((eb) =>
      eb.or([
        eb('owner_user_id', '=', user.id),
        eb.and([
          eb('kind', '=', 'system'),
          eb('enabled', '=', 1),
          eb(
            'id',
            'in',
            eb
              .selectFrom('system_mailbox_access')
              .select('mailbox_id')
              .where('principal', 'in', [`user:${user.id}`, `role:${user.role}`]),
          ),
        ]),
      ]),
    );
  } else {
    query = query.where((eb) => eb.or([eb('kind', '=', 'system'), eb('owner_user_id', '=', user.id)]));
  }
  return (await query.orderBy('kind', 'desc').orderBy('address').execute()).map(rowToMailbox);
};

export const mayUseMailbox = async (db: Db, user: User, mailbox: Mailbox): Promise<boolean> =>
  (await mailboxesVisibleTo(db, user)).some((m) => m.id === mailbox.id);

export const insertMailbox = async (
  db: Db,
  input: { kind: 'user' | 'system'; ownerUserId: string | null; label: string | null; address: string },
): Promise<Mailbox> => {
  const now = new Date().toISOString();
  const id = randomUUID();
  await db
    .insertInto('mailboxes')
    .values({
      id,
      kind: input.kind,
      owner_user_id: input.ownerUserId,
      label: input.label,
      address: input.address.toLowerCase(),
      enabled: 1,
      ms_tid: null,
      ms_oid: null,
      ms_upn: null,
      connected_by_user_id: null,
      state: 'not_connected',
      state_code: null,
      state_message: null,
      state_at: now,
      next_attempt_at: null,
      access_token_encrypted: null,
      access_token_expires_at: null,
      refresh_token_encrypted: null,
      token_version: 0,
      last_synced_at: null,
      sync_runs: 0,
      created_at: now,
      updated_at: now,
    })
    .execute();
  return (await findMailbox(db, id))!;
};

export interface StateChange {
  readonly state: ConnectionState;
  readonly code: string | null;
  readonly message: string | null;
  readonly nextAttemptAt?: string | null;
}

/**
 * Records who must act now, with the code and the sentence shown to them; a change of state or code is
 * an event (`mailbox.state_changed`), written in the same transaction.
 */
export const setMailboxState = async (db: Db, id: string, change: StateChange): Promise<void> => {
  const now = new Date().toISOString();
  await inTransaction(db, async (trx) => {
    const before = await trx
      .selectFrom('mailboxes')
      .select(['state', 'state_code'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!before) return;
    await trx
      .updateTable('mailboxes')
      .set({
        state: change.state,
        state_code: change.code,
        state_message: change.message,
        state_at: now,
        next_attempt_at: change.nextAttemptAt ?? null,
        updated_at: now,
      })
      .where('id', '=', id)
      .execute();
    if (before.state !== change.state || before.state_code !== change.code)
      await recordEvent(trx, {
        type: 'mailbox.state_changed',
        mailboxId: id,
        subject: { type: 'mailbox', id },
        payload: { state: change.state, previousState: before.state, errorCode: change.code },
      });
  });
};

/** Why sending from the mailbox fails while reading works, or null once it works again. */
export const setSendProblem = async (
  db: Db,
  mailboxId: string,
  problem: { code: string; message: string } | null,
): Promise<void> => {
  await db
    .updateTable('mailboxes')
    .set({
      send_problem_code: problem?.code ?? null,
      send_problem_message: problem?.message ?? null,
      send_problem_at: problem ? new Date().toISOString() : null,
    })
    .where('id', '=', mailboxId)
    .execute();
};

/** Every mailbox of the installation, system mailboxes first, for installation-wide checks (Diagnose all). */
export const listAllMailboxes = async (db: Db): Promise<Mailbox[]> =>
  (await db.selectFrom('mailboxes').selectAll().orderBy('kind', 'desc').orderBy('address').execute()).map(
    rowToMailbox,
  );
