import { type Insertable, sql } from 'kysely';
import { copyRows } from './copy-in.ts';
import { type Db, dbKind } from './database.ts';
import { type ColumnType, jsonInsert } from './json-insert.ts';
import type { Database } from './schema.ts';
import { valuesInsert } from './values-insert.ts';

/** Rows from which PostgreSQL is sent them by COPY (copy-in.ts): below, one statement is one round trip. */
const COPY_FROM = 100;

/** SQLite's bound on the values of one statement (SQLITE_MAX_VARIABLE_NUMBER). */
const SQLITE_MAX_VALUES = 32_766;

/**
 * Inserts a batch of rows by the cheapest statement each database has: on PostgreSQL a COPY in binary for
 * a hundred new rows and more (copy-in.ts), else one statement of JSON rows whatever their number
 * (json-insert.ts); multi-row VALUES written once per size on SQLite,
 * as many rows a statement as its bound on values allows (values-insert.ts). `onConflict` is the clause of
 * the caller's code (never input) written after the rows; `types` are the PostgreSQL column types.
 */
export const insertRows = async <T extends keyof Database & string>(
  trx: Db,
  table: T,
  rows: readonly Insertable<Database[T]>[],
  options: {
    readonly types?: Partial<Record<keyof Database[T] & string, ColumnType>>;
    readonly onConflict?: string;
  } = {},
): Promise<void> => {
  if (rows.length === 0) return;
  const onConflict = options.onConflict ?? '';
  if (dbKind(trx) === 'postgres') {
    if (!options.onConflict && rows.length >= COPY_FROM) {
      await copyRows(trx, table, rows, options.types ?? {});
      return;
    }
    await jsonInsert(trx, table, rows, options.types ?? {}, sql.raw(onConflict));
    return;
  }
  const perStatement = Math.floor(SQLITE_MAX_VALUES / Object.keys(rows[0]!).length);
  for (let at = 0; at < rows.length; at += perStatement)
    await valuesInsert(trx, table, rows.slice(at, at + perStatement), onConflict);
};
