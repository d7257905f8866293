import { chownSync, existsSync, mkdirSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** Where a mailbox's folders live on disk, as the emulator's Dovecot sees them (Maildir++ layout). */
export interface MailStoreLayout {
  readonly mailRoot: string;
  readonly uid: number;
  readonly gid: number;
}

export type MessageFlag = '\\Seen' | '\\Flagged' | '\\Answered' | '\\Draft' | '\\Deleted';

const FLAG_LETTERS: Record<MessageFlag, string> = {
  '\\Draft': 'D',
  '\\Flagged': 'F',
  '\\Answered': 'R',
  '\\Seen': 'S',
  '\\Deleted': 'T',
};

let sequence = 0;
const host = hostname().replace(/[/:]/g, '_');

/**
 * Folder names the Maildir++ mapping below can hold: printable ASCII without `.` (its hierarchy separator
 * on disk) or `&` (modified UTF-7, RFC 3501 §5.1.3). The control API checks names with it up front.
 */
export const isStorableFolderName = (folder: string): boolean => !/[^\x20-\x7e]|[.&]/.test(folder);

/** `INBOX` is the Maildir itself; `Sent Items` is `.Sent Items`, `a/b` is `.a.b` (Maildir++). */
export const folderPath = (layout: MailStoreLayout, address: string, folder: string): string => {
  const maildir = join(layout.mailRoot, address.toLowerCase(), 'Maildir');
  if (folder.toUpperCase() === 'INBOX') return maildir;
  if (!isStorableFolderName(folder))
    throw new Error(`folder name ${folder} is not supported by the emulator's seeding`);
  return join(maildir, `.${folder.replaceAll('/', '.')}`);
};

const ensureDir = (layout: MailStoreLayout, path: string): void => {
  if (existsSync(path)) return;
  mkdirSync(path, { recursive: true });
  chownSync(path, layout.uid, layout.gid);
};

/** Creates the folder's cur/new/tmp when missing, owned by the mail user. */
export const ensureFolder = (layout: MailStoreLayout, address: string, folder: string): string => {
  const path = folderPath(layout, address, folder);
  if (existsSync(join(path, 'cur'))) return path;
  const home = join(layout.mailRoot, address.toLowerCase());
  ensureDir(layout, home);
  ensureDir(layout, join(home, 'Maildir'));
  for (const sub of ['cur', 'new', 'tmp']) ensureDir(layout, join(home, 'Maildir', sub));
  ensureDir(layout, path);
  for (const sub of ['cur', 'new', 'tmp']) ensureDir(layout, join(path, sub));
  if (path !== join(home, 'Maildir')) {
    writeFileSync(join(path, 'maildirfolder'), '');
    chownSync(join(path, 'maildirfolder'), layout.uid, layout.gid);
  }
  return path;
};

/**
 * Delivers one RFC 5322 message the way an MTA does: written into `tmp/`, then renamed into `new/`
 * (no flags) or `cur/` (with flags), so Dovecot, IDLE included, sees it appear whole. The file's time is
 * `receivedAt`, which Dovecot reports as the message's INTERNALDATE.
 */
export const deliverToFolder = (
  layout: MailStoreLayout,
  address: string,
  folder: string,
  message: Buffer,
  flags: readonly MessageFlag[] = [],
  receivedAt: Date = new Date(),
): void => {
  const path = ensureFolder(layout, address, folder);
  const seconds = Math.floor(receivedAt.getTime() / 1000);
  sequence += 1;
  const base = `${seconds}.M${sequence}P${process.pid}.${host},S=${message.length}`;
  const tmp = join(path, 'tmp', base);
  writeFileSync(tmp, message);
  chownSync(tmp, layout.uid, layout.gid);
  utimesSync(tmp, receivedAt, receivedAt);
  if (flags.length === 0) {
    renameSync(tmp, join(path, 'new', base));
  } else {
    const letters = flags
      .map((f) => FLAG_LETTERS[f])
      .sort()
      .join('');
    renameSync(tmp, join(path, 'cur', `${base}:2,${letters}`));
  }
};
