import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ConfigError, parseConfig } from './config.ts';
import { startWorkers } from './jobs/workers.ts';
import { createLogger } from './log/logger.ts';
import { buildDeps, openMigratedDatabase, startMailroom } from './main.ts';
import { dataBlobStore } from './messages/blob-store.ts';
import { sweepBlobs } from './messages/blob-sweep.ts';
import { generateSecretKey, SecretBoxError } from './secrets/secret-box.ts';
import { rotateCommand, statusCommand } from './secrets/secrets-command.ts';
import { createApiToken } from './users/api-tokens.ts';
import { createUser, UserError } from './users/create-user.ts';
import { findUserByEmail } from './users/users.repository.ts';

const HELP = `Usage: mailroom <command> [options]

Commands:
  serve                       start the web server (migrates the database first); with
                              MAILROOM_SERVE_WORKERS=true (the default) it also syncs mail and
                              retries sending
  worker                      sync mail and send: runs the jobs web processes enqueue (Sync now,
                              sending), the scheduled sweep, IDLE and the outbox, no web server
  migrate                     bring the database schema up to date and exit
  user create --email E --name N [--admin] [--password-stdin]
                              create a user (staff unless --admin); without --password-stdin a
                              random password is generated and printed once
  api-token create --user E [--name N]
                              create an API token for a user; it is printed once
  secrets generate-key        print a new key for MAILROOM_SECRET_KEY (a comma-separated list, the
                              current key first; the others still open what they sealed)
  secrets rotate              re-encrypt the client secret, the certificate's private key and every
                              token under the newest key while servers run (adds a key to the data
                              folder's keyring; with MAILROOM_SECRET_KEY, its first key is the newest)
  secrets status              how many encrypted values each key holds
  blobs sweep [--older-than-hours N]
                              delete attachment and message files no message names any more, older
                              than N hours (24); workers do this every 6 hours by themselves

Configuration comes from the environment: MAILROOM_ENV, HOST, PORT, MAILROOM_PUBLIC_URL, DATABASE_URL
(unset: SQLite in MAILROOM_DATA_DIR, default ./data), MAILROOM_DATABASE_POOL, MAILROOM_SECRET_KEY, MAILROOM_EXTRA_CA_FILE,
MAILROOM_LOG_LEVEL, MAILROOM_SESSION_IDLE_MINUTES, MAILROOM_SESSION_MAX_HOURS, MAILROOM_SYNC_INTERVAL_SECONDS,
MAILROOM_SYNC_CONCURRENCY, MAILROOM_ARRIVAL_CONCURRENCY, MAILROOM_ARRIVAL_SYNC, MAILROOM_ARRIVAL_ROUNDS,
MAILROOM_IDLE_CONNECTIONS (per worker), MAILROOM_WATCH_LEASE_SECONDS, MAILROOM_POLL_SECONDS,
MAILROOM_GRAPH_WATCH_SECONDS, MAILROOM_SERVE_WORKERS, MAILROOM_LEASE_SECONDS, MAILROOM_PARSE_WORKERS,
MAILROOM_NODE_FLAGS (V8 flags bin/mailroom gives node; default --heap-growing-percent=20 --single-threaded-gc),
MAILROOM_SEND_MAX_ATTACHMENTS_MB,
MAILROOM_SEND_RETRY_SECONDS, MAILROOM_SEND_MAX_ATTEMPTS, MAILROOM_METRICS_TOKEN, MAILROOM_TRUST_PROXY,
MAILROOM_ALLOW_CUSTOM_AUTHORITY, MAILROOM_WEBHOOKS_ALLOW_PRIVATE (true: webhooks may go to private,
loopback and link-local addresses), MAILROOM_WEBHOOKS_CA_FILE (CAs trusted for webhook receivers). See the README.
`;

const readStdin = async (): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
};

const run = async (argv: string[]): Promise<number> => {
  const [command, sub] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(HELP);
    return command ? 0 : 2;
  }
  if (command === 'secrets' && sub === 'generate-key') {
    process.stdout.write(`${generateSecretKey()}\n`);
    return 0;
  }
  const config = parseConfig(process.env);
  const log = createLogger(config.logLevel);
  if (command === 'serve') {
    const running = await startMailroom(config, { log });
    const workers = config.sync.inServe ? await startWorkers(running.deps, config) : null;
    const stop = async () => {
      await workers?.stop();
      await running.stop();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return -1;
  }
  if (command === 'worker') {
    const deps = await buildDeps(config, { log });
    const workers = await startWorkers(deps, config);
    const stop = async () => {
      await workers.stop();
      await deps.db.destroy();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return -1;
  }
  const db = await openMigratedDatabase(config, log);
  try {
    if (command === 'migrate') {
      process.stdout.write('The database schema is up to date.\n');
      return 0;
    }
    if (command === 'user' && sub === 'create') {
      const { values } = parseArgs({
        args: argv.slice(2),
        options: {
          email: { type: 'string' },
          name: { type: 'string' },
          admin: { type: 'boolean', default: false },
          'password-stdin': { type: 'boolean', default: false },
        },
      });
      const generated = values['password-stdin'] ? null : randomBytes(12).toString('base64url');
      const password = generated ?? (await readStdin());
      const user = await createUser(db, {
        email: values.email ?? '',
        displayName: values.name ?? values.email?.split('@')[0] ?? '',
        password,
        role: values.admin ? 'administrator' : 'staff',
      });
      process.stdout.write(`Created ${user.role} ${user.email}.\n`);
      if (generated) process.stdout.write(`Password (shown once): ${generated}\n`);
      return 0;
    }
    if (command === 'blobs' && sub === 'sweep') {
      const { values } = parseArgs({
        args: argv.slice(2),
        options: { 'older-than-hours': { type: 'string', default: '24' } },
      });
      const hours = Number(values['older-than-hours']);
      if (!Number.isFinite(hours) || hours < 1) {
        process.stderr.write('--older-than-hours takes a number of hours, at least 1.\n');
        return 2;
      }
      const blobs = dataBlobStore(config.dataDir);
      const result = await sweepBlobs(db, blobs, { graceMs: hours * 3600_000 });
      process.stdout.write(
        `Examined ${result.examined} blobs; removed ${result.removed} no message names any more, and ${result.temporaries} stale temporary files.\n`,
      );
      return 0;
    }
    if (command === 'secrets' && (sub === 'rotate' || sub === 'status')) {
      const { text, exitCode } = await (sub === 'rotate' ? rotateCommand : statusCommand)(config, db);
      process.stdout.write(text);
      return exitCode;
    }
    if (command === 'api-token' && sub === 'create') {
      const { values } = parseArgs({
        args: argv.slice(2),
        options: { user: { type: 'string' }, name: { type: 'string' } },
      });
      const user = values.user ? await findUserByEmail(db, values.user) : undefined;
      if (!user) {
        process.stderr.write(`mailroom: no user with the e-mail ${values.user ?? '(missing --user)'}.\n`);
        return 1;
      }
      const token = await createApiToken(db, user.id, values.name ?? 'cli');
      process.stdout.write(
        `API token for ${user.email} (shown once; send it as "Authorization: Bearer <token>"):\n${token}\n`,
      );
      return 0;
    }
    process.stderr.write(`mailroom: unknown command "${argv.join(' ')}".\n\n${HELP}`);
    return 2;
  } finally {
    await db.destroy();
  }
};

run(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: Error) => {
    if (error instanceof ConfigError || error instanceof UserError || error instanceof SecretBoxError)
      process.stderr.write(`mailroom: ${error.message}\n`);
    else process.stderr.write(`mailroom: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
