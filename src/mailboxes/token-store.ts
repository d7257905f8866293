import type { Db } from '../db/database.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import { tokenPurpose } from './mailboxes.table.ts';

export interface StoredTokens {
  readonly accessToken: string | null;
  readonly accessTokenExpiresAt: number | null;
  readonly refreshToken: string;
  readonly version: number;
}

/** Reads a mailbox's tokens, unsealed; `null` when it has none (never connected, or disconnected). */
export const readTokens = async (
  db: Db,
  secrets: SecretBox,
  mailboxId: string,
): Promise<StoredTokens | null> => {
  const row = await db
    .selectFrom('mailboxes')
    .select(['access_token_encrypted', 'access_token_expires_at', 'refresh_token_encrypted', 'token_version'])
    .where('id', '=', mailboxId)
    .executeTakeFirst();
  if (!row?.refresh_token_encrypted) return null;
  return {
    accessToken: row.access_token_encrypted
      ? secrets.open(row.access_token_encrypted, tokenPurpose('access_token_encrypted', mailboxId))
      : null,
    accessTokenExpiresAt: row.access_token_expires_at ? Date.parse(row.access_token_expires_at) : null,
    refreshToken: secrets.open(
      row.refresh_token_encrypted,
      tokenPurpose('refresh_token_encrypted', mailboxId),
    ),
    version: row.token_version,
  };
};

export interface NewTokens {
  readonly accessToken: string;
  readonly expiresInSeconds: number;
  /** Entra returns a new refresh token every time (ms-identity-spec.md §6.3); it replaces the old one. */
  readonly refreshToken: string;
}

/**
 * Stores the new access token and the rotated refresh token in one UPDATE, so no reader ever sees one
 * without the other; the version goes up by one. With `expectedVersion`, the write only happens if nobody
 * wrote since (returns false then).
 */
export const writeTokens = async (
  db: Db,
  secrets: SecretBox,
  mailboxId: string,
  tokens: NewTokens,
  expectedVersion?: number,
): Promise<boolean> => {
  const now = Date.now();
  let update = db
    .updateTable('mailboxes')
    .set((eb) => ({
      access_token_encrypted: secrets.seal(
        tokens.accessToken,
        tokenPurpose('access_token_encrypted', mailboxId),
      ),
      access_token_expires_at: new Date(now + tokens.expiresInSeconds * 1000).toISOString(),
      refresh_token_encrypted: secrets.seal(
        tokens.refreshToken,
        tokenPurpose('refresh_token_encrypted', mailboxId),
      ),
      token_version: eb('token_version', '+', 1),
      updated_at: new Date(now).toISOString(),
    }))
    .where('id', '=', mailboxId);
  if (expectedVersion !== undefined) update = update.where('token_version', '=', expectedVersion);
  const result = await update.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
};

/** Forgets the tokens (Disconnect); the mailbox, its folders and its Microsoft account stay. */
export const deleteTokens = async (db: Db, mailboxId: string): Promise<void> => {
  await db
    .updateTable('mailboxes')
    .set((eb) => ({
      access_token_encrypted: null,
      access_token_expires_at: null,
      refresh_token_encrypted: null,
      token_version: eb('token_version', '+', 1),
      state: 'not_connected',
      state_code: null,
      state_message: null,
      next_attempt_at: null,
      updated_at: new Date().toISOString(),
    }))
    .where('id', '=', mailboxId)
    .execute();
};
