import type { Db } from '../db/database.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import { resourceTokenPurpose, tokenPurpose } from './mailboxes.table.ts';

/**
 * What an access token is for: Exchange Online's Outlook resource (IMAP and SMTP, ms-identity-spec.md
 * §13) or Microsoft Graph (graph-mail-spec.md §1). One refresh token redeems both, one at a time.
 */
export type MailResource = 'outlook' | 'graph';

/** The key of a resource's row in mailbox_access_tokens (Outlook's token is in the mailbox row). */
const resourceKey = (mailboxId: string, resource: MailResource): string => `${mailboxId}/${resource}`;

interface SealedAccess {
  readonly sealed: string | null;
  readonly expiresAt: string | null;
  readonly purpose: string;
}

const otherResourceAccess = async (
  db: Db,
  mailboxId: string,
  resource: MailResource,
): Promise<SealedAccess> => {
  const id = resourceKey(mailboxId, resource);
  const row = await db
    .selectFrom('mailbox_access_tokens')
    .select(['access_token_encrypted', 'access_token_expires_at'])
    .where('id', '=', id)
    .executeTakeFirst();
  return {
    sealed: row?.access_token_encrypted ?? null,
    expiresAt: row?.access_token_expires_at ?? null,
    purpose: resourceTokenPurpose(id),
  };
};

export interface StoredTokens {
  readonly accessToken: string | null;
  readonly accessTokenExpiresAt: number | null;
  readonly refreshToken: string;
  readonly version: number;
  /** The authority and mail hosts they were issued for (`tokenOriginOf`); `null` if unknown. */
  readonly origin: string | null;
}

/**
 * Reads a mailbox's tokens, unsealed: the refresh token and the access token for `resource`; `null` when
 * it has none (never connected, or disconnected).
 */
export const readTokens = async (
  db: Db,
  secrets: SecretBox,
  mailboxId: string,
  resource: MailResource = 'outlook',
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
  const access: SealedAccess =
    resource === 'outlook'
      ? {
          sealed: row.access_token_encrypted,
          expiresAt: row.access_token_expires_at,
          purpose: tokenPurpose('access_token_encrypted', mailboxId),
        }
      : await otherResourceAccess(db, mailboxId, resource);
  return {
    accessToken: access.sealed ? secrets.open(access.sealed, access.purpose) : null,
    accessTokenExpiresAt: access.expiresAt ? Date.parse(access.expiresAt) : null,
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
 * wrote since (returns false then). Without it (a new connection), the other resources' access tokens,
 * issued to the grant before, are forgotten first. For another resource than Outlook's, the refresh token
 * is rotated the same way and that resource's access token then stored in its own row.
 */
export const writeTokens = async (
  db: Db,
  secrets: SecretBox,
  mailboxId: string,
  tokens: NewTokens,
  expectedVersion?: number,
  resource: MailResource = 'outlook',
): Promise<boolean> => {
  const now = Date.now();
  const expiresAt = new Date(now + tokens.expiresInSeconds * 1000).toISOString();
  if (expectedVersion === undefined) await deleteResourceTokens(db, mailboxId);
  let update = db
    .updateTable('mailboxes')
    .set((eb) => ({
      ...(resource === 'outlook'
        ? {
            access_token_encrypted: secrets.seal(
              tokens.accessToken,
              tokenPurpose('access_token_encrypted', mailboxId),
            ),
            access_token_expires_at: expiresAt,
          }
        : {}),
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
  if (Number(result.numUpdatedRows) !== 1) return false;
  // Stored after the refresh token it came with: a crash between only costs one more refresh.
  if (resource !== 'outlook') {
    const id = resourceKey(mailboxId, resource);
    const values = {
      access_token_encrypted: secrets.seal(tokens.accessToken, resourceTokenPurpose(id)),
      access_token_expires_at: expiresAt,
      updated_at: new Date(now).toISOString(),
    };
    await db
      .insertInto('mailbox_access_tokens')
      .values({ id, mailbox_id: mailboxId, resource, ...values })
      .onConflict((oc) => oc.column('id').doUpdateSet(values))
      .execute();
  }
  return true;
};

/** Forgets a mailbox's access tokens for the resources other than Outlook's. */
const deleteResourceTokens = async (db: Db, mailboxId: string): Promise<void> => {
  await db.deleteFrom('mailbox_access_tokens').where('mailbox_id', '=', mailboxId).execute();
};

/** Forgets a mailbox's access token for one resource other than Outlook's (Microsoft refused to renew it). */
export const forgetResourceToken = async (
  db: Db,
  mailboxId: string,
  resource: MailResource,
): Promise<void> => {
  await db.deleteFrom('mailbox_access_tokens').where('id', '=', resourceKey(mailboxId, resource)).execute();
};

/** Forgets the tokens (Disconnect); the mailbox, its folders and its Microsoft account stay. */
export const deleteTokens = async (db: Db, mailboxId: string): Promise<void> => {
  await deleteResourceTokens(db, mailboxId);
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
  // The other resources' access tokens go with the refresh token that redeemed them.
  await db
    .deleteFrom('mailbox_access_tokens')
    .where('mailbox_id', 'in', (eb) =>
      eb.selectFrom('mailboxes').select('id').where('refresh_token_encrypted', 'is', null),
    )
    .execute();
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
