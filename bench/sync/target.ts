// What bench/sync.ts measures: a Mailroom whose one mailbox (Megan's) is connected, the process that syncs
// it, and the ways in the benchmark uses (the API, and a database connection to read the sync's progress).
import type { RunningEmulator } from '../../emulator/start.ts';
import type { Db } from '../../src/db/database.ts';

export interface SyncTarget {
  /** The syncing process, for the printout: its command line and pid. */
  readonly description: string;
  /** The process that syncs (its threads included): what /proc is read for. */
  readonly pid: number;
  /** This process is the syncing one (`--in-process`): its heap can be read and profiled. */
  readonly inProcess: boolean;
  readonly url: string;
  readonly emu: RunningEmulator;
  readonly emulatorPid: number;
  /** The benchmark's own connection to Mailroom's database, for reading progress (never for writing). */
  readonly db: Db;
  readonly mailboxId: string;
  /** An API token of the mailbox's owner. */
  readonly apiToken: string;
  /** An Outlook token for IMAP, minted in the emulator's process. */
  imapToken(upn: string): Promise<string>;
  /** Sync now: starts a sync of the mailbox's selected folders and returns (it does not wait for it). */
  syncNow(): Promise<void>;
  /** Resolves never; rejects when the syncing process fails (exits, or the in-process sync throws). */
  readonly failed: Promise<never>;
  stop(): Promise<void>;
}

/** Calls Mailroom's API as the mailbox's owner; throws on an answer other than `expect`. */
export const callApi = async <T>(
  target: Pick<SyncTarget, 'url' | 'apiToken'>,
  method: 'GET' | 'POST' | 'PUT',
  path: string,
  body?: unknown,
  expect = 200,
): Promise<T> => {
  const init: RequestInit = {
    method,
    headers: {
      authorization: `Bearer ${target.apiToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  };
  const res = await fetch(`${target.url}/api${path}`, init).catch((error: unknown) => {
    // Named case: a kept-alive connection the server closed as the request went out (a loaded machine
    // runs past the server's keep-alive timeout); nothing reached Mailroom, so it is sent once more.
    if (!isClosedConnection(error)) throw error;
    return fetch(`${target.url}/api${path}`, init);
  });
  if (res.status !== expect) throw new Error(`${method} /api${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
};

/** Retrieves the mailbox's folders from the server (POST …/folders/refresh): they can be selected. */
export const refreshFolders = async (target: SyncTarget): Promise<void> => {
  await callApi(target, 'POST', `/mailboxes/${target.mailboxId}/folders/refresh`);
};

/** Selects `path` alone for syncing (PUT …/folders). */
export const selectOnly = async (target: SyncTarget, path: string): Promise<void> => {
  await callApi(target, 'PUT', `/mailboxes/${target.mailboxId}/folders`, { selected: [path] });
};

const isClosedConnection = (error: unknown): boolean =>
  error instanceof TypeError &&
  (error.cause as { code?: unknown } | undefined)?.code === 'UND_ERR_SOCKET' &&
  (error.cause as { socket?: { bytesRead?: number } }).socket !== undefined;
