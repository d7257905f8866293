// `--in-process`: Mailroom started inside the benchmark's own process (tsx, the test helpers and all), the
// sync called directly. Not what an operator runs, and its RSS includes the benchmark's: kept for the main
// thread's CPU profile (`--profile`) and for reading the heap (process.memoryUsage) beside the RSS.
import { runMailboxSync } from '../../src/sync/run-sync.ts';
import { createApiToken } from '../../src/users/api-tokens.ts';
import { findUserByEmail } from '../../src/users/users.repository.ts';
import type { DbKind } from '../../test/support/databases.ts';
import {
  configureForMail,
  connectThroughMicrosoft,
  createDemoPeople,
  MEGAN,
  mailboxIdOf,
  mailroomBrowser,
} from '../../test/support/mailbox-setup.ts';
import { startBesideEmulator } from '../emulator-process.ts';
import type { SyncTarget } from './target.ts';

export const startInProcessTarget = async (
  kind: DbKind,
  extraEnv: Record<string, string>,
): Promise<SyncTarget> => {
  const { url, child, emu, app } = await startBesideEmulator(kind, extraEnv);
  const { deps } = app.mailroom;
  const stop = async () => {
    await app.stop();
    await child.stop();
  };
  try {
    await configureForMail(emu, app);
    await createDemoPeople(app);
    const mailboxId = mailboxIdOf(
      await connectThroughMicrosoft(await mailroomBrowser(emu, app, MEGAN), app, MEGAN),
    );
    let fail: (error: Error) => void = () => undefined;
    const failed = new Promise<never>((_, reject) => {
      fail = reject;
    });
    failed.catch(() => undefined); // observed by the benchmark through `failed`
    return {
      description: `this process (pid ${process.pid}: tsx, the benchmark and Mailroom)`,
      pid: process.pid,
      inProcess: true,
      url,
      emu,
      emulatorPid: child.pid,
      db: deps.db,
      mailboxId,
      apiToken: await createApiToken(deps.db, (await findUserByEmail(deps.db, MEGAN))!.id, 'bench'),
      imapToken: (upn) => child.token(upn),
      async syncNow() {
        // What a worker's job does, without the queue (no workers run here): progress is read from the
        // database as for a worker.
        void runMailboxSync(deps, mailboxId).then((outcome) => {
          if (outcome.kind !== 'synced') fail(new Error(`the in-process sync ended ${outcome.kind}`));
        }, fail);
      },
      failed,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
};
