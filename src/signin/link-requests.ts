import { z } from 'zod';
import { recordAudit } from '../audit/record.ts';
import type { Db } from '../db/database.ts';
import type { User } from '../users/users.table.ts';

/** A second Microsoft identity for a Mailroom user, waiting for an administrator (`status = 'pending'`). */
export interface LinkRequest {
  readonly tid: string;
  readonly oid: string;
  readonly upn: string | null;
  readonly userEmail: string;
  readonly userName: string;
  readonly requestedAt: string;
}

export const listLinkRequests = async (db: Db): Promise<LinkRequest[]> =>
  (
    await db
      .selectFrom('microsoft_identities as i')
      .innerJoin('users as u', 'u.id', 'i.user_id')
      .select(['i.tid', 'i.oid', 'i.upn', 'i.created_at', 'u.email', 'u.display_name'])
      .where('i.status', '=', 'pending')
      .orderBy('i.created_at')
      .execute()
  ).map((r) => ({
    tid: r.tid,
    oid: r.oid,
    upn: r.upn,
    userEmail: r.email,
    userName: r.display_name,
    requestedAt: r.created_at,
  }));

/** What an administrator submits: which pending identity, and whether it may sign its user in. */
export const linkDecisionSchema = z.object({
  tid: z.string().trim().toLowerCase().max(64),
  oid: z.string().trim().toLowerCase().max(64),
  decision: z.enum(['confirm', 'reject']),
});

/**
 * Confirms a pending identity (it signs its user in from now on) or rejects it (the request is deleted;
 * a new sign-in asks again). Audited either way. Returns false when no such request waits.
 */
export const decideLinkRequest = async (
  db: Db,
  actor: User,
  input: z.infer<typeof linkDecisionSchema>,
): Promise<boolean> => {
  const request = (await listLinkRequests(db)).find((r) => r.tid === input.tid && r.oid === input.oid);
  if (!request) return false;
  const confirm = input.decision === 'confirm';
  if (confirm) {
    await db
      .updateTable('microsoft_identities')
      .set({ status: 'active' })
      .where('tid', '=', input.tid)
      .where('oid', '=', input.oid)
      .where('status', '=', 'pending')
      .execute();
  } else {
    await db
      .deleteFrom('microsoft_identities')
      .where('tid', '=', input.tid)
      .where('oid', '=', input.oid)
      .where('status', '=', 'pending')
      .execute();
  }
  await recordAudit(db, actor, confirm ? 'signin.link_confirmed' : 'signin.link_rejected', {
    user: request.userEmail,
    tid: request.tid,
    oid: request.oid,
    upn: request.upn,
  });
  return true;
};
