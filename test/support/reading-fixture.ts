import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type RunningEmulator, startEmulator } from '../../emulator/start.ts';
import type { DbKind } from '../../src/db/database.ts';
import { findMailbox } from '../../src/mailboxes/repository.ts';
import { syncMailbox } from '../../src/sync/sync-mailbox.ts';
import { createApiToken } from '../../src/users/api-tokens.ts';
import { findUserByEmail } from '../../src/users/users.repository.ts';
import { STAFF, startTestApp, type TestApp } from './app.ts';
import { control } from './control.ts';
import { inEmulatorFolder } from './mail-token.ts';
import {
  configureForMail,
  connectThroughMicrosoft,
  createDemoPeople,
  MEGAN,
  mailboxIdOf,
  mailroomBrowser,
} from './mailbox-setup.ts';
import { readingMessages } from './reading-messages.ts';

export interface ReadingWorld {
  readonly emu: RunningEmulator;
  readonly app: TestApp;
  readonly mailboxId: string;
  /** Megan's API token; `staffToken` is another staff member's, who may not read her mailbox. */
  readonly meganToken: string;
  readonly staffToken: string;
  readonly browser: Awaited<ReturnType<typeof mailroomBrowser>>;
  /** The PDF attachment's bytes, to compare byte for byte. */
  readonly pdf: Buffer;
  sync(): Promise<void>;
  stop(): Promise<void>;
}

/** The seeded mail: 20 generated messages and the special ones (reading-messages.ts), in INBOX and Archive. */
const seedMail = async (emu: RunningEmulator, pdf: Buffer, pixel: string): Promise<void> => {
  const { inbox, archive } = readingMessages(pdf, pixel);
  const seed = (body: Record<string, unknown>) =>
    control(emu, 'POST', '/mail/seed', { address: MEGAN, ...body });
  assert.equal((await seed({ folder: 'INBOX', count: 20 })).status, 201);
  // INTERNALDATE has whole seconds: the special messages arrive a second later, the thread's end later still.
  await sleep(1100);
  assert.equal((await seed({ folder: 'INBOX', messages: inbox })).status, 201);
  await sleep(1100);
  assert.equal((await seed({ folder: 'Archive', messages: archive })).status, 201);
};

/** Mailroom and the emulator, Megan's mailbox connected (INBOX and Archive) and synced. */
export const startReadingWorld = async (kind: DbKind, pixel = 'http://127.0.0.1:9/pixel.png') => {
  const emu = await startEmulator();
  const app = await startTestApp(kind, { MAILROOM_EXTRA_CA_FILE: emu.tls.caPath });
  await configureForMail(emu, app);
  await createDemoPeople(app);
  const db = app.mailroom.deps.db;
  const meganToken = await createApiToken(db, (await findUserByEmail(db, MEGAN))!.id, 'megan');
  const staffToken = await createApiToken(db, (await findUserByEmail(db, STAFF.email))!.id, 'staff');
  const browser = await mailroomBrowser(emu, app, MEGAN);
  const mailboxId = mailboxIdOf(await connectThroughMicrosoft(browser, app, MEGAN));
  const selected = await fetch(`${app.url}/api/mailboxes/${mailboxId}/folders`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${meganToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ selected: ['INBOX', 'Archive'] }),
  });
  assert.equal(selected.status, 200);
  const pdf = randomBytes(5000);
  await seedMail(emu, pdf, pixel);
  const sync = async () => {
    await syncMailbox(app.mailroom.deps, (await findMailbox(db, mailboxId))!);
  };
  await sync();
  const world: ReadingWorld = {
    emu,
    app,
    mailboxId,
    meganToken,
    staffToken,
    browser,
    pdf,
    sync,
    async stop() {
      await app.stop();
      await emu.stop();
    },
  };
  return world;
};

/** The flags the server holds for one copy, read as Megan with imapflow. */
export const serverFlags = async (emu: RunningEmulator, folder: string, uid: number): Promise<Set<string>> =>
  inEmulatorFolder(emu, MEGAN, folder, async (client) => {
    const message = await client.fetchOne(String(uid), { flags: true }, { uid: true });
    return new Set(message ? message.flags : []);
  });

/** Waits (up to 10 s) until the server's copy has, or has not, `flag`: the write-back runs in the background. */
export const untilServerFlag = async (
  emu: RunningEmulator,
  copy: { path: string; uid: number },
  flag: string,
  present: boolean,
): Promise<void> => {
  for (let i = 0; i < 100; i++) {
    if ((await serverFlags(emu, copy.path, copy.uid)).has(flag) === present) return;
    await sleep(100);
  }
  assert.fail(`${flag} never became ${present ? 'set' : 'unset'} on ${copy.path} UID ${copy.uid}`);
};
