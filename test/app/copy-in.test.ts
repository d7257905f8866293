import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { parseConfig } from '../../src/config.ts';
import { copyRows } from '../../src/db/copy-in.ts';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { insertRows } from '../../src/db/insert-rows.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

// PostgreSQL's COPY … FROM STDIN in binary (db/copy-in.ts), which the listing's large batches use: every
// value comes back as it was sent, a refused COPY fails its transaction and leaves the connection usable.
// SQLite has no COPY (insertRows writes VALUES there, tested through the listing on both databases).

interface CopiedRow {
  id: string;
  label: string | null;
  small: number | null;
  big: number | null;
  bytes: Buffer | null;
}

describe('COPY in binary on postgres', () => {
  let testDb: TestDatabase;
  let db: Db;
  // A table of the test's own, typed as one of Mailroom's for the functions' signatures.
  const table = 'copy_probe' as 'message_sources';
  const types = { small: 'integer', big: 'bigint', bytes: 'bytea' } as never;
  const copied = async (): Promise<CopiedRow[]> =>
    (await sql<CopiedRow>`select id, label, small, big, bytes from copy_probe order by id`.execute(db)).rows;

  before(async () => {
    testDb = await createTestDatabase('postgres');
    db = openDatabase(parseConfig({ MAILROOM_ENV: 'test', ...testDb.env }).database);
    await sql`create table copy_probe (id text primary key, label text, small integer, big bigint, bytes bytea)`.execute(
      db,
    );
  });
  after(async () => {
    await db?.destroy();
    await testDb?.drop();
  });

  test('text beyond ASCII, nulls, integers at their bounds, bytes of every value and of every size', async () => {
    await sql`truncate copy_probe`.execute(db);
    const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const rows: CopiedRow[] = [
      {
        id: 'a',
        label: 'Tab\tnewline\n quote " backslash \\ emoji 😀 “curly”',
        small: 0,
        big: 0,
        bytes: every,
      },
      { id: 'b', label: null, small: null, big: null, bytes: null },
      { id: 'c', label: '', small: -2_147_483_648, big: 4_294_967_295, bytes: Buffer.alloc(0) },
      {
        id: 'd',
        label: 'ü'.repeat(40_000),
        small: 2_147_483_647,
        big: 2 ** 53 - 1,
        bytes: Buffer.alloc(300_000, 7),
      },
      ...Array.from({ length: 200 }, (_, i) => ({
        id: `e${String(i).padStart(3, '0')}`,
        label: `row ${i}`,
        small: i,
        big: i * 1_000_000_007,
        bytes: Buffer.from(`source ${i}`),
      })),
    ];
    await db.transaction().execute((trx) => copyRows(trx, table, rows as never, types));
    const back = await copied();
    assert.equal(back.length, rows.length);
    for (const [i, row] of rows.entries())
      assert.deepEqual({ ...back[i]!, bytes: back[i]!.bytes && Buffer.from(back[i]!.bytes) }, row, row.id);
  });

  test('insertRows below a hundred rows (one statement) and above (COPY): every row stored, in order', async () => {
    await sql`truncate copy_probe`.execute(db);
    const rows = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        id: `r${String(from + i).padStart(4, '0')}`,
        label: `row ${from + i}`,
        small: from + i,
        big: null,
        bytes: Buffer.from([from + i]),
      }));
    await insertRows(db, table, rows(0, 99) as never, { types });
    await insertRows(db, table, rows(99, 150) as never, { types });
    const back = await copied();
    assert.equal(back.length, 249);
    assert.deepEqual(
      back.map((r) => r.small),
      Array.from({ length: 249 }, (_, i) => i),
    );
  });

  test('a COPY the server refuses fails its transaction, and the connection goes on serving', async () => {
    await sql`truncate copy_probe`.execute(db);
    await copyRows(db, table, [{ id: 'taken', label: null, small: 1, big: 1, bytes: null }] as never, types);
    const clash = Array.from({ length: 150 }, (_, i) => ({
      id: i === 149 ? 'taken' : `new${i}`,
      label: null,
      small: i,
      big: i,
      bytes: Buffer.alloc(10_000),
    }));
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await sql`insert into copy_probe (id) values ('before')`.execute(trx);
        await copyRows(trx, table, clash as never, types);
      }),
      (e: { code?: string }) => e.code === '23505',
    );
    assert.deepEqual(
      (await copied()).map((r) => r.id),
      ['taken'],
      'nothing of the failed transaction is stored',
    );
    // Every connection of the pool (its default size is more than enough) still answers.
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => sql<{ one: number }>`select 1 as one`.execute(db)),
    );
    assert.ok(answers.every((a) => a.rows[0]?.one === 1));
  });
});
