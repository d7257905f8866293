import { recordAudit } from '../audit/record.ts';
import type { Db } from '../db/database.ts';
import { verifiedAddresses } from '../microsoft/directory-rule.ts';
import type { IdTokenClaims } from '../microsoft/id-token.ts';
import type { MicrosoftSettings } from '../microsoft/settings.ts';
import { createUser } from '../users/create-user.ts';
import { findUserByEmail, findUserById } from '../users/users.repository.ts';
import type { User } from '../users/users.table.ts';
import type { Refusal } from './refusal.ts';

type Linking = { ok: true; user: User } | { ok: false; refusal: Refusal };

const domainOf = (address: string): string => address.split('@')[1]?.toLowerCase() ?? '';

const findIdentity = (db: Db, claims: IdTokenClaims) =>
  db
    .selectFrom('microsoft_identities')
    .select(['user_id', 'status'])
    .where('tid', '=', claims.tid)
    .where('oid', '=', claims.oid)
    .executeTakeFirst();

/** Saves (tid, oid) → user, or refreshes the UPN shown and the last sign-in of an existing link. */
const saveIdentity = async (db: Db, claims: IdTokenClaims, user: User, status: 'active' | 'pending') => {
  const now = new Date().toISOString();
  const row = {
    tid: claims.tid,
    oid: claims.oid,
    user_id: user.id,
    status,
    upn: claims.preferredUsername,
    created_at: now,
    last_signin_at: now,
  };
  await db
    .insertInto('microsoft_identities')
    .values(row)
    .onConflict((oc) => oc.columns(['tid', 'oid']).doUpdateSet({ upn: row.upn, last_signin_at: now }))
    .execute();
};

/** How many Microsoft identities already sign this user in. */
const activeIdentities = async (db: Db, userId: string): Promise<number> => {
  const row = await db
    .selectFrom('microsoft_identities')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('user_id', '=', userId)
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow();
  return Number(row.n);
};

/**
 * The first sign-in of an identity from a trusted directory (the caller checked `tid`): linked to the
 * Mailroom user of an address Microsoft vouches for, or a new staff user when auto-provisioning is on.
 * A user who already signs in with another Microsoft identity gets this one only once an administrator
 * confirms it.
 */
const linkFirstTime = async (
  db: Db,
  settings: MicrosoftSettings,
  claims: IdTokenClaims,
  permitted: readonly string[],
): Promise<Linking> => {
  let user: User | undefined;
  for (const address of permitted) {
    const found = await findUserByEmail(db, address);
    user = found && (await findUserById(db, found.id));
    if (user) break;
  }
  if (user && (await activeIdentities(db, user.id)) > 0) {
    await saveIdentity(db, claims, user, 'pending');
    await recordAudit(db, null, 'signin.link_requested', {
      user: user.email,
      tid: claims.tid,
      oid: claims.oid,
      upn: claims.preferredUsername,
    });
    return { ok: false, refusal: { code: 'signin.link_pending', subject: user.email } };
  }
  if (!user) {
    // The unverified claim names a Mailroom user: say which rule refused, rather than "no account".
    const claimed = claims.email ? await findUserByEmail(db, claims.email.toLowerCase()) : undefined;
    if (claimed)
      return {
        ok: false,
        refusal: { code: 'signin.address_unverified', reason: 'email_not_verified', subject: claimed.email },
      };
    if (!settings.autoProvision)
      return { ok: false, refusal: { code: 'signin.no_matching_user', subject: permitted[0]! } };
    user = await createUser(db, {
      email: permitted[0]!,
      displayName: claims.name ?? permitted[0]!,
      role: 'staff',
    });
  }
  if (user.disabled) return { ok: false, refusal: { code: 'signin.user_disabled' } };
  await saveIdentity(db, claims, user, 'active');
  return { ok: true, user };
};

/**
 * Finds the Mailroom user of a Microsoft identity, keyed by (tid, oid); the caller has checked that `tid`
 * is a trusted directory. Only addresses Microsoft vouches for count (`verifiedAddresses`): for the
 * allowed domains, which apply to everyone, linked or not, and for the first link.
 */
export const linkAccount = async (
  db: Db,
  settings: MicrosoftSettings,
  claims: IdTokenClaims,
): Promise<Linking> => {
  const verified = verifiedAddresses(claims);
  if (verified.length === 0) {
    return {
      ok: false,
      refusal: {
        code: 'signin.address_unverified',
        reason: claims.email ? 'email_not_verified' : 'no_address',
        subject: claims.email ?? claims.preferredUsername ?? 'this account',
      },
    };
  }
  const allowed = settings.allowedDomains;
  const permitted = allowed.length === 0 ? verified : verified.filter((a) => allowed.includes(domainOf(a)));
  if (permitted.length === 0)
    return { ok: false, refusal: { code: 'signin.domain_not_allowed', subject: domainOf(verified[0]!) } };

  const identity = await findIdentity(db, claims);
  if (identity?.status === 'pending') {
    const owner = await findUserById(db, identity.user_id);
    return { ok: false, refusal: { code: 'signin.link_pending', subject: owner?.email ?? 'your account' } };
  }
  const linked = identity ? await findUserById(db, identity.user_id) : undefined;
  if (!linked) return linkFirstTime(db, settings, claims, permitted);
  if (linked.disabled) return { ok: false, refusal: { code: 'signin.user_disabled' } };
  await saveIdentity(db, claims, linked, 'active');
  return { ok: true, user: linked };
};
