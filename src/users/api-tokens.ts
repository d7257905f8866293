import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../db/database.ts';
import { findUserById } from './users.repository.ts';
import type { User } from './users.table.ts';

const hash = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Creates an API token; the returned value is shown once and only its hash is stored. */
export const createApiToken = async (db: Db, userId: string, name: string): Promise<string> => {
  const token = `mr_${randomBytes(32).toString('base64url')}`;
  await db
    .insertInto('api_tokens')
    .values({
      id: randomUUID(),
      user_id: userId,
      name,
      token_hash: hash(token),
      created_at: new Date().toISOString(),
      last_used_at: null,
      revoked_at: null,
    })
    .execute();
  return token;
};

/** The active user an `Authorization: Bearer` API token belongs to. */
export const userForApiToken = async (db: Db, token: string): Promise<User | undefined> => {
  if (!token.startsWith('mr_')) return undefined;
  const row = await db
    .selectFrom('api_tokens')
    .select(['id', 'user_id'])
    .where('token_hash', '=', hash(token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row) return undefined;
  const user = await findUserById(db, row.user_id);
  if (!user || user.disabled) return undefined;
  await db
    .updateTable('api_tokens')
    .set({ last_used_at: new Date().toISOString() })
    .where('id', '=', row.id)
    .execute();
  return user;
};
