import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export type DbKind = 'sqlite' | 'postgres';

/** Every test of the application runs on both databases (the suite must pass on both). */
export const DATABASES: readonly DbKind[] = ['sqlite', 'postgres'];

/** Where the tests reach PostgreSQL; scripts/setup.sh makes sure it runs and knows this user. */
const ADMIN_URL =
  process.env.MAILROOM_TEST_PG_URL ??
  `postgresql://${encodeURIComponent(userInfo().username)}@localhost/postgres?host=/var/run/postgresql`;

export interface TestDatabase {
  readonly kind: DbKind;
  /** Environment for Mailroom's config: DATABASE_URL for PostgreSQL, MAILROOM_DATA_DIR always. */
  readonly env: Record<string, string>;
  readonly dataDir: string;
  drop(): Promise<void>;
}

/** A fresh, empty database: a SQLite file in a temporary folder, or a new PostgreSQL database. */
export const createTestDatabase = async (kind: DbKind): Promise<TestDatabase> => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mailroom-test-'));
  if (kind === 'sqlite') {
    return {
      kind,
      env: { MAILROOM_DATA_DIR: dataDir },
      dataDir,
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const name = `mailroom_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  return {
    kind,
    env: { MAILROOM_DATA_DIR: dataDir, DATABASE_URL: databaseUrl },
    dataDir,
    async drop() {
      const client = new pg.Client({ connectionString: ADMIN_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
};
