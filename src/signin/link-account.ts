import type { Db } from '../db/database.ts';
import type { IdTokenClaims } from '../microsoft/id-token.ts';
import type { MicrosoftSettings } from '../microsoft/settings.ts';
import { createUser } from '../users/create-user.ts';
import { findUserByEmail, findUserById } from '../users/users.repository.ts';
import type { User } from '../users/users.table.ts';
import type { Refusal } from './refusal.ts';

const domainOf = (address: string): string => address.split('@')[1]?.toLowerCase() ?? '';

/**
 * Finds the Mailroom user of a Microsoft identity, keyed by (tid, oid). The first time, it is linked to
 * the user whose e-mail equals the token's `email` or `preferred_username`, or a staff user is created
 * when auto-provisioning is on. Allowed domains apply to everyone, linked or not.
 */
export const linkAccount = async (
  db: Db,
  settings: MicrosoftSettings,
  claims: IdTokenClaims,
): Promise<{ ok: true; user: User } | { ok: false; refusal: Refusal }> => {
  const addresses = [claims.email, claims.preferredUsername].filter(
    (a): a is string => a !== null && a.includes('@'),
  );
  const allowed = settings.allowedDomains;
  const permitted = allowed.length === 0 ? addresses : addresses.filter((a) => allowed.includes(domainOf(a)));
  if (addresses.length === 0 || permitted.length === 0) {
    return {
      ok: false,
      refusal: {
        code: 'signin.domain_not_allowed',
        subject: addresses[0] ? domainOf(addresses[0]) : 'an account without an e-mail address',
      },
    };
  }

  const now = new Date().toISOString();
  const linked = await db
    .selectFrom('microsoft_identities')
    .select('user_id')
    .where('tid', '=', claims.tid)
    .where('oid', '=', claims.oid)
    .executeTakeFirst();
  let user = linked ? await findUserById(db, linked.user_id) : undefined;
  if (!user) {
    for (const address of permitted) {
      user = await findUserByEmail(db, address);
      if (user) break;
    }
    if (!user && settings.autoProvision) {
      user = await createUser(db, {
        email: permitted[0]!,
        displayName: claims.name ?? permitted[0]!,
        role: 'staff',
      });
    }
    if (!user) return { ok: false, refusal: { code: 'signin.no_matching_user', subject: permitted[0]! } };
  }
  if (user.disabled) return { ok: false, refusal: { code: 'signin.user_disabled' } };

  const row = {
    tid: claims.tid,
    oid: claims.oid,
    user_id: user.id,
    upn: claims.preferredUsername,
    created_at: now,
    last_signin_at: now,
  };
  await db
    .insertInto('microsoft_identities')
    .values(row)
    .onConflict((oc) => oc.columns(['tid', 'oid']).doUpdateSet({ upn: row.upn, last_signin_at: now }))
    .execute();
  const { passwordHash: _, ...plain } = user as User & { passwordHash?: unknown };
  return { ok: true, user: plain };
};
