import { type ExpressionBuilder, type Selectable, sql, type Updateable } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { inTransaction, recordEvent } from '../events/record-event.ts';
import type { OutgoingMessagesTable } from './outgoing.table.ts';

export type OutgoingRow = Selectable<OutgoingMessagesTable>;

export interface Recipients {
  readonly to: readonly string[];
  readonly cc: readonly string[];
  readonly bcc: readonly string[];
}

export const recipientsOf = (row: OutgoingRow): Recipients => JSON.parse(row.recipients_json) as Recipients;

/** Every address the envelope carries (To, Cc and Bcc). */
export const envelopeRecipients = (row: OutgoingRow): string[] => {
  const r = recipientsOf(row);
  return [...r.to, ...r.cc, ...r.bcc];
};

export const findOutgoing = (db: Db, id: string): Promise<OutgoingRow | undefined> =>
  db.selectFrom('outgoing_messages').selectAll().where('id', '=', id).executeTakeFirst();

/** The lease (jobs/lease.ts) an attempt at sending the message holds while it runs. */
export const outgoingLeaseName = (id: string): string => `outgoing:${id}`;

/**
 * Due for an attempt at `at`: queued and its wait over, or `sending` with nobody holding its lease (the
 * attempt's process died, and the lease ran out).
 */
const isDue = (eb: ExpressionBuilder<Database, 'outgoing_messages'>, at: string) =>
  eb.or([
    eb.and([eb('state', '=', 'queued'), eb('next_attempt_at', '<=', at)]),
    eb.and([
      eb('state', '=', 'sending'),
      eb.not(
        eb.exists(
          eb
            .selectFrom('leases')
            .select('leases.name')
            .where('leases.name', '=', sql<string>`${'outgoing:'} || outgoing_messages.id`)
            .where('leases.owner', '<>', '')
            .where('leases.until', '>', at),
        ),
      ),
    ]),
  ]);

/**
 * Claims a message for one attempt, by the holder of its lease `outgoing:<id>` (`owner`): a row update
 * that only one process wins, on either database. A message is due when queued and its wait is over; one
 * left `sending` is due to whoever holds its lease now (the attempt that left it so lost the lease).
 */
export const claimOutgoing = async (
  db: Db,
  id: string,
  owner: string,
  leaseMs: number,
  now = new Date(),
): Promise<OutgoingRow | null> => {
  const at = now.toISOString();
  const result = await db
    .updateTable('outgoing_messages')
    .set((eb) => ({
      state: 'sending',
      attempts: eb('attempts', '+', 1),
      lease_owner: owner,
      lease_until: new Date(now.getTime() + leaseMs).toISOString(),
      updated_at: at,
    }))
    .where('id', '=', id)
    .where((eb) =>
      eb.or([
        eb.and([eb('state', '=', 'queued'), eb('next_attempt_at', '<=', at)]),
        eb('state', '=', 'sending'),
      ]),
    )
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return null;
  const row = await findOutgoing(db, id);
  return row && row.lease_owner === owner ? row : null;
};

/** Messages due for an attempt now, oldest first. */
export const dueOutgoing = async (
  db: Db,
  limit: number,
  now = new Date(),
): Promise<{ id: string; mailbox_id: string }[]> => {
  const at = now.toISOString();
  return db
    .selectFrom('outgoing_messages')
    .select(['id', 'mailbox_id'])
    .where((eb) => isDue(eb, at))
    .orderBy('created_at')
    .limit(limit)
    .execute();
};

/**
 * Writes the outcome of an attempt, if this attempt still holds the message, with its event in the same
 * transaction (`message.sent`, or `message.send_failed` whether it is retried or failed for good).
 */
export const finishAttempt = async (
  db: Db,
  row: OutgoingRow,
  change: Updateable<OutgoingMessagesTable>,
): Promise<void> => {
  await inTransaction(db, async (trx) => {
    const result = await trx
      .updateTable('outgoing_messages')
      .set({ ...change, lease_owner: null, lease_until: null, updated_at: new Date().toISOString() })
      .where('id', '=', row.id)
      .where('lease_owner', '=', row.lease_owner)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1 || change.state === undefined || change.state === 'sending')
      return;
    await recordEvent(trx, {
      type: change.state === 'sent' ? 'message.sent' : 'message.send_failed',
      mailboxId: row.mailbox_id,
      subject: { type: 'outgoing', id: row.id },
      payload: {
        state: change.state,
        attempts: row.attempts,
        errorCode: change.error_code ?? null,
        ...(change.state === 'queued' ? { nextAttemptAt: change.next_attempt_at ?? null } : {}),
      },
    });
  });
};

/** Marks that bytes may have reached the server: every later attempt first looks for a delivered copy. */
export const markTransmitting = (db: Db, row: OutgoingRow) =>
  db.updateTable('outgoing_messages').set({ transmitted: 1 }).where('id', '=', row.id).execute();
