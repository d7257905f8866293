import { type Insertable, type RawBuilder, sql } from 'kysely';
import type { Db } from './database.ts';
import type { Database } from './schema.ts';

/** A column's PostgreSQL type, as its array parameter is cast; a column not named is text. */
export type UnnestType = 'text' | 'integer' | 'bigint' | 'bytea';

/**
 * PostgreSQL: inserts `rows` with one statement whose text does not depend on their number: each column is
 * sent as one array parameter and the rows are `unnest`ed from them. A multi-row VALUES of 1,000 listed
 * messages has 24,000 parameters, which Kysely compiles, pg writes one by one (19 ms of the client's CPU a
 * batch, 7 ms so) and PostgreSQL parses and plans anew for every batch.
 *
 * pg sends a Buffer parameter as binary, but an array of Buffers as hex text (twice the bytes, encoded and
 * decoded): a `bytea` column's values go as one binary parameter, each row's cut from it by its offset and
 * length. Every row names the columns of the first.
 */
export const unnestInsert = async <T extends keyof Database & string>(
  trx: Db,
  table: T,
  rows: readonly Insertable<Database[T]>[],
  types: Partial<Record<keyof Database[T] & string, UnnestType>>,
  onConflict: RawBuilder<unknown> = sql``,
): Promise<void> => {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!) as (keyof Database[T] & string)[];
  const arrays: RawBuilder<unknown>[] = [];
  const names: string[] = [];
  const selected = columns.map((column, i) => {
    const cells = rows.map((r) => (r as Record<string, unknown>)[column] ?? null);
    const type = types[column] ?? 'text';
    if (type !== 'bytea') {
      arrays.push(sql`${cells}::${sql.raw(type)}[]`);
      names.push(`c${i}`);
      return sql.ref(`u.c${i}`);
    }
    const { all, starts, lengths } = concatenated(cells as (Buffer | null)[]);
    arrays.push(sql`${starts}::integer[]`, sql`${lengths}::integer[]`);
    names.push(`c${i}_start`, `c${i}_length`);
    return sql`substring(${all}::bytea from ${sql.ref(`u.c${i}_start`)} for ${sql.ref(`u.c${i}_length`)})`;
  });
  await sql`insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))})
    select ${sql.join(selected)}
    from unnest(${sql.join(arrays)}) as u(${sql.join(names.map((n) => sql.ref(n)))})
    ${onConflict}`.execute(trx);
};

/** Buffers as one, each by its 1-based start and length; a null has neither (substring of null is null). */
const concatenated = (cells: readonly (Buffer | null)[]) => {
  const starts: (number | null)[] = [];
  const lengths: (number | null)[] = [];
  let at = 1;
  for (const cell of cells) {
    starts.push(cell ? at : null);
    lengths.push(cell ? cell.length : null);
    at += cell?.length ?? 0;
  }
  return { all: Buffer.concat(cells.filter((c): c is Buffer => c !== null)), starts, lengths };
};
