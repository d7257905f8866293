/**
 * Rows made one at a time as a statement writes them (`row(i)` for each i below `count`), instead of an
 * array of them all: each row is garbage once written. A listing batch's 1,000 message rows (~500 bytes
 * each with their strings) built up front lived through the statement and the young generation's
 * collections, and were copied into V8's old generation, a sixth of what a listing put there (README
 * *Scale*, `bench/sync.ts --heap-profile=promoted`).
 */
export interface RowsMadeAsWritten<R> {
  readonly count: number;
  row(index: number): R;
}

/** Rows as an array, or made as they are written. */
export type RowSource<R> = readonly R[] | RowsMadeAsWritten<R>;

/**
 * How many rows, and the i-th: made on each call when `rows` makes them (`madeAsWritten`), so read each
 * one once — except the first, kept once made (a statement reads it for its columns before it writes it).
 */
export const rowsOf = <R>(
  rows: RowSource<R>,
): { readonly count: number; readonly at: (index: number) => R; readonly madeAsWritten: boolean } => {
  if (isArray(rows)) return { count: rows.length, at: (i) => rows[i]!, madeAsWritten: false };
  let first: R | undefined;
  const at = (i: number): R => {
    if (i !== 0) return rows.row(i);
    first ??= rows.row(0);
    return first;
  };
  return { count: rows.count, at, madeAsWritten: true };
};

/** All the rows in an array (made now, when `rows` makes them). */
export const rowArray = <R>(rows: RowSource<R>): readonly R[] =>
  isArray(rows) ? rows : Array.from({ length: rows.count }, (_, i) => rows.row(i));

const isArray = <R>(rows: RowSource<R>): rows is readonly R[] => Array.isArray(rows);
