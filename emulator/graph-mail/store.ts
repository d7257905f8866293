import { ImapFlow } from 'imapflow';
import type { BackendTarget } from '../mail/imap/backend.ts';
import type { MessageLocation } from './ids.ts';

/** A folder as the store lists it. */
export interface StoreFolder {
  readonly path: string;
  readonly name: string;
  readonly parentPath: string | null;
  readonly specialUse: string | null;
  readonly total: number;
  readonly unread: number;
}

/** One message's state: what delta compares and list pages sort by. */
export interface StoreEntry {
  readonly uid: number;
  readonly flags: readonly string[];
  readonly internalDate: Date;
}

export interface FolderSnapshot {
  readonly uidValidity: string;
  readonly entries: ReadonlyMap<number, StoreEntry>;
}

export interface StoreMessage extends StoreEntry {
  readonly location: MessageLocation;
  readonly size: number;
  readonly source: Buffer;
}

/**
 * The mail store Graph reads and writes: the emulator's own Dovecot, over IMAP as its master user (the way
 * the IMAP front reaches it), so flags, moves and deliveries are the very ones IMAP clients see. One
 * connection per mailbox; imapflow's mailbox lock queues the operations on it.
 */
export interface MailStore {
  folders(mailbox: string): Promise<StoreFolder[]>;
  snapshot(mailbox: string, folder: string): Promise<FolderSnapshot>;
  /** The messages of `uids` that still exist, in the order asked. */
  messages(
    mailbox: string,
    folder: string,
    uidValidity: string,
    uids: readonly number[],
  ): Promise<StoreMessage[]>;
  message(location: MessageLocation): Promise<StoreMessage | null>;
  setFlags(location: MessageLocation, add: readonly string[], remove: readonly string[]): Promise<boolean>;
  move(location: MessageLocation, destination: string): Promise<MessageLocation | null>;
  remove(location: MessageLocation): Promise<boolean>;
  append(mailbox: string, folder: string, raw: Buffer, flags: readonly string[]): Promise<MessageLocation>;
  close(): Promise<void>;
}

export class StoreError extends Error {
  constructor(
    readonly code: 'store.append_without_uid' | 'store.unavailable',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

const visibleFlags = (flags: Set<string> | undefined): string[] =>
  [...(flags ?? [])].filter((f) => f !== '\\Recent').sort();

export const createMailStore = (backend: BackendTarget): MailStore => {
  const clients = new Map<string, Promise<ImapFlow>>();

  const connect = async (mailbox: string): Promise<ImapFlow> => {
    const client = new ImapFlow({
      host: '127.0.0.1',
      port: backend.port,
      secure: false,
      auth: { user: `${mailbox}*${backend.masterUser}`, pass: backend.masterPassword },
      logger: false,
      disableAutoIdle: true,
    });
    client.on('error', (error: Error) => {
      clients.delete(mailbox);
      // A dropped backend connection is reopened by the next request; it is logged, not fatal.
      console.warn(`graph-mail: IMAP connection for ${mailbox} failed`, error);
    });
    client.on('close', () => clients.delete(mailbox));
    await client.connect();
    return client;
  };

  const clientFor = (mailbox: string): Promise<ImapFlow> => {
    let client = clients.get(mailbox);
    if (!client) {
      client = connect(mailbox);
      clients.set(mailbox, client);
      // A failed login is the awaiting request's error; the next request tries afresh.
      client.catch((error: unknown) => {
        clients.delete(mailbox);
        console.warn(`graph-mail: IMAP login for ${mailbox} failed`, error);
      });
    }
    return client;
  };

  /** Runs `fn` with `folder` open; `readOnly` uses EXAMINE so IMAP clients keep their \Recent flags. */
  const inFolder = async <T>(
    mailbox: string,
    folder: string,
    readOnly: boolean,
    fn: (client: ImapFlow, uidValidity: string, exists: number) => Promise<T>,
  ): Promise<T> => {
    const client = await clientFor(mailbox);
    const lock = await client.getMailboxLock(folder, { readOnly });
    try {
      // A folder still open from an earlier request does not see deliveries or other sessions' changes
      // until the server syncs it: NOOP does (RFC 3501 §6.1.2), before anything is read.
      await client.noop();
      const opened = client.mailbox;
      if (!opened) throw new StoreError('store.unavailable', `folder ${folder} did not open`);
      return await fn(client, String(opened.uidValidity), opened.exists);
    } finally {
      lock.release();
    }
  };

  const fetchMessages = async (
    client: ImapFlow,
    location: Omit<MessageLocation, 'uid'>,
    uids: readonly number[],
  ): Promise<StoreMessage[]> => {
    if (uids.length === 0) return [];
    const found = await client.fetchAll(
      uids.join(','),
      { uid: true, flags: true, internalDate: true, size: true, source: true },
      { uid: true },
    );
    const byUid = new Map(found.map((m) => [m.uid, m]));
    const out: StoreMessage[] = [];
    for (const uid of uids) {
      const m = byUid.get(uid);
      if (!m?.source) continue;
      out.push({
        uid,
        flags: visibleFlags(m.flags),
        internalDate: m.internalDate instanceof Date ? m.internalDate : new Date(m.internalDate ?? 0),
        size: m.size ?? m.source.length,
        source: m.source,
        location: { ...location, uid },
      });
    }
    return out;
  };

  return {
    async folders(mailbox) {
      const client = await clientFor(mailbox);
      const listed = await client.list({ statusQuery: { messages: true, unseen: true } });
      return listed.map((f) => ({
        path: f.path,
        name: f.name,
        parentPath: f.parentPath ? f.parentPath : null,
        specialUse: f.specialUse ?? null,
        total: f.status?.messages ?? 0,
        unread: f.status?.unseen ?? 0,
      }));
    },

    snapshot: (mailbox, folder) =>
      inFolder(mailbox, folder, true, async (client, uidValidity, exists) => {
        const entries = new Map<number, StoreEntry>();
        if (exists > 0) {
          const all = await client.fetchAll('1:*', { uid: true, flags: true, internalDate: true });
          for (const m of all) {
            // A FETCH Dovecot pushed unasked (another session changed flags) carries no UID: not a row.
            if (typeof m.uid !== 'number') continue;
            const internalDate =
              m.internalDate instanceof Date ? m.internalDate : new Date(m.internalDate ?? 0);
            entries.set(m.uid, { uid: m.uid, flags: visibleFlags(m.flags), internalDate });
          }
        }
        return { uidValidity, entries };
      }),

    messages: (mailbox, folder, uidValidity, uids) =>
      inFolder(mailbox, folder, true, (client, current) =>
        current === uidValidity
          ? fetchMessages(client, { mailbox, folder, uidValidity }, uids)
          : Promise.resolve([]),
      ),

    async message(location) {
      const found = await this.messages(location.mailbox, location.folder, location.uidValidity, [
        location.uid,
      ]);
      return found[0] ?? null;
    },

    setFlags: (location, add, remove) =>
      inFolder(location.mailbox, location.folder, false, async (client, uidValidity) => {
        if (uidValidity !== location.uidValidity) return false;
        const exists = await client.fetchAll(String(location.uid), { uid: true }, { uid: true });
        if (exists.length === 0) return false;
        if (add.length > 0) await client.messageFlagsAdd(String(location.uid), [...add], { uid: true });
        if (remove.length > 0)
          await client.messageFlagsRemove(String(location.uid), [...remove], { uid: true });
        return true;
      }),

    move: (location, destination) =>
      inFolder(location.mailbox, location.folder, false, async (client, uidValidity) => {
        if (uidValidity !== location.uidValidity) return null;
        const moved = await client.messageMove(String(location.uid), destination, { uid: true });
        const uid = moved ? moved.uidMap?.get(location.uid) : undefined;
        if (!moved || uid === undefined || moved.uidValidity === undefined) return null;
        return {
          mailbox: location.mailbox,
          folder: destination,
          uidValidity: String(moved.uidValidity),
          uid,
        };
      }),

    remove: (location) =>
      inFolder(location.mailbox, location.folder, false, async (client, uidValidity) => {
        if (uidValidity !== location.uidValidity) return false;
        const exists = await client.fetchAll(String(location.uid), { uid: true }, { uid: true });
        if (exists.length === 0) return false;
        return client.messageDelete(String(location.uid), { uid: true });
      }),

    async append(mailbox, folder, raw, flags) {
      const client = await clientFor(mailbox);
      const appended = await client.append(folder, raw, [...flags]);
      if (!appended || appended.uid === undefined || appended.uidValidity === undefined)
        throw new StoreError('store.append_without_uid', `APPEND to ${folder} gave no APPENDUID`);
      return { mailbox, folder, uidValidity: String(appended.uidValidity), uid: appended.uid };
    },

    async close() {
      const open = [...clients.values()];
      clients.clear();
      // Connections that never opened were logged when they failed; the others log out.
      const settled = await Promise.allSettled(open);
      for (const result of settled)
        if (result.status === 'fulfilled' && result.value.usable) await result.value.logout();
    },
  };
};
