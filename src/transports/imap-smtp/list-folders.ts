import type { ImapFlow, ListResponse } from 'imapflow';
import { type Folder, inTreeOrder, SPECIAL_ORDER, type SpecialUse } from '../folder-tree.ts';
import { toImapError } from './imap-error.ts';

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

/** The mailbox's folders in tree order (each parent before its children), or an ImapError. */
export const listFolders = async (client: Pick<ImapFlow, 'list'>): Promise<Folder[]> => {
  // LIST only: subscriptions (LSUB) mean nothing for which folders Mailroom syncs.
  const entries = await client.list({ listOnly: true }).catch((error: unknown) => {
    throw toImapError(error);
  });
  return inTreeOrder(entries.map(folderFromListEntry));
};
