import type { Db } from '../db/database.ts';
import type { AppDeps } from '../http/context.ts';
import type { Folder } from '../transports/folder-tree.ts';
import { transportFor } from '../transports/transport-for.ts';
import type { Mailbox } from './mailbox.ts';
import { setMailboxState } from './repository.ts';

export interface StoredFolder extends Folder {
  readonly selected: boolean;
}

export const storedFolders = async (db: Db, mailboxId: string): Promise<StoredFolder[]> =>
  (
    await db
      .selectFrom('mailbox_folders')
      .selectAll()
      .where('mailbox_id', '=', mailboxId)
      .orderBy('path')
      .execute()
  ).map((r) => ({
    path: r.path,
    name: r.name,
    delimiter: r.delimiter,
    parentPath: r.parent_path,
    specialUse: r.special_use as Folder['specialUse'],
    selectable: true,
    remoteId: r.remote_id,
    selected: r.selected === 1,
  }));

/**
 * Retrieve folders: lists the mailbox's folders on the server and stores the list, keeping earlier ticks. The first
 * time, only the Inbox (found by its attribute, whatever its name) is ticked.
 */
export const retrieveFolders = async (
  deps: Pick<AppDeps, 'db' | 'secrets' | 'fetch' | 'microsoft' | 'log' | 'extraCa'>,
  mailbox: Mailbox,
): Promise<StoredFolder[]> => {
  const listed = (await transportFor(deps, mailbox).read((session) => session.listFolders())).filter(
    (f) => f.selectable,
  );
  const before = await storedFolders(deps.db, mailbox.id);
  const wasSelected = new Set(before.filter((f) => f.selected).map((f) => f.path));
  const firstTime = before.length === 0;
  const now = new Date().toISOString();
  await deps.db.transaction().execute(async (tx) => {
    await tx.deleteFrom('mailbox_folders').where('mailbox_id', '=', mailbox.id).execute();
    if (listed.length === 0) return;
    await tx
      .insertInto('mailbox_folders')
      .values(
        listed.map((f) => ({
          mailbox_id: mailbox.id,
          path: f.path,
          name: f.name,
          delimiter: f.delimiter,
          parent_path: f.parentPath,
          special_use: f.specialUse,
          selected: (firstTime ? f.specialUse === '\\Inbox' : wasSelected.has(f.path)) ? 1 : 0,
          updated_at: now,
          remote_id: f.remoteId ?? null,
        })),
      )
      .execute();
  });
  await setMailboxState(deps.db, mailbox.id, { state: 'connected', code: null, message: null });
  return storedFolders(deps.db, mailbox.id);
};

export class FolderSelectionError extends Error {
  readonly code = 'mailbox.unknown_folder';
}

/** Sets which folders sync; every path must be one the mailbox listed. */
export const selectFolders = async (
  db: Db,
  mailboxId: string,
  paths: readonly string[],
): Promise<StoredFolder[]> => {
  const known = new Set((await storedFolders(db, mailboxId)).map((f) => f.path));
  const unknown = paths.filter((p) => !known.has(p));
  if (unknown.length > 0)
    throw new FolderSelectionError(`unknown folders: ${unknown.join(', ')}; retrieve the folders first`);
  await db.transaction().execute(async (tx) => {
    await tx
      .updateTable('mailbox_folders')
      .set({ selected: 0 })
      .where('mailbox_id', '=', mailboxId)
      .execute();
    if (paths.length > 0) {
      await tx
        .updateTable('mailbox_folders')
        .set({ selected: 1 })
        .where('mailbox_id', '=', mailboxId)
        .where('path', 'in', [...paths])
        .execute();
    }
  });
  return storedFolders(db, mailboxId);
};
