import { type Insertable, sql } from 'kysely';
import { copyRows } from './copy-in.ts';
import { type Db, dbKind } from './database.ts';
import { type ColumnType, jsonInsert } from './json-insert.ts';
import { type RowSource, rowArray, rowsOf } from './row-source.ts';
import type { Database } from './schema.ts';
import { valuesInsert } from './values-insert.ts';

/** Rows from which PostgreSQL is sent them by COPY (copy-in.ts): below, one statement is one round trip. */
const COPY_FROM = 100;

/** SQLite's bound on the values of one statement (SQLITE_MAX_VARIABLE_NUMBER). */
const SQLITE_MAX_VALUES = 32_766;
/**
 * Rows a SQLite statement writes when they are made as written: made for one statement at a time, a few
 * hundred rows are garbage before V8's young generation is collected twice (never copied to the old one).
 */
const SQLITE_ROWS_MADE_AT_ONCE = 200;

/**
 * Inserts a batch of rows by the cheapest statement each database has: on PostgreSQL a COPY in binary for
 * a hundred new rows and more (copy-in.ts), else one statement of JSON rows whatever their number
 * (json-insert.ts); multi-row VALUES written once per size on SQLite,
 * as many rows a statement as its bound on values allows (values-insert.ts). Rows made as they are written
 * (row-source.ts) are made one at a time into the COPY, and a few hundred a statement on SQLite.
 * `onConflict` is the clause of the caller's code (never input) written after the rows; `types` are the
 * PostgreSQL column types.
 */
export const insertRows = async <T extends keyof Database & string>(
  trx: Db,
  table: T,
  rows: RowSource<Insertable<Database[T]>>,
  options: {
    readonly types?: Partial<Record<keyof Database[T] & string, ColumnType>>;
    readonly onConflict?: string;
  } = {},
): Promise<void> => {
  const { count, at, madeAsWritten } = rowsOf(rows);
  if (count === 0) return;
  const onConflict = options.onConflict ?? '';
  if (dbKind(trx) === 'postgres') {
    if (!options.onConflict && count >= COPY_FROM) {
      await copyRows(trx, table, rows, options.types ?? {});
      return;
    }
    await jsonInsert(trx, table, rowArray(rows), options.types ?? {}, sql.raw(onConflict));
    return;
  }
  // Rows made as written are made for one statement at a time; an array's go as many a statement as fit.
  const fit = Math.floor(SQLITE_MAX_VALUES / Object.keys(at(0)).length);
  const perStatement = madeAsWritten ? Math.min(SQLITE_ROWS_MADE_AT_ONCE, fit) : fit;
  for (let from = 0; from < count; from += perStatement) {
    const part = Array.from({ length: Math.min(perStatement, count - from) }, (_, k) => at(from + k));
    await valuesInsert(trx, table, part, onConflict);
  }
};
