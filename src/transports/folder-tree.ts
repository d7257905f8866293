/**
 * A mailbox's folders as every transport lists them: IMAP from LIST and its special-use attributes,
 * Graph from `mailFolders` and its well-known names (graph-mail-spec.md §2). The path is what identifies
 * a folder to Mailroom's tables (IMAP's full path; a Graph transport the display names joined by `/`).
 */
export type SpecialUse = '\\Inbox' | '\\Sent' | '\\Drafts' | '\\Trash' | '\\Junk' | '\\Archive';

export interface Folder {
  /** Full path (IMAP: decoded from modified UTF-7). */
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
  /** Graph's id of the folder (`mailbox_folders.remote_id`); absent or null over IMAP, which names it by its path. */
  readonly remoteId?: string | null;
}

export interface FolderNode extends Folder {
  readonly children: readonly FolderNode[];
}

/** Inbox first, then the special-use folders in the order Outlook shows them. */
export const SPECIAL_ORDER: readonly SpecialUse[] = [
  '\\Inbox',
  '\\Drafts',
  '\\Sent',
  '\\Trash',
  '\\Junk',
  '\\Archive',
];

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

/** Folders in tree order: each parent before its children, siblings as `buildFolderTree` orders them. */
export const inTreeOrder = (folders: readonly Folder[]): Folder[] => flatten(buildFolderTree(folders));
