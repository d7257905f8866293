import { GraphError, notFound } from './errors.ts';
import { folderId, folderPathOf } from './ids.ts';
import type { StoreFolder } from './store.ts';

/** The folder above the top-level ones (`msgfolderroot`); no IMAP folder has this path. */
export const ROOT_PATH = '/';

/** Graph's well-known folder names (graph-mail-spec.md §2) and the special-use attribute each stands for. */
const WELL_KNOWN: Record<string, string> = {
  inbox: '\\Inbox',
  sentitems: '\\Sent',
  drafts: '\\Drafts',
  deleteditems: '\\Trash',
  junkemail: '\\Junk',
  archive: '\\Archive',
};

export const SENT_ITEMS = 'sentitems';
export const DRAFTS = 'drafts';

/** The IMAP path of a folder named by id or well-known name (`inbox`, `sentitems`…), case-insensitively for names. */
export const resolveFolder = (mailbox: string, folders: readonly StoreFolder[], name: string): string => {
  const alias = name.toLowerCase();
  if (alias === 'msgfolderroot') return ROOT_PATH;
  const special = WELL_KNOWN[alias];
  if (special) {
    const found = folders.find(
      (f) => f.specialUse === special || (special === '\\Inbox' && f.path === 'INBOX'),
    );
    if (!found) throw notFound();
    return found.path;
  }
  const path = folderPathOf(mailbox, name);
  if (path === ROOT_PATH) return ROOT_PATH;
  if (path === null || !folders.some((f) => f.path === path)) throw notFound();
  return path;
};

/** Resolves a folder that must hold messages (not the root). */
export const resolveMessageFolder = (
  mailbox: string,
  folders: readonly StoreFolder[],
  name: string,
): string => {
  const path = resolveFolder(mailbox, folders, name);
  if (path === ROOT_PATH)
    throw new GraphError(400, 'ErrorInvalidRequest', 'The root folder holds no messages.');
  return path;
};

const displayName = (folder: StoreFolder): string => (folder.path === 'INBOX' ? 'Inbox' : folder.name);

/** The v1.0 mailFolder object (graph-mail-spec.md §2). */
export const folderJson = (mailbox: string, folder: StoreFolder, all: readonly StoreFolder[]) => ({
  id: folderId(mailbox, folder.path),
  displayName: displayName(folder),
  parentFolderId: folderId(mailbox, folder.parentPath ?? ROOT_PATH),
  childFolderCount: all.filter((f) => f.parentPath === folder.path).length,
  unreadItemCount: folder.unread,
  totalItemCount: folder.total,
  isHidden: false,
});

export const rootJson = (mailbox: string, all: readonly StoreFolder[]) => ({
  id: folderId(mailbox, ROOT_PATH),
  displayName: 'Top of Information Store',
  parentFolderId: folderId(mailbox, ROOT_PATH),
  childFolderCount: all.filter((f) => f.parentPath === null).length,
  unreadItemCount: 0,
  totalItemCount: 0,
  isHidden: false,
});

export const childrenOf = (all: readonly StoreFolder[], path: string): StoreFolder[] =>
  all.filter((f) => (path === ROOT_PATH ? f.parentPath === null : f.parentPath === path));
