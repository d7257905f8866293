import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import { parseConfig } from '../../src/config.ts';
import { type Db, openDatabase } from '../../src/db/database.ts';
import { insertMailbox } from '../../src/mailboxes/repository.ts';
import { writeTokens } from '../../src/mailboxes/token-store.ts';
import { MAILBOX_SCOPES } from '../../src/microsoft/redirect-uris.ts';
import { loadMicrosoftSettings } from '../../src/microsoft/settings.ts';
import { tokenOriginOf } from '../../src/microsoft/token-origin.ts';
import { createApiToken } from '../../src/users/api-tokens.ts';
import { startTestApp, type TestApp } from '../support/app.ts';
import { control } from '../support/control.ts';
import { DATABASES } from '../support/databases.ts';
import { configureForMail } from '../support/mailbox-setup.ts';
import { signInAndGetTokens } from '../support/oauth-flow.ts';
import { selectInbox } from '../support/token-mailbox.ts';
import { waitFor } from '../support/wait-for.ts';

const MESSAGES = 4000;
/** The leases' lifetime in these processes: short, so the take-over is seen without waiting 30 s. */
const LEASE_SECONDS = 5;

/** `mailroom <command>` as its own process (node with tsx's loader: one process, so SIGKILL kills it). */
const mailroom = (command: string, env: Record<string, string>): ChildProcess => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', command], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[mailroom ${command}] ${chunk}`));
  return child;
};

const stopGently = async (child: ChildProcess) => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
};

for (const kind of DATABASES) {
  describe(`a serve process killed mid-sync, on ${kind}`, () => {
    let emu: RunningEmulator;
    let app: TestApp;
    let db: Db;
    let env: Record<string, string>;
    let mailboxId: string;
    let apiToken: string;
    const children: ChildProcess[] = [];

    const inbox = async () => {
      const row = await db
        .selectFrom('message_locations')
        .select((eb) => [
          eb.fn.countAll<number | string>().as('n'),
          eb.fn.count<number | string>('message_id').distinct().as('distinct'),
        ])
        .where('mailbox_id', '=', mailboxId)
        .where('path', '=', 'INBOX')
        .executeTakeFirstOrThrow();
      return { stored: Number(row.n), distinct: Number(row.distinct) };
    };
    const lease = () =>
      db.selectFrom('leases').selectAll().where('name', '=', `sync:${mailboxId}`).executeTakeFirst();

    before(async () => {
      emu = await startEmulator();
      app = await startTestApp(kind, { MAILROOM_EXTRA_CA_FILE: emu.tls.caPath });
      await configureForMail(emu, app);
      const deps = app.mailroom.deps;
      const owner = await deps.db.selectFrom('users').select('id').executeTakeFirstOrThrow();
      const upn = `crash@${DEMO.domain}`;
      await control(emu, 'POST', '/users', { tenantId: DEMO.tenantId, upn, password: 'Crash-pass-1' });
      await control(emu, 'POST', '/mail/seed', { address: upn, folder: 'INBOX', count: MESSAGES });
      const tokens = await signInAndGetTokens(emu, upn, 'Crash-pass-1', ['openid', ...MAILBOX_SCOPES]);
      const mailbox = await insertMailbox(deps.db, {
        kind: 'user',
        ownerUserId: owner.id,
        label: null,
        address: upn,
      });
      mailboxId = mailbox.id;
      await writeTokens(deps.db, deps.secrets, mailboxId, {
        accessToken: tokens.accessToken,
        expiresInSeconds: tokens.expiresIn,
        refreshToken: tokens.refreshToken!,
        origin: tokenOriginOf(await loadMicrosoftSettings(deps.db))!,
      });
      await deps.db
        .updateTable('mailboxes')
        .set({ state: 'connected' })
        .where('id', '=', mailboxId)
        .execute();
      await selectInbox(deps.db, mailboxId);
      apiToken = await createApiToken(deps.db, owner.id, 'crash');
      // The database stays; Mailroom now runs as separate processes on it.
      await app.mailroom.stop();
      env = {
        MAILROOM_ENV: 'test',
        ...app.db.env,
        PORT: new URL(app.url).port,
        MAILROOM_PUBLIC_URL: app.url,
        MAILROOM_EXTRA_CA_FILE: emu.tls.caPath,
        MAILROOM_LOG_LEVEL: 'warn',
        MAILROOM_LEASE_SECONDS: String(LEASE_SECONDS),
        MAILROOM_IDLE_CONNECTIONS: '0',
        MAILROOM_SYNC_INTERVAL_SECONDS: '3600',
      };
      db = openDatabase(parseConfig(env).database);
    });
    after(async () => {
      for (const child of children) await stopGently(child);
      await db?.destroy();
      await app?.db.drop();
      await emu?.stop();
    });

    test('started again, it takes the sync over once the dead process’s lease ran out, and finishes it: nothing lost, nothing doubled', async () => {
      const first = mailroom('serve', env);
      children.push(first);
      await waitFor(async () => (await inbox()).stored >= 600, 120_000);
      const exited = once(first, 'exit');
      first.kill('SIGKILL');
      await exited;
      const killedAt = Date.now();
      const atKill = (await inbox()).stored;
      const dead = await lease();
      assert.ok(
        dead && dead.owner !== '' && Date.parse(dead.until) > killedAt,
        'the dead process still holds the lease',
      );
      assert.ok(atKill < MESSAGES, `killed mid-sync (${atKill} of ${MESSAGES})`);

      const second = mailroom('serve', env);
      children.push(second);
      const restartedAt = Date.now();
      await waitFor(async () => (await inbox()).stored > atKill, 30_000);
      const resumedMs = Date.now() - restartedAt;
      const taken = await lease();
      assert.ok(taken && taken.owner !== dead.owner, 'another owner holds the lease');
      assert.ok(
        taken.claimed_at >= dead.until,
        `taken over because the lease ran out (claimed ${taken.claimed_at}, the dead one's ran to ${dead.until})`,
      );
      process.stderr.write(
        `[${kind}] killed at ${atKill}/${MESSAGES}; lease taken ${Date.parse(taken.claimed_at) - killedAt} ms after the kill (${Date.parse(dead.until) - killedAt} ms left on the dead one's), first message stored ${resumedMs} ms after the restart, ${Date.now() - killedAt} ms after the kill (lease ${LEASE_SECONDS} s)\n`,
      );

      const done = await waitFor(
        () =>
          db
            .selectFrom('folder_sync_state')
            .select(['server_messages', 'stored_messages', 'status'])
            .where('mailbox_id', '=', mailboxId)
            .where('path', '=', 'INBOX')
            .where('status', '=', 'idle')
            .executeTakeFirst(),
        180_000,
      );
      const final = await inbox();
      assert.equal(done.server_messages, MESSAGES);
      assert.equal(final.stored, MESSAGES, 'nothing lost');
      assert.equal(final.distinct, MESSAGES, 'nothing doubled');
      await stopGently(second);
    });

    test('Sync now from a web-only process is enqueued, and a worker process runs it', async () => {
      const web = mailroom('serve', { ...env, MAILROOM_SERVE_WORKERS: 'false' });
      const worker = mailroom('worker', { ...env, PORT: '0' });
      children.push(web, worker);
      const subject = `After Sync now ${kind} ${Date.now()}`;
      await control(emu, 'POST', '/mail/seed', {
        address: `crash@${DEMO.domain}`,
        folder: 'INBOX',
        messages: [
          `From: a@example.net\r\nTo: crash@${DEMO.domain}\r\nSubject: ${subject}\r\nMessage-ID: <${Date.now()}.now@example.net>\r\n\r\nHi\r\n`,
        ],
      });
      const response = await waitFor(
        () =>
          fetch(`${app.url}/api/mailboxes/${mailboxId}/sync`, {
            method: 'POST',
            headers: { authorization: `Bearer ${apiToken}` },
          }).catch(() => null),
        30_000,
      );
      assert.equal(response.status, 202);
      await waitFor(
        () => db.selectFrom('messages').select('id').where('subject', '=', subject).executeTakeFirst(),
        30_000,
      );
      assert.equal((await inbox()).distinct, MESSAGES + 1);
    });
  });
}
