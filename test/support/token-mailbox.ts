import type { RunningEmulator } from '../../emulator/start.ts';
import { DEMO } from '../../emulator/state/demo-seed.ts';
import type { Db } from '../../src/db/database.ts';
import { insertMailbox } from '../../src/mailboxes/repository.ts';
import { writeTokens } from '../../src/mailboxes/token-store.ts';
import { MAILBOX_SCOPES } from '../../src/microsoft/redirect-uris.ts';
import { loadMicrosoftSettings } from '../../src/microsoft/settings.ts';
import { tokenOriginOf } from '../../src/microsoft/token-origin.ts';
import type { TestApp } from './app.ts';
import { control } from './control.ts';
import { signInAndGetTokens } from './oauth-flow.ts';

/** Lists the mailbox's Inbox as a folder to sync, as Retrieve folders does the first time. */
export const selectInbox = async (db: Db, mailboxId: string): Promise<void> => {
  await db
    .insertInto('mailbox_folders')
    .values({
      mailbox_id: mailboxId,
      path: 'INBOX',
      name: 'INBOX',
      delimiter: '/',
      parent_path: null,
      special_use: '\\Inbox',
      selected: 1,
      updated_at: new Date().toISOString(),
    })
    .execute();
};

/**
 * A new emulator user whose Inbox holds `seed` messages, connected to Mailroom for `ownerUserId` with tokens
 * from the real sign-in (not the *Connect my mailbox* pages, which tests of many mailboxes need not repeat):
 * the mailbox is connected with its Inbox selected. Returns the mailbox's id.
 */
export const connectMailboxWithTokens = async (
  emu: RunningEmulator,
  app: TestApp,
  person: {
    readonly upn: string;
    readonly password: string;
    readonly ownerUserId: string;
    readonly seed: number;
  },
): Promise<string> => {
  const { db, secrets } = app.mailroom.deps;
  const { upn, password } = person;
  await control(emu, 'POST', '/users', { tenantId: DEMO.tenantId, upn, password });
  await control(emu, 'POST', '/mail/seed', { address: upn, folder: 'INBOX', count: person.seed });
  const tokens = await signInAndGetTokens(emu, upn, password, ['openid', ...MAILBOX_SCOPES]);
  const mailbox = await insertMailbox(db, {
    kind: 'user',
    ownerUserId: person.ownerUserId,
    label: null,
    address: upn,
  });
  await writeTokens(db, secrets, mailbox.id, {
    accessToken: tokens.accessToken,
    expiresInSeconds: tokens.expiresIn,
    refreshToken: tokens.refreshToken!,
    origin: tokenOriginOf(await loadMicrosoftSettings(db))!,
  });
  await db.updateTable('mailboxes').set({ state: 'connected' }).where('id', '=', mailbox.id).execute();
  await selectInbox(db, mailbox.id);
  return mailbox.id;
};
