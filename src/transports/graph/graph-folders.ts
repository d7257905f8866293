import type { Db } from '../../db/database.ts';
import { type Folder, inTreeOrder } from '../folder-tree.ts';
import type { GraphClient } from './graph-client.ts';
import { type GraphFolder, listFolders } from './list-folders.ts';

/**
 * Paths as Exchange's IMAP names the same folders: the Inbox is `INBOX` (RFC 3501 §5.1), its subfolders
 * `INBOX/…`, every other folder its display names joined by `/`. A mailbox that moves between IMAP and
 * Graph keeps its folders, their ticks and its messages' locations under the same paths.
 */
const pathsOf = (folders: readonly GraphFolder[]): Map<string, string> => {
  const byId = new Map(folders.map((f) => [f.id, f]));
  const paths = new Map<string, string>();
  const pathOf = (folder: GraphFolder, depth = 0): string => {
    const known = paths.get(folder.id);
    if (known) return known;
    const own = folder.specialUse === '\\Inbox' ? 'INBOX' : folder.name;
    const parent = folder.parentId ? byId.get(folder.parentId) : undefined;
    const path = parent && depth < 64 ? `${pathOf(parent, depth + 1)}/${own}` : own;
    paths.set(folder.id, path);
    return path;
  };
  for (const folder of folders) pathOf(folder);
  return paths;
};

/** The mailbox's folders from `mailFolders` (well-known names for special use), each with Graph's id. */
export const graphFolders = async (
  client: GraphClient,
  mailbox: string,
  signal?: AbortSignal,
): Promise<Folder[]> => {
  const listed = await listFolders(client, mailbox, signal ? { signal } : {});
  const paths = pathsOf(listed);
  return inTreeOrder(
    listed.map((f) => ({
      path: paths.get(f.id)!,
      name: f.name,
      delimiter: '/',
      parentPath: f.parentId ? (paths.get(f.parentId) ?? null) : null,
      specialUse: f.specialUse,
      selectable: true,
      remoteId: f.id,
    })),
  );
};

/**
 * Graph's id of the folder Mailroom names `path`: the one stored with the folder list, else found by listing
 * (a list retrieved over IMAP has none; matched by path, then by special use) and stored for next time.
 * Null when the mailbox has no such folder any more.
 */
export const folderIdOf = async (
  db: Db,
  mailboxId: string,
  path: string,
  list: () => Promise<Folder[]>,
): Promise<string | null> => {
  const stored = await db
    .selectFrom('mailbox_folders')
    .select(['remote_id', 'special_use'])
    .where('mailbox_id', '=', mailboxId)
    .where('path', '=', path)
    .executeTakeFirst();
  if (stored?.remote_id) return stored.remote_id;
  const folders = await list();
  const found =
    folders.find((f) => f.path === path) ??
    folders.find((f) => f.path.toUpperCase() === path.toUpperCase()) ??
    (stored?.special_use ? folders.find((f) => f.specialUse === stored.special_use) : undefined);
  if (!found?.remoteId) return null;
  await db
    .updateTable('mailbox_folders')
    .set({ remote_id: found.remoteId })
    .where('mailbox_id', '=', mailboxId)
    .where('path', '=', path)
    .execute();
  return found.remoteId;
};
