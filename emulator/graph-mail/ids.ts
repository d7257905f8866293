// Graph ids for folders and messages. They are derived, not stored: a folder id encodes the mailbox and the
// folder's IMAP path (Graph folder ids are stable, graph-mail-spec.md §2); a message's REST id encodes where
// the message is now: mailbox, folder, UIDVALIDITY and UID, so it changes on every move, as Graph's does
// (§3). The immutable id is the REST id of the place the message was first seen, and survives moves made
// through Graph: each move (and each rewrite of a draft) is remembered in `IdAliases`.

/** Where a message is in the IMAP store. */
export interface MessageLocation {
  readonly mailbox: string;
  readonly folder: string;
  readonly uidValidity: string;
  readonly uid: number;
}

export type IdType = 'rest' | 'immutable';

const FOLDER_PREFIX = 'AAMkAGFmb';
const REST_PREFIX = 'AAMkAGI2';
const IMMUTABLE_PREFIX = 'AAkALgAA';

const pack = (parts: readonly string[]): string => Buffer.from(parts.join('\u0000')).toString('base64url');
const unpack = (value: string): string[] => Buffer.from(value, 'base64url').toString('utf8').split('\u0000');

export const folderId = (mailbox: string, path: string): string => `${FOLDER_PREFIX}${pack([mailbox, path])}`;

/** The folder path an id names in `mailbox`, or `null` for an id of another mailbox or no folder id at all. */
export const folderPathOf = (mailbox: string, id: string): string | null => {
  if (!id.startsWith(FOLDER_PREFIX)) return null;
  const [owner, path] = unpack(id.slice(FOLDER_PREFIX.length));
  return owner === mailbox && path ? path : null;
};

const locationKey = (l: MessageLocation): string => pack([l.mailbox, l.folder, l.uidValidity, String(l.uid)]);

const locationOfKey = (key: string): MessageLocation | null => {
  const [mailbox, folder, uidValidity, uid] = unpack(key);
  if (!mailbox || !folder || !uidValidity || !uid || !/^\d+$/.test(uid)) return null;
  return { mailbox, folder, uidValidity, uid: Number(uid) };
};

/** Moves and rewrites made through Graph, so immutable ids (and, for a rewritten draft, REST ids) follow. */
export interface IdAliases {
  /** Location key -> key of the location the message was first seen at. */
  readonly originOf: Map<string, string>;
  /** Origin key -> where that message is now. */
  readonly currentOf: Map<string, string>;
  /** A draft rewritten in place (attachment added): its old REST id keeps working. */
  readonly replaced: Map<string, string>;
}

export const createIdAliases = (): IdAliases => ({
  originOf: new Map(),
  currentOf: new Map(),
  replaced: new Map(),
});

export const messageId = (aliases: IdAliases, location: MessageLocation, type: IdType): string => {
  const key = locationKey(location);
  if (type === 'rest') return `${REST_PREFIX}${key}`;
  return `${IMMUTABLE_PREFIX}${aliases.originOf.get(key) ?? key}`;
};

const followReplaced = (aliases: IdAliases, key: string): string => {
  let current = key;
  for (let hops = 0; hops < 100; hops++) {
    const next = aliases.replaced.get(current);
    if (next === undefined) return current;
    current = next;
  }
  return current;
};

/** The location an id (of either type) names, if it is a message id of `mailbox`. */
export const resolveMessageId = (aliases: IdAliases, mailbox: string, id: string): MessageLocation | null => {
  let key: string;
  if (id.startsWith(REST_PREFIX)) key = followReplaced(aliases, id.slice(REST_PREFIX.length));
  else if (id.startsWith(IMMUTABLE_PREFIX)) {
    const origin = id.slice(IMMUTABLE_PREFIX.length);
    key = followReplaced(aliases, aliases.currentOf.get(origin) ?? origin);
  } else return null;
  const location = locationOfKey(key);
  return location && location.mailbox === mailbox ? location : null;
};

/** The message at `from` is now at `to` (a move through Graph): its immutable id goes with it. */
export const recordMove = (aliases: IdAliases, from: MessageLocation, to: MessageLocation): void => {
  const fromKey = locationKey(from);
  const toKey = locationKey(to);
  const origin = aliases.originOf.get(fromKey) ?? fromKey;
  aliases.originOf.set(toKey, origin);
  aliases.currentOf.set(origin, toKey);
};

/** The draft at `from` was rewritten as `to`: both of its ids keep naming it. */
export const recordReplace = (aliases: IdAliases, from: MessageLocation, to: MessageLocation): void => {
  recordMove(aliases, from, to);
  aliases.replaced.set(locationKey(from), locationKey(to));
};
