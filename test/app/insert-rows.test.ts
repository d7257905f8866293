import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { parseConfig } from '../../src/config.ts';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { insertRows } from '../../src/db/insert-rows.ts';
import { createTestDatabase, DATABASES, type TestDatabase } from '../support/databases.ts';

// insertRows with rows made as they are written (db/row-source.ts), as the listing writes its batches: each
// row made once, all of them stored as made, whichever statement carries them — SQLite's VALUES a few
// hundred rows at a time, PostgreSQL's COPY from a hundred rows, its JSON statement below that.

interface ProbeRow {
  id: string;
  label: string | null;
  n: number;
  bytes: Buffer | null;
}

for (const kind of DATABASES) {
  describe(`rows made as written on ${kind}`, () => {
    let testDb: TestDatabase;
    let db: Db;
    // A table of the test's own, typed as one of Mailroom's for the function's signature.
    const table = 'insert_probe' as 'message_sources';
    const stored = async (): Promise<ProbeRow[]> =>
      (await sql<ProbeRow>`select id, label, n, bytes from insert_probe order by id`.execute(db)).rows;

    before(async () => {
      testDb = await createTestDatabase(kind);
      db = openDatabase(parseConfig({ MAILROOM_ENV: 'test', ...testDb.env }).database);
      await sql
        .raw(
          `create table insert_probe (id text primary key, label text, n integer, bytes ${kind === 'postgres' ? 'bytea' : 'blob'})`,
        )
        .execute(db);
    });
    after(async () => {
      await db?.destroy();
      await testDb?.drop();
    });

    for (const count of [1, 99, 100, 200, 201, 1_000, 1_213, 1_500]) {
      test(`${count} rows, each made once and stored as made`, async () => {
        await sql`delete from insert_probe`.execute(db);
        const made: number[] = [];
        const row = (i: number): ProbeRow => {
          made.push(i);
          return {
            id: `r${String(i).padStart(5, '0')}`,
            label: i % 7 === 0 ? null : `row ${i} “${'ü'.repeat(i % 5)}”`,
            n: i,
            bytes: i % 3 === 0 ? null : Buffer.from(`source ${i}`),
          };
        };
        await db
          .transaction()
          .execute((trx) =>
            insertRows(
              trx,
              table,
              { count, row: row as never },
              { types: { n: 'integer', bytes: 'bytea' } as never },
            ),
          );
        assert.deepEqual(
          made,
          Array.from({ length: count }, (_, i) => i),
          'each row made once, in order',
        );
        const rows = await stored();
        assert.equal(rows.length, count);
        for (const [i, r] of rows.entries()) {
          const expected = row(i);
          assert.equal(r.id, expected.id);
          assert.equal(r.label, expected.label);
          assert.equal(Number(r.n), expected.n);
          assert.deepEqual(r.bytes === null ? null : Buffer.from(r.bytes), expected.bytes);
        }
      });
    }

    test('a failed statement rolls the whole batch back', async () => {
      await sql`delete from insert_probe`.execute(db);
      // Row 450 repeats row 10's key: on SQLite the third statement of 200 fails, after two have run.
      const row = (i: number): ProbeRow => ({ id: `r${i === 450 ? 10 : i}`, label: null, n: i, bytes: null });
      await assert.rejects(
        db
          .transaction()
          .execute((trx) =>
            insertRows(trx, table, { count: 600, row: row as never }, { types: { n: 'integer' } as never }),
          ),
      );
      assert.equal((await stored()).length, 0);
    });
  });
}
