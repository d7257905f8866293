import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.ts';
import type { User } from '../users/users.table.ts';

/** Records who did what. `details` must never hold a secret's value: callers pass names of fields, not contents. */
export const recordAudit = async (
  db: Db,
  actor: Pick<User, 'id' | 'email'> | null,
  action: string,
  details: Record<string, unknown>,
): Promise<void> => {
  await db
    .insertInto('audit_events')
    .values({
      id: randomUUID(),
      at: new Date().toISOString(),
      actor_user_id: actor?.id ?? null,
      actor_email: actor?.email ?? null,
      action,
      details: JSON.stringify(details),
    })
    .execute();
};

export interface AuditEvent {
  readonly at: string;
  readonly actor: string | null;
  readonly action: string;
  readonly details: Record<string, unknown>;
}

export const listAudit = async (db: Db, limit = 200): Promise<AuditEvent[]> =>
  (await db.selectFrom('audit_events').selectAll().orderBy('at', 'desc').limit(limit).execute()).map((r) => ({
    at: r.at,
    actor: r.actor_email,
    action: r.action,
    details: JSON.parse(r.details),
  }));
