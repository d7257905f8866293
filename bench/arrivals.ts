// bench/arrivals.ts: how long mail arriving in a watched Inbox takes to be listed in the API (issue 12:
// 10,000 messages in < 5 s, one message in < 1 s). The emulator runs in a child process; Mailroom here
// with its workers (IDLE on the Inbox enqueues the sync). Timed from the delivery request to the last
// message listed (its batch committed); the delivery's own time (the emulator writing the Maildir) is
// printed beside it, and the time from the delivery's end (Mailroom's part; it includes waiting for
// Dovecot to tell the IDLE session, up to ~0.5 s after the first file).
// Run: [MAILROOM_ARRIVAL_SYNC=job] npx tsx bench/arrivals.ts [messages] [sqlite|postgres]
// (job: the path from before arrivals were listed on the watching session)

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { destination } from 'pino';
import { startWorkers } from '../src/jobs/workers.ts';
import { createLogger } from '../src/log/logger.ts';
import { findMailbox } from '../src/mailboxes/repository.ts';
import { runMailboxSync } from '../src/sync/run-sync.ts';
import { control } from '../test/support/control.ts';
import {
  configureForMail,
  connectThroughMicrosoft,
  createDemoPeople,
  MEGAN,
  mailboxIdOf,
  mailroomBrowser,
} from '../test/support/mailbox-setup.ts';
import { startBesideEmulator } from './emulator-process.ts';
import { breakdown, readTimings } from './scale/breakdown.ts';

const many = Number(process.argv[2] ?? 10_000);
const kind = (process.argv[3] ?? 'sqlite') as 'sqlite' | 'postgres';

const arrivalSync = process.env.MAILROOM_ARRIVAL_SYNC === 'job' ? 'job' : 'watch';
const { child, emu, app } = await startBesideEmulator(kind, { MAILROOM_ARRIVAL_SYNC: arrivalSync });
const timingLog = join(mkdtempSync(join(tmpdir(), 'mailroom-arrivals-')), 'workers.log');
const deps = app.mailroom.deps;
let workers: Awaited<ReturnType<typeof startWorkers>> | null = null;
try {
  await configureForMail(emu, app);
  await createDemoPeople(app);
  const mailboxId = mailboxIdOf(
    await connectThroughMicrosoft(await mailroomBrowser(emu, app, MEGAN), app, MEGAN),
  );
  // The Inbox synced once, then watched.
  while ((await runMailboxSync(deps, mailboxId)).kind === 'busy') await sleep(100);
  // The workers log each arrival round's steps (`arrival.timing`, debug) to a file, for the breakdown.
  workers = await startWorkers(
    { ...deps, log: createLogger('debug', destination({ dest: timingLog, sync: true })) },
    deps.config,
    {
      sweepAtStart: false,
    },
  );
  const inInbox = async () =>
    Number(
      (
        await deps.db
          .selectFrom('message_locations')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('mailbox_id', '=', mailboxId)
          .where('path', '=', 'INBOX')
          .executeTakeFirstOrThrow()
      ).n,
    );
  /** Delivers `count` messages to the Inbox; ms from the request until all are listed. */
  const arrive = async (count: number) => {
    const before = await inInbox();
    const started = performance.now();
    const sentAt = Date.now();
    const seeded = await control(emu, 'POST', '/mail/seed', { address: MEGAN, folder: 'INBOX', count });
    if (seeded.status !== 201) throw new Error(`delivery failed: ${seeded.status}`);
    const deliveredMs = performance.now() - started;
    let firstMs: number | null = null;
    for (let listed = await inInbox(); listed < before + count; listed = await inInbox()) {
      if (firstMs === null && listed > before) firstMs = performance.now() - started;
      if (performance.now() - started > 120_000) throw new Error('not listed within 120 s');
      await sleep(10);
    }
    const listedMs = performance.now() - started;
    return { listedMs, deliveredMs, firstMs: firstMs ?? listedMs, sentAt, listedAt: Date.now() };
  };
  // The watcher's IDLE session is up once the mailbox shows as watched; give it a moment either way.
  await sleep(2000);
  if (!(await findMailbox(deps.db, mailboxId))?.connected) throw new Error('the mailbox is not connected');
  const one = await arrive(1);
  await sleep(1000);
  const bulk = await arrive(many);
  console.log(`arrivals in a watched Inbox, ${kind}, emulator in a child process (pid ${child.pid})`);
  console.log(
    `1 message: listed ${one.listedMs.toFixed(0)} ms after its delivery began (delivery ${one.deliveredMs.toFixed(0)} ms)`,
  );
  console.log(
    `${many} messages: listed ${bulk.listedMs.toFixed(0)} ms after their delivery began (delivery ${bulk.deliveredMs.toFixed(0)} ms; the first listed at ${bulk.firstMs.toFixed(0)} ms)`,
  );
  console.log(
    `${many} messages: listed ${(bulk.listedMs - bulk.deliveredMs).toFixed(0)} ms after their delivery ended (Mailroom's part)`,
  );
  // A round's record is written when it ends ('listed': a round that lists the new mail alone).
  const over = (r: { outcome: string }) => r.outcome === 'synced' || r.outcome === 'listed';
  const roundsOf = (bulk: { sentAt: number; listedAt: number }) =>
    readTimings(timingLog).filter((t) => t.seenAt >= bulk.sentAt && t.seenAt <= bulk.listedAt);
  for (let i = 0; i < 100 && !roundsOf(bulk).some(over); i++) await sleep(100);
  const timings = readTimings(timingLog);
  console.log(
    `1 message (arrivals listed by ${deps.config.sync.arrivalSync === 'job' ? 'jobs' : 'the watching session'}):`,
  );
  for (const line of breakdown([{ mailboxId, sentAt: one.sentAt, listedAt: one.listedAt }], timings))
    console.log(`  ${line}`);
  const rounds = roundsOf(bulk);
  console.log(`${many} messages:`);
  for (const line of breakdown([{ mailboxId, sentAt: bulk.sentAt, listedAt: bulk.listedAt }], timings))
    console.log(`  ${line}`);
  console.log(
    `${many} messages: ${rounds.length} rounds (${rounds.map((r) => `${r.outcome} ${r.done} ms`).join(', ')})`,
  );
} finally {
  await workers?.stop();
  await app.stop();
  await child.stop();
}
