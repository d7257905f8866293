import { type Insertable, type RawBuilder, sql } from 'kysely';
import type { Db } from './database.ts';
import type { Database } from './schema.ts';

/** Rows from which an insert is planned generically (below it, its parameters are small). */
const GENERIC_PLAN_FROM = 100;

/** A column's PostgreSQL type, as its JSON value is read; a column not named is text. */
export type ColumnType = 'text' | 'integer' | 'bigint' | 'bytea';

/**
 * PostgreSQL: inserts `rows` with one statement whose text does not depend on their number: the rows go as
 * one JSON parameter (`JSON.stringify`, one native pass) read back by `json_to_recordset`. Sent as an
 * array parameter per column instead, pg wrote each value into an array literal in JavaScript, string by
 * string: a quarter of everything the listing's main thread allocated (149 of 600 MB for 20,000,
 * bench/sync.ts --heap-profile), garbage the collector then had to go through. A multi-row VALUES of 1,000 listed messages has
 * 24,000 parameters, which PostgreSQL parses and plans anew for every batch.
 *
 * JSON has no bytes: a `bytea` column's values go as one binary parameter, each row's cut from it by the
 * offset and length its JSON carries (pg sends a Buffer as binary, an array of Buffers as hex text). Every
 * row names the columns of the first; a value a row leaves out is null. Text holding U+0000 is refused by
 * PostgreSQL either way (its text type has no NUL).
 */
export const jsonInsert = async <T extends keyof Database & string>(
  trx: Db,
  table: T,
  rows: readonly Insertable<Database[T]>[],
  types: Partial<Record<keyof Database[T] & string, ColumnType>>,
  onConflict: RawBuilder<unknown> = sql``,
): Promise<void> => {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!) as (keyof Database[T] & string)[];
  const binary = columns.filter((c) => types[c] === 'bytea');
  const definitions: RawBuilder<unknown>[] = [];
  const selected = columns.map((column) => {
    const type = types[column] ?? 'text';
    if (type !== 'bytea') {
      definitions.push(sql`${sql.id(column)} ${sql.raw(type)}`);
      return sql.ref(`u.${column}`);
    }
    const [start, length] = offsetKeys(column);
    definitions.push(sql`${sql.id(start)} integer`, sql`${sql.id(length)} integer`);
    return sql`substring(${sql.ref(`b.${column}`)} from ${sql.ref(`u.${start}`)} for ${sql.ref(`u.${length}`)})`;
  });
  const { records, blobs } = binary.length === 0 ? { records: rows, blobs: [] } : cutBytes(rows, binary);
  // The bytes last: pg grows its message buffer for each parameter, copying what it holds so far.
  const bytes =
    binary.length === 0
      ? sql``
      : sql`, (select ${sql.join(blobs.map((b, i) => sql`${b}::bytea as ${sql.id(binary[i]!)}`))} offset 0) as b`;
  // A batch is planned generically: planned for its values (a custom plan, what PostgreSQL does for a
  // statement without a name), each parameter becomes a constant of the plan, which the planner copies and
  // walks: the backend spent 55 ms of CPU a batch of 1,000 sources on the 4 MB one (bench/store-listed.ts),
  // four times the insert. The setting is put back for the rest of the caller's transaction. A few rows (a
  // message stored as it arrives) are not worth the two round trips.
  const generic = rows.length >= GENERIC_PLAN_FROM;
  if (generic) await sql`set local plan_cache_mode = force_generic_plan`.execute(trx);
  await sql`insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))})
    select ${sql.join(selected)}
    from json_to_recordset(${JSON.stringify(records)}::json) as u(${sql.join(definitions)})${bytes}
    ${onConflict}`.execute(trx);
  if (generic) await sql`set local plan_cache_mode to default`.execute(trx);
};

/** The JSON keys of a bytea column's 1-based offset and length in its parameter. */
const offsetKeys = (column: string): [string, string] => [`${column}:start`, `${column}:length`];

/**
 * Rows with each bytea column replaced by its offset and length, and each such column's buffers as one; a
 * null has neither (substring of null is null).
 */
const cutBytes = (rows: readonly object[], binary: readonly string[]) => {
  const records = rows.map((row) => ({ ...row }) as Record<string, unknown>);
  const blobs = binary.map((column) => {
    const [start, length] = offsetKeys(column);
    const parts: Buffer[] = [];
    let at = 1;
    for (const record of records) {
      const cell = record[column] as Buffer | null | undefined;
      delete record[column];
      if (!cell) continue;
      record[start] = at;
      record[length] = cell.length;
      parts.push(cell);
      at += cell.length;
    }
    return joined(parts, at - 1);
  });
  return { records, blobs };
};

/**
 * `parts` as one buffer of `length` bytes. Buffer.concat took three times as long for 1,000 sources of
 * ~4 KB (10 against 3.3 ms for each 4 MB, node 20): 140 ms of the main thread per 20,000 listed messages.
 */
const joined = (parts: readonly Buffer[], length: number): Buffer => {
  const out = Buffer.allocUnsafeSlow(length);
  let at = 0;
  for (const part of parts) at += part.copy(out, at);
  return out;
};
