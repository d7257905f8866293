import { z } from 'zod';
import type { Db } from '../db/database.ts';
import { hashPassword } from './password.ts';
import { findUserByEmail, insertUser } from './users.repository.ts';
import type { Role, User } from './users.table.ts';

export const newUserSchema = z.object({
  email: z
    .string()
    .max(320, { message: 'An address has at most 320 characters.', abort: true })
    .pipe(z.email('Enter an e-mail address like name@example.com.'))
    .transform((e) => e.toLowerCase()),
  displayName: z.string().trim().min(1, 'Enter a name.').max(200),
  password: z
    .string()
    .min(12, 'Use at least 12 characters.')
    .max(1024, 'Use at most 1,024 characters.')
    .optional(),
  role: z.enum(['administrator', 'staff']),
});

export type NewUser = z.input<typeof newUserSchema>;

export class UserError extends Error {
  constructor(
    readonly code: 'user.exists' | 'user.invalid',
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** Creates a user after validating every field; a password is optional (Microsoft sign-in users need none). */
export const createUser = async (db: Db, input: NewUser): Promise<User> => {
  const parsed = newUserSchema.safeParse(input);
  if (!parsed.success) {
    const fields = Object.fromEntries(
      parsed.error.issues.map((i) => [String(i.path[0] ?? 'form'), i.message]),
    );
    throw new UserError('user.invalid', Object.values(fields).join(' '), fields);
  }
  const { email, displayName, password, role } = parsed.data;
  if (await findUserByEmail(db, email)) {
    throw new UserError('user.exists', `A user with the e-mail ${email} exists already.`, {
      email: 'This e-mail is taken.',
    });
  }
  return insertUser(db, {
    email,
    displayName,
    role: role as Role,
    passwordHash: password ? await hashPassword(password) : null,
  });
};
