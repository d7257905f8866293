import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import SQLite from 'better-sqlite3';
import { sql } from 'kysely';
import { openDatabase } from '../../src/db/database.ts';

// db/database.ts: a SQLite database created by Mailroom has 16 KB pages (a listed message's source fits in
// one); one that exists already keeps its pages and its data (SQLite changes them only by a VACUUM).

const dir = mkdtempSync(join(tmpdir(), 'mailroom-sqlite-pages-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const pageSize = async (file: string) => {
  const db = openDatabase({ kind: 'sqlite', file });
  try {
    return (await sql<{ page_size: number }>`pragma page_size`.execute(db)).rows[0]?.page_size;
  } finally {
    await db.destroy();
  }
};

test('a new SQLite database has 16 KB pages', async () => {
  const file = join(dir, 'new.db');
  assert.equal(await pageSize(file), 16384);
  // Opened again, as after a restart.
  assert.equal(await pageSize(file), 16384);
});

test('a database created before keeps its 4 KB pages and its rows', async () => {
  const file = join(dir, 'old.db');
  const before = new SQLite(file);
  before.pragma('journal_mode = WAL');
  before.exec(`create table kept (id integer primary key, source blob)`);
  before.prepare('insert into kept (source) values (?)').run(Buffer.alloc(6000, 'x'));
  before.close();
  assert.equal(await pageSize(file), 4096);
  const db = openDatabase({ kind: 'sqlite', file });
  try {
    const { rows } = await sql<{ n: number; bytes: number }>`
      select count(*) as n, sum(length(source)) as bytes from kept`.execute(db);
    assert.deepEqual(rows[0], { n: 1, bytes: 6000 });
  } finally {
    await db.destroy();
  }
});
