import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { appTokenPurpose } from '../mailboxes/app-access/app-access.table.ts';
import { resourceTokenPurpose, tokenPurpose } from '../mailboxes/mailboxes.table.ts';
import { CERTIFICATE_KEY_PURPOSE } from '../microsoft/credentials/credential-store.ts';
import { SECRET_PURPOSE } from '../microsoft/settings.ts';
import { previousSecretPurpose, secretPurpose as webhookSecretPurpose } from '../webhooks/endpoints.ts';

export type RowId = string | number;

/** A column whose values are sealed with the secret box, and the purpose each row's value is bound to. */
export interface SealedColumn {
  readonly table: keyof Database & string;
  /** The primary key. */
  readonly key: string;
  readonly column: string;
  readonly purpose: (id: RowId) => string;
}

type TextColumnOf<T extends keyof Database> = {
  [C in keyof Database[T] & string]: Database[T][C] extends string | null ? C : never;
}[keyof Database[T] & string];

/** Checks the names against the schema's types. */
const sealed = <T extends keyof Database & string>(
  table: T,
  key: keyof Database[T] & string,
  column: TextColumnOf<T>,
  purpose: (id: RowId) => string,
): SealedColumn => ({ table, key, column, purpose });

/** Every sealed column: what `secrets rotate` re-seals and `secrets status` counts. A new one belongs here. */
export const SEALED_COLUMNS: readonly SealedColumn[] = [
  sealed('microsoft_settings', 'id', 'client_secret_encrypted', () => SECRET_PURPOSE),
  sealed('microsoft_settings', 'id', 'certificate_key_encrypted', () => CERTIFICATE_KEY_PURPOSE),
  sealed('mailboxes', 'id', 'access_token_encrypted', (id) =>
    tokenPurpose('access_token_encrypted', String(id)),
  ),
  sealed('mailboxes', 'id', 'refresh_token_encrypted', (id) =>
    tokenPurpose('refresh_token_encrypted', String(id)),
  ),
  sealed('mailbox_access_tokens', 'id', 'access_token_encrypted', (id) => resourceTokenPurpose(String(id))),
  sealed('app_access_tokens', 'id', 'access_token_encrypted', (id) => appTokenPurpose(String(id))),
  sealed('webhook_endpoints', 'id', 'secret_encrypted', (id) => webhookSecretPurpose(String(id))),
  sealed('webhook_endpoints', 'id', 'previous_secret_encrypted', (id) => previousSecretPurpose(String(id))),
];

export interface SealedValue {
  readonly column: SealedColumn;
  readonly id: RowId;
  readonly sealed: string;
}

const PAGE = 200;

/** Every value of a sealed column, a page at a time in primary-key order. */
export async function* sealedValues(db: Db, column: SealedColumn): AsyncGenerator<SealedValue> {
  let after: RowId | undefined;
  for (;;) {
    const { rows } = await sql<{ id: RowId; sealed: string }>`
      select ${sql.ref(column.key)} as id, ${sql.ref(column.column)} as sealed
      from ${sql.table(column.table)}
      where ${sql.ref(column.column)} is not null
      ${after === undefined ? sql`` : sql`and ${sql.ref(column.key)} > ${after}`}
      order by ${sql.ref(column.key)}
      limit ${PAGE}`.execute(db);
    for (const row of rows) yield { column, id: row.id, sealed: row.sealed };
    const last = rows.at(-1);
    if (!last || rows.length < PAGE) return;
    after = last.id;
  }
}

export const readSealedValue = async (db: Db, column: SealedColumn, id: RowId): Promise<string | null> => {
  const { rows } = await sql<{ sealed: string | null }>`
    select ${sql.ref(column.column)} as sealed from ${sql.table(column.table)}
    where ${sql.ref(column.key)} = ${id}`.execute(db);
  return rows[0]?.sealed ?? null;
};

/**
 * Writes `next` only where the column still holds `seen`: one statement, so it is its own transaction,
 * and only the sealed column changes (a mailbox's `token_version` stays, so a token refresh racing with
 * this still stores its new tokens). Returns whether the row was written.
 */
export const replaceIfUnchanged = async (
  db: Db,
  column: SealedColumn,
  id: RowId,
  seen: string,
  next: string,
): Promise<boolean> => {
  const result = await sql`
    update ${sql.table(column.table)} set ${sql.ref(column.column)} = ${next}
    where ${sql.ref(column.key)} = ${id} and ${sql.ref(column.column)} = ${seen}`.execute(db);
  return result.numAffectedRows === 1n;
};
