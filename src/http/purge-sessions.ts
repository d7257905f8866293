import type { Db } from '../db/database.ts';
import { FLOW_LIFETIME_MS } from './flows.ts';

export interface PurgedSessions {
  /** Past their idle or absolute timeout (a load already ignores them; this frees the rows). */
  readonly expired: number;
  /**
   * Not signed in and idle longer than a flow lives: all such a session holds is flows (expired by now)
   * and flash messages nobody came back for.
   */
  readonly anonymous: number;
}

export const purgeSessions = async (db: Db, now = new Date()): Promise<PurgedSessions> => {
  const expired = await db
    .deleteFrom('sessions')
    .where('expires_at', '<=', now.toISOString())
    .executeTakeFirst();
  const anonymous = await db
    .deleteFrom('sessions')
    .where('user_id', 'is', null)
    .where('last_seen_at', '<', new Date(now.getTime() - FLOW_LIFETIME_MS).toISOString())
    .executeTakeFirst();
  return { expired: Number(expired.numDeletedRows), anonymous: Number(anonymous.numDeletedRows) };
};
