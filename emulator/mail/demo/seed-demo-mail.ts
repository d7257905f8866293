import type { EmulatorContext } from '../../context.ts';
import type { DemoSeed } from '../../state/demo-seed.ts';
import { findMailbox, now } from '../../state/directory.ts';
import { deliverToFolder, type MailStoreLayout } from '../maildir.ts';
import type { DemoMessage } from './letter.ts';
import { personalMail, supportMail } from './mailboxes.ts';

/** Every demo message for every demo mailbox, oldest first, dated back from `at` (ms). */
export const demoMailOf = (
  ctx: EmulatorContext,
  demo: DemoSeed,
  at: number,
): { address: string; messages: DemoMessage[] }[] => {
  const people = demo.users
    .filter((u) => findMailbox(ctx.dir, u.upn)?.type === 'user')
    .map((u) => ({ address: u.upn, messages: personalMail({ name: u.displayName, address: u.upn }, at) }));
  const shared = demo.sharedMailboxes.map((address) => ({
    address,
    messages: supportMail({ name: findMailbox(ctx.dir, address)?.displayName ?? address, address }, at),
  }));
  return [...people, ...shared].map((box) => ({
    ...box,
    messages: [...box.messages].sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime()),
  }));
};

/**
 * Writes the demo mail into the mailboxes' Maildirs, each message received (INTERNALDATE) when its story
 * says, on the emulator's clock: the Inbox in order of arrival, the owner's own replies in Sent Items.
 */
export const seedDemoMail = (ctx: EmulatorContext, store: MailStoreLayout, demo: DemoSeed): number => {
  let count = 0;
  for (const box of demoMailOf(ctx, demo, now(ctx.dir)))
    for (const m of box.messages) {
      deliverToFolder(store, box.address, m.folder, m.raw, m.flags, m.receivedAt);
      count += 1;
    }
  return count;
};
