import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.ts';
import { type Role, rowToUser, type User } from './users.table.ts';

export const findUserById = async (db: Db, id: string): Promise<User | undefined> => {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return row && rowToUser(row);
};

export const findUserByEmail = async (
  db: Db,
  email: string,
): Promise<(User & { passwordHash: string | null }) | undefined> => {
  const row = await db
    .selectFrom('users')
    .selectAll()
    .where('email', '=', email.trim().toLowerCase())
    .executeTakeFirst();
  return row && { ...rowToUser(row), passwordHash: row.password_hash };
};

/**
 * Whether Mailroom has no user at all, disabled ones included: only then may the first-run page create an
 * administrator without a credential. Disabled administrators are restored on the server
 * (`mailroom user create --admin`), never through the web.
 */
export const hasNoUsers = async (db: Db): Promise<boolean> =>
  (await db.selectFrom('users').select('id').limit(1).executeTakeFirst()) === undefined;

export const insertUser = async (
  db: Db,
  input: { email: string; displayName: string; role: Role; passwordHash: string | null },
): Promise<User> => {
  const now = new Date().toISOString();
  const row = {
    id: randomUUID(),
    email: input.email.trim().toLowerCase(),
    display_name: input.displayName,
    role: input.role,
    password_hash: input.passwordHash,
    disabled: 0,
    created_at: now,
    updated_at: now,
  };
  await db.insertInto('users').values(row).execute();
  return rowToUser(row);
};

export const listUsers = async (db: Db): Promise<User[]> =>
  (await db.selectFrom('users').selectAll().orderBy('email').execute()).map(rowToUser);
