import type { ImapFlow, ListResponse } from 'imapflow';
import { toImapError } from './imap-error.ts';

export type SpecialUse = '\\Inbox' | '\\Sent' | '\\Drafts' | '\\Trash' | '\\Junk' | '\\Archive';

export interface Folder {
  /** Full path, decoded from modified UTF-7. */
  readonly path: string;
  /** Last segment of the path: what a person sees (localized on non-English mailboxes). */
  readonly name: string;
  /** Hierarchy delimiter (`/` on Exchange, §13.3); null for a flat namespace (`NIL`). */
  readonly delimiter: string | null;
  /** Null at the top level. */
  readonly parentPath: string | null;
  readonly specialUse: SpecialUse | null;
  /** False for `\Noselect` / `\NonExistent` (RFC 3501 §7.2.2, RFC 5258): a node of the tree only. */
  readonly selectable: boolean;
}

export interface FolderNode extends Folder {
  readonly children: readonly FolderNode[];
}

/** Inbox first, then the special-use folders in the order Outlook shows them. */
const SPECIAL_ORDER: readonly SpecialUse[] = [
  '\\Inbox',
  '\\Drafts',
  '\\Sent',
  '\\Trash',
  '\\Junk',
  '\\Archive',
];
const BY_ATTRIBUTE = new Map(SPECIAL_ORDER.map((use) => [use.toLowerCase(), use]));

/**
 * Special use from the LIST attributes only (RFC 6154 §2). Exchange sends them without advertising
 * SPECIAL-USE (§13.3), and imapflow then fills `specialUse` from folder names alone ("name" source),
 * so the attributes are read here and imapflow's guess is ignored: folder names are localized
 * (`Gesendete Elemente`), and a user folder called "Sent" is not the Sent folder. INBOX is the inbox
 * by definition (RFC 3501 §5.1, case-insensitive).
 */
const specialUseOf = (entry: ListResponse): SpecialUse | null => {
  if (entry.path.toUpperCase() === 'INBOX') return '\\Inbox';
  for (const attribute of entry.flags) {
    const use = BY_ATTRIBUTE.get(attribute.toLowerCase());
    if (use && use !== '\\Inbox') return use;
  }
  // XLIST servers: imapflow moves `\Inbox` off the attributes and records it as an "extension" result.
  return entry.specialUseSource === 'extension' && entry.specialUse === '\\Inbox' ? '\\Inbox' : null;
};

const hasAttribute = (entry: ListResponse, attribute: string): boolean =>
  [...entry.flags].some((flag) => flag.toLowerCase() === attribute.toLowerCase());

export const folderFromListEntry = (entry: ListResponse): Folder => ({
  path: entry.path,
  name: entry.name,
  delimiter: entry.delimiter || null,
  parentPath: entry.parentPath || null,
  specialUse: specialUseOf(entry),
  selectable: !hasAttribute(entry, '\\Noselect') && !hasAttribute(entry, '\\NonExistent'),
});

const rank = (folder: Folder): number =>
  folder.specialUse ? SPECIAL_ORDER.indexOf(folder.specialUse) : SPECIAL_ORDER.length;

const bySiblingOrder = (a: Folder, b: Folder): number =>
  rank(a) - rank(b) || a.name.localeCompare(b.name, 'en') || a.path.localeCompare(b.path, 'en');

/**
 * Nests folders under their parents; siblings are ordered INBOX, special-use folders, then the rest
 * alphabetically. A folder whose parent was not listed stays at the top level rather than being lost.
 */
export const buildFolderTree = (folders: readonly Folder[]): FolderNode[] => {
  const children = new Map<string | null, Folder[]>();
  const paths = new Set(folders.map((f) => f.path));
  for (const folder of folders) {
    const { parentPath } = folder;
    const parent =
      parentPath !== null && parentPath !== folder.path && paths.has(parentPath) ? parentPath : null;
    const siblings = children.get(parent) ?? [];
    siblings.push(folder);
    children.set(parent, siblings);
  }
  const nodesUnder = (parent: string | null): FolderNode[] =>
    [...(children.get(parent) ?? [])]
      .sort(bySiblingOrder)
      .map((folder) => ({ ...folder, children: nodesUnder(folder.path) }));
  return nodesUnder(null);
};

const flatten = (nodes: readonly FolderNode[]): Folder[] =>
  nodes.flatMap(({ children, ...folder }) => [folder, ...flatten(children)]);

/** The mailbox's folders in tree order (each parent before its children), or an ImapError. */
export const listFolders = async (client: Pick<ImapFlow, 'list'>): Promise<Folder[]> => {
  // LIST only: subscriptions (LSUB) mean nothing for which folders Mailroom syncs.
  const entries = await client.list({ listOnly: true }).catch((error: unknown) => {
    throw toImapError(error);
  });
  return flatten(buildFolderTree(entries.map(folderFromListEntry)));
};
