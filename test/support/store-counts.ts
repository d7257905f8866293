import type { Db } from '../../src/db/database.ts';

/**
 * What the store holds for a mailbox: its messages, its copies in folders (in `path` alone if given), and
 * how many Message-IDs are stored more than once (0 when a sync neither duplicated nor lost track).
 */
export const storeCounts = async (
  db: Db,
  mailboxId: string,
  path?: string,
): Promise<{ messages: number; locations: number; duplicates: number }> => {
  let locations = db
    .selectFrom('message_locations')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('mailbox_id', '=', mailboxId);
  if (path) locations = locations.where('path', '=', path);
  const messages = await db
    .selectFrom('messages')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('mailbox_id', '=', mailboxId)
    .executeTakeFirstOrThrow();
  const dupes = await db
    .selectFrom('messages')
    .select('message_id')
    .where('mailbox_id', '=', mailboxId)
    .where('message_id', 'is not', null)
    .groupBy('message_id')
    .having((eb) => eb.fn.countAll(), '>', 1)
    .execute();
  return {
    messages: Number(messages.n),
    locations: Number((await locations.executeTakeFirstOrThrow()).n),
    duplicates: dupes.length,
  };
};
