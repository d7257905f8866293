import type { Db } from '../db/database.ts';
import { clearBucket, recordAttempt, SIGNIN_PER_ACCOUNT, SIGNIN_PER_ADDRESS } from '../http/rate-limit.ts';
import { DUMMY_HASH, verifyPassword } from './password.ts';
import { findUserByEmail } from './users.repository.ts';
import type { User } from './users.table.ts';

export type PasswordSignIn =
  | { readonly ok: true; readonly user: User }
  | { readonly ok: false; readonly code: 'auth.invalid_credentials' | 'auth.rate_limited' };

/**
 * Checks an e-mail and password. Every attempt is counted per account and per client address in the
 * database *before* the password is checked, so no burst gets more than the limit's checks in a window;
 * an attempt over a limit is refused unchecked and takes its rows back out, so a flood of refused attempts
 * stores nothing (the checked attempts' rows stay, so the window stays shut until they age out). A
 * success clears the account's bucket and takes itself out of the address count, where only failures
 * count. The same answer is given for an unknown account, a wrong password and a disabled user.
 */
export const signInWithPassword = async (
  db: Db,
  email: string,
  password: string,
  address: string,
  now = new Date(),
): Promise<PasswordSignIn> => {
  const account = `signin:account:${email.trim().toLowerCase()}`;
  const client = `signin:address:${address}`;
  const attempt = await recordAttempt(
    db,
    [
      [account, SIGNIN_PER_ACCOUNT],
      [client, SIGNIN_PER_ADDRESS],
    ],
    now,
  );
  if (!attempt.allowed) {
    await attempt.withdraw([account, client]);
    return { ok: false, code: 'auth.rate_limited' };
  }
  const user = await findUserByEmail(db, email);
  const valid = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
  if (!user?.passwordHash || !valid || user.disabled) return { ok: false, code: 'auth.invalid_credentials' };
  await clearBucket(db, account);
  await attempt.withdraw([client]);
  const { passwordHash: _, ...rest } = user;
  return { ok: true, user: rest };
};
