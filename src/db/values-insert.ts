import { CompiledQuery, type Insertable } from 'kysely';
import type { Db } from './database.ts';
import type { Database } from './schema.ts';

/**
 * SQLite: inserts `rows` with one multi-row `VALUES` statement per call, its text written here and kept per
 * table, columns and row count (so the statement cache prepares it once) rather than built by Kysely for
 * each batch: Kysely's tree of 24,000 values for 1,000 listed messages cost the listing's main thread
 * ~20 ms a batch. The columns are the first row's (names from the code, never from input); at most
 * 32,766 values a statement (SQLite's bound), which the caller's chunks keep under.
 */
export const valuesInsert = async <T extends keyof Database & string>(
  trx: Db,
  table: T,
  rows: readonly Insertable<Database[T]>[],
  /** Written after the values as it is (an `on conflict` clause of the caller's code, never input). */
  tail = '',
): Promise<void> => {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const values: unknown[] = new Array(rows.length * columns.length);
  let at = 0;
  for (const row of rows)
    for (const column of columns) values[at++] = (row as Record<string, unknown>)[column] ?? null;
  await trx.executeQuery(CompiledQuery.raw(statementText(table, columns, rows.length, tail), values));
};

const texts = new Map<string, string>();

const statementText = (table: string, columns: readonly string[], rowCount: number, tail: string): string => {
  const key = `${table}(${columns.join(',')})×${rowCount} ${tail}`;
  let text = texts.get(key);
  if (!text) {
    const row = `(${columns.map(() => '?').join(', ')})`;
    text = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values ${Array(rowCount).fill(row).join(', ')} ${tail}`;
    // Batches come in a few sizes (the first ones double up to 1,000); any other size is kept too, up to a bound.
    if (texts.size >= 64) texts.clear();
    texts.set(key, text);
  }
  return text;
};
