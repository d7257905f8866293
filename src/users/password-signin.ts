import type { Db } from '../db/database.ts';
import {
  clearBucket,
  isLimited,
  recordEvent,
  SIGNIN_PER_ACCOUNT,
  SIGNIN_PER_ADDRESS,
} from '../http/rate-limit.ts';
import { DUMMY_HASH, verifyPassword } from './password.ts';
import { findUserByEmail } from './users.repository.ts';
import type { User } from './users.table.ts';

export type PasswordSignIn =
  | { readonly ok: true; readonly user: User }
  | { readonly ok: false; readonly code: 'auth.invalid_credentials' | 'auth.rate_limited' };

/**
 * Checks an e-mail and password. Failures are counted per account and per client address in the
 * database; once either limit is reached, sign-in is refused for the window without checking the
 * password. The same answer is given for an unknown account, a wrong password and a disabled user.
 */
export const signInWithPassword = async (
  db: Db,
  email: string,
  password: string,
  address: string,
): Promise<PasswordSignIn> => {
  const account = `signin:account:${email.trim().toLowerCase()}`;
  const client = `signin:address:${address}`;
  if (
    (await isLimited(db, account, SIGNIN_PER_ACCOUNT)) ||
    (await isLimited(db, client, SIGNIN_PER_ADDRESS))
  ) {
    return { ok: false, code: 'auth.rate_limited' };
  }
  const user = await findUserByEmail(db, email);
  const valid = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
  if (!user?.passwordHash || !valid || user.disabled) {
    await recordEvent(db, account);
    await recordEvent(db, client);
    return { ok: false, code: 'auth.invalid_credentials' };
  }
  await clearBucket(db, account);
  const { passwordHash: _, ...rest } = user;
  return { ok: true, user: rest };
};
