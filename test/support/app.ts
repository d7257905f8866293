import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import { parseConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log/logger.ts';
import { type RunningMailroom, startMailroom } from '../../src/main.ts';
import { createUser } from '../../src/users/create-user.ts';
import { createTestDatabase, type DbKind, type TestDatabase } from './databases.ts';

export interface TestApp {
  readonly mailroom: RunningMailroom;
  readonly url: string;
  readonly db: TestDatabase;
  /** Every log line Mailroom wrote, for checks that no secret reached the logs. */
  readonly logs: string[];
  stop(): Promise<void>;
}

export const ADMIN = {
  email: 'admin@mailroom.test',
  password: 'admin-password-123',
  displayName: 'Ada Admin',
};
export const STAFF = {
  email: 'staff@mailroom.test',
  password: 'staff-password-123',
  displayName: 'Sam Staff',
};

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

/** Mailroom on a fresh database of the given kind, on a free port, with an administrator and a staff member. */
export const startTestApp = async (
  kind: DbKind,
  env: Record<string, string> = {},
  options: { users?: boolean } = {},
): Promise<TestApp> => {
  const db = await createTestDatabase(kind);
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const port = await freePort();
  const config = parseConfig({
    MAILROOM_ENV: 'test',
    PORT: String(port),
    MAILROOM_PUBLIC_URL: `http://127.0.0.1:${port}`,
    MAILROOM_LOG_LEVEL: 'debug',
    ...db.env,
    ...env,
  });
  const mailroom = await startMailroom(config, { log: createLogger('debug', sink) });
  if (options.users !== false) {
    await createUser(mailroom.deps.db, { ...ADMIN, role: 'administrator' });
    await createUser(mailroom.deps.db, { ...STAFF, role: 'staff' });
  }
  return {
    mailroom,
    url: mailroom.url,
    db,
    logs,
    async stop() {
      await mailroom.stop();
      await db.drop();
    },
  };
};
