import { CompiledQuery, type Insertable } from 'kysely';
import type pg from 'pg';
import type { Db } from './database.ts';
import type { ColumnType } from './json-insert.ts';
import { type RowSource, rowsOf } from './row-source.ts';
import type { Database } from './schema.ts';

/**
 * PostgreSQL: inserts `rows` by `COPY … FROM STDIN (FORMAT binary)`. The listing's batches of 1,000 rows
 * spent their time in statements whose rows PostgreSQL reads from JSON (json-insert.ts): COPY takes them
 * in its own binary format, with no text to parse, no plan, and the heap written many rows at a time; a
 * raw source goes to the socket as it came from the FETCH, never joined into one parameter. No `on conflict`
 * (COPY has none): for rows that are new. Columns are the first row's (names from the code, never input);
 * `types` as jsonInsert's, a column not named is text.
 */
export const copyRows = async <T extends keyof Database & string>(
  trx: Db,
  table: T,
  rows: RowSource<Insertable<Database[T]>>,
  types: Partial<Record<keyof Database[T] & string, ColumnType>>,
): Promise<void> => {
  const { count, at } = rowsOf(rows);
  if (count === 0) return;
  // The first row names the columns (rowsOf keeps it for the COPY: a row made as written is made once).
  const columns = Object.keys(at(0)) as (keyof Database[T] & string)[];
  const data = encodeRows(
    count,
    (i) => at(i) as Record<string, unknown>,
    columns,
    columns.map((c) => types[c] ?? 'text'),
  );
  const quoted = columns.map((c) => `"${c}"`).join(', ');
  await trx.executeQuery(
    CompiledQuery.raw(`copy "${table}" (${quoted}) from stdin (format binary)`, [new CopyData(data)]),
  );
};

/** The rows of a COPY, as the pool's clients recognise them among a query's values (patchForCopy). */
export class CopyData {
  constructor(readonly chunks: readonly Buffer[]) {}
}

/** "PGCOPY\n\377\r\n\0", then the flags and the header extension's length (both 0). */
const SIGNATURE = Buffer.from([
  0x50, 0x47, 0x43, 0x4f, 0x50, 0x59, 0x0a, 0xff, 0x0d, 0x0a, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
]);
const TRAILER = Buffer.from([0xff, 0xff]);
/** Encoded fields are gathered into chunks of about this size; a bytea value larger than it goes alone. */
const CHUNK_BYTES = 64 * 1024;

/**
 * The binary COPY format (PostgreSQL's "COPY", File Formats): a tuple is its field count (int16), then each
 * field as its length (int32, -1 for null) and its bytes in the type's binary form: text as UTF-8, integer
 * and bigint big-endian, bytea as it is.
 */
const encodeRows = (
  count: number,
  rowAt: (index: number) => Record<string, unknown>,
  columns: readonly string[],
  types: readonly ColumnType[],
): Buffer[] => {
  const chunks: Buffer[] = [SIGNATURE];
  let chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let at = 0;
  const room = (bytes: number): void => {
    if (at + bytes <= chunk.length) return;
    if (at > 0) chunks.push(chunk.subarray(0, at));
    chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, bytes));
    at = 0;
  };
  for (let r = 0; r < count; r++) {
    const row = rowAt(r);
    room(2);
    at = chunk.writeInt16BE(columns.length, at);
    for (let i = 0; i < columns.length; i++) {
      const value = row[columns[i]!];
      if (value === null || value === undefined) {
        room(4);
        at = chunk.writeInt32BE(-1, at);
        continue;
      }
      switch (types[i]!) {
        case 'integer':
          room(8);
          at = chunk.writeInt32BE(4, at);
          at = chunk.writeInt32BE(value as number, at);
          break;
        case 'bigint':
          room(12);
          at = chunk.writeInt32BE(8, at);
          at = chunk.writeBigInt64BE(BigInt(value as number), at);
          break;
        case 'bytea': {
          const bytes = value as Buffer;
          room(4);
          at = chunk.writeInt32BE(bytes.length, at);
          // The source itself joins the chunks: no copy of it here.
          chunks.push(chunk.subarray(0, at), bytes);
          chunk = chunk.subarray(at);
          at = 0;
          break;
        }
        default: {
          const text = String(value);
          const length = Buffer.byteLength(text);
          room(4 + length);
          at = chunk.writeInt32BE(length, at);
          at += chunk.write(text, at);
        }
      }
    }
  }
  room(2);
  at = TRAILER.copy(chunk, at) + at;
  chunks.push(chunk.subarray(0, at));
  return chunks;
};

/** What pg's client calls on a query object it runs (a "submittable"), for COPY … FROM STDIN. */
class CopyIn {
  private settle: { resolve: () => void; reject: (error: unknown) => void } | null = null;
  readonly done = new Promise<void>((resolve, reject) => {
    this.settle = { resolve, reject };
  });

  constructor(
    private readonly text: string,
    private readonly data: CopyData,
  ) {}

  submit(connection: PgConnection): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: PgConnection): void {
    for (const chunk of this.data.chunks) connection.sendCopyFromChunk(chunk);
    connection.endCopyFrom();
  }

  handleReadyForQuery(): void {
    this.settle?.resolve();
    this.settle = null;
  }

  /**
   * The server's ErrorResponse (the client reads its ReadyForQuery on its own) or the connection's end:
   * either way the COPY failed, and the caller's transaction with it.
   */
  handleError(error: unknown): void {
    this.settle?.reject(error);
    this.settle = null;
  }

  handleCommandComplete(): void {}
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}

/** The part of pg's connection a COPY uses. */
interface PgConnection {
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
}

/**
 * Lets a pool client run a COPY that Kysely sends as a query whose one value is a CopyData (Kysely only
 * passes text and values to the client): the rows go by the COPY sub-protocol, and Kysely gets a result
 * without rows.
 */
export const patchForCopy = (client: pg.PoolClient): void => {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (...args: unknown[]) => {
    const [text, values] = args;
    if (typeof text === 'string' && Array.isArray(values) && values[0] instanceof CopyData) {
      const copy = new CopyIn(text, values[0]);
      query(copy);
      return copy.done.then(() => ({ command: 'COPY', rowCount: null, rows: [] }));
    }
    return query(...args);
  };
};
