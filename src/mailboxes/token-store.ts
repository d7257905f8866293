import type { Db } from '../db/database.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import { tokenPurpose } from './mailboxes.table.ts';

export interface StoredTokens {
  readonly accessToken: string | null;
  readonly accessTokenExpiresAt: number | null;
  readonly refreshToken: string;
  readonly version: number;
  /** The authority and mail hosts they were issued for (`tokenOriginOf`); `null` if unknown. */
  readonly origin: string | null;
}

/** Reads a mailbox's tokens, unsealed; `null` when it has none (never connected, or disconnected). */
export const readTokens = async (
  db: Db,
  secrets: SecretBox,
  mailboxId: string,
): Promise<StoredTokens | null> => {
  const row = await db
    .selectFrom('mailboxes')
    .select([
      'access_token_encrypted',
      'access_token_expires_at',
      'refresh_token_encrypted',
      'token_version',
      'token_origin',
    ])
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
    origin: row.token_origin,
  };
};

export interface NewTokens {
  readonly accessToken: string;
  readonly expiresInSeconds: number;
  /** Entra returns a new refresh token every time (ms-identity-spec.md §6.3); it replaces the old one. */
  readonly refreshToken: string;
  /** The authority and mail hosts they were issued for: they will be used with no other. */
  readonly origin: string;
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
      token_origin: tokens.origin,
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
      token_origin: null,
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

export const AUTHORITY_CHANGED_MESSAGE =
  'The Microsoft 365 settings moved to another authority or mail server, so the tokens issued by the old one were deleted. Reconnect the mailbox.';

/**
 * Drops the tokens of every mailbox whose tokens were not issued for `origin` (the authority and mail
 * hosts now configured; `null`: none): they go to *reconnect required*. Returns how many. Called in the
 * transaction that changes the settings, and by a token's use when its origin no longer fits.
 */
export const dropTokensOfOtherOrigins = async (
  db: Db,
  origin: string | null,
  mailboxId?: string,
): Promise<number> => {
  const now = new Date().toISOString();
  let update = db
    .updateTable('mailboxes')
    .set((eb) => ({
      access_token_encrypted: null,
      access_token_expires_at: null,
      refresh_token_encrypted: null,
      token_origin: null,
      token_version: eb('token_version', '+', 1),
      state: 'reconnect_required',
      state_code: 'mailbox.authority_changed',
      state_message: AUTHORITY_CHANGED_MESSAGE,
      state_at: now,
      next_attempt_at: null,
      updated_at: now,
    }))
    .where('refresh_token_encrypted', 'is not', null);
  if (origin !== null)
    update = update.where((eb) => eb.or([eb('token_origin', 'is', null), eb('token_origin', '!=', origin)]));
  if (mailboxId) update = update.where('id', '=', mailboxId);
  const result = await update.executeTakeFirst();
  return Number(result.numUpdatedRows);
};

/** How many mailboxes hold tokens: what a change of authority would disconnect. */
export const countMailboxesWithTokens = async (db: Db): Promise<number> => {
  const row = await db
    .selectFrom('mailboxes')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('refresh_token_encrypted', 'is not', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
};
