import type { Selectable } from 'kysely';

export type Role = 'administrator' | 'staff';

/** Timestamps are ISO-8601 strings in both databases; booleans are 0/1. */
export interface UsersTable {
  id: string;
  email: string;
  display_name: string;
  role: Role;
  password_hash: string | null;
  disabled: number;
  created_at: string;
  updated_at: string;
}

export interface User {
  readonly id: string;
  readonly email: string;
  readonly displayName: string;
  readonly role: Role;
  readonly hasPassword: boolean;
  readonly disabled: boolean;
  readonly createdAt: string;
}

export const rowToUser = (row: Selectable<UsersTable>): User => ({
  id: row.id,
  email: row.email,
  displayName: row.display_name,
  role: row.role,
  hasPassword: row.password_hash !== null,
  disabled: row.disabled === 1,
  createdAt: row.created_at,
});
